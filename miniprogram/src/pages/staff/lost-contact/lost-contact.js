// Members flagged after 6 months without a report, check-in or payment. The flag changes nothing by itself:
// the secretary confirms (status becomes lost_contact) or dismisses it (reached the member), with a reason.
var lostContactApi = require('../../../api/lostcontact');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');

var ACTIONS = {
  confirm: { label: '确认失联', done: '已确认失联', placeholder: '例如：电话停机，家人也联系不上' },
  dismiss: { label: '已联系上', done: '已排除', placeholder: '例如：已电话联系，在东莞打工' }
};

function toItem(f) {
  var m = f.member;
  return {
    memberId: m.id, name: m.name, phone: m.phone_masked || '无手机号', branch: m.mobile_branch ? m.mobile_branch.name : '',
    lastSeen: f.last_seen_at ? format.formatDate(f.last_seen_at) : '从未', flaggedAt: format.formatDate(f.flagged_at)
  };
}

Page(page.staff({
  data: { items: [], total: 0, acting: null, actionLabel: '', placeholder: '', reason: '' },

  load: function () {
    var self = this;
    return lostContactApi.flags(session.staffBranchId(), 1).then(function (body) {
      self.setData({ items: body.items.map(toItem), total: body.total, acting: null });
    });
  },

  start: function (e) {
    var d = e.currentTarget.dataset;
    var action = ACTIONS[d.action];
    this.setData({
      acting: { memberId: d.id, action: d.action }, actionLabel: action.label, placeholder: action.placeholder,
      reason: '', errors: {}
    });
  },

  cancel: function () {
    this.setData({ acting: null, reason: '' });
  },

  confirmAction: function () {
    var acting = this.data.acting;
    var reason = this.data.reason.trim();
    if (!reason) {
      this.setData({ errors: { reason: '请写明原因' } });
      return Promise.resolve();
    }
    var self = this;
    return self.act(function () {
      return lostContactApi[acting.action](acting.memberId, reason).then(function () {
        wx.showToast({ title: ACTIONS[acting.action].done, icon: 'success' });
        return self.reload();
      });
    });
  }
}));
