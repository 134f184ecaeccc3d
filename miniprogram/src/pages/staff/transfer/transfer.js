// A member's relationship moved out of the county, or the member back home for good (CONTRACT §13); the
// letter states paid_through and opens as a PDF to forward.
var transfersApi = require('../../../api/transfers');
var memberPicker = require('../../../utils/member-picker');
var page = require('../../../utils/page');
var doc = require('../../../utils/document');
var format = require('../../../utils/format');

var KINDS = [
  { value: 'transfer_out', label: '组织关系转出', destinationLabel: '转往的党组织' },
  { value: 'return_home', label: '返乡（回原村党支部）', destinationLabel: '' }
];

Page(page.staff(Object.assign({}, memberPicker.methods, {
  data: Object.assign({
    kinds: KINDS, kindIndex: 0, reason: '', effectiveOn: '', destination: '', transfer: null
  }, memberPicker.data),
  loadOn: 'none',

  onLoad: function () {
    this.setData({ effectiveOn: format.today() });
  },

  onMemberPicked: function () {
    this.setData({ transfer: null });
  },

  onKind: function (e) {
    this.setData({ kindIndex: Number(e.detail.value), errors: {} });
  },

  submit: function () {
    var d = this.data;
    var kind = KINDS[d.kindIndex];
    var errors = {};
    if (!d.reason.trim()) errors.reason = '请写明原因';
    if (kind.destinationLabel && !d.destination.trim()) errors.destination = '请填写' + kind.destinationLabel;
    this.setData({ errors: errors });
    if (Object.keys(errors).length) return Promise.resolve();
    var body = { kind: kind.value, reason: d.reason.trim(), effective_on: d.effectiveOn };
    if (kind.destinationLabel) body.destination = d.destination.trim();
    var self = this;
    return self.act(function () {
      return transfersApi.record(d.member.id, body).then(function (result) {
        var t = result.transfer;
        wx.showToast({ title: '已办理', icon: 'success' });
        self.setData({
          transfer: {
            id: t.id, letterNo: t.letter_no, kindLabel: kind.label,
            paidThrough: t.paid_through ? format.formatMonth(t.paid_through) : '没有缴费记录'
          }
        });
      });
    });
  },

  openLetter: function () {
    var id = this.data.transfer.id;
    return this.act(function () {
      return doc.open(transfersApi.downloadLetter(id), 'pdf');
    });
  }
})));
