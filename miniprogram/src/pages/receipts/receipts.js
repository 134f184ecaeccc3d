// Every payment of the member with its receipt, WeChat or paid to the branch (CONTRACT §11).
var duesApi = require('../../api/dues');
var page = require('../../utils/page');
var doc = require('../../utils/document');
var format = require('../../utils/format');
var money = require('../../utils/money');

var CHANNELS = { wechat: '微信支付', offline: '交给支部' };
// A refunded order or a reversed cash entry keeps its receipt, marked so the member is not misled.
var STATUSES = { refunded: '已退款', reversed: '已冲正' };

function toItem(r) {
  var months = (r.months || []).slice().sort();
  var what = months.length ? format.formatMonth(months[0]) +
    (months.length > 1 ? '至' + format.formatMonth(months[months.length - 1]) : '') + '党费' : '特殊党费';
  return {
    receiptNo: r.receipt_no, what: what, amountText: money.formatFen(r.amount_fen),
    when: format.formatDate(r.paid_at), channel: CHANNELS[r.channel] || r.channel,
    status: STATUSES[r.status] || ''
  };
}

Page(page.member({
  data: { receipts: [] },
  loadOn: 'load',

  load: function () {
    var self = this;
    return duesApi.receipts().then(function (body) {
      self.setData({ receipts: body.items.map(toItem) });
    });
  },

  // The PDF in WeChat's viewer, from where it can be saved or forwarded.
  open: function (e) {
    var receiptNo = e.currentTarget.dataset.no;
    return this.act(function () {
      return doc.open(duesApi.downloadReceipt(receiptNo), 'pdf');
    });
  }
}));
