var api = require('../../../utils/request');
var format = require('../../../utils/format');

// A row of GET /branches/{id}/dues/arrears `members`: {member_id, name, paid_through, unpaid_since, months_unpaid}.
function toRow(r) {
  return {
    key: r.member_id,
    name: r.name,
    paidThrough: r.paid_through ? format.formatMonth(r.paid_through) : '从未缴纳',
    owedText: r.months_unpaid + ' 个月未交',
    since: format.formatMonth(r.unpaid_since),
    sixMonths: r.months_unpaid >= 6
  };
}

Page({
  data: { rows: [], loadError: '' },

  onShow: function () {
    var me = wx.getStorageSync('staff_me') || {};
    var branchId = me.scope && me.scope.type === 'branch' ? me.scope.id : null;
    var self = this;
    if (!branchId) {
      self.setData({ loadError: '请用支部书记账号查看本支部的欠费名单' });
      return Promise.resolve();
    }
    return api.request({ url: '/api/v1/branches/' + branchId + '/dues/arrears', staff: true, toast: false })
      .then(function (body) {
        self.setData({ loadError: '', rows: body.members.map(toRow) });
      }, function (err) {
        self.setData({ loadError: err.message });
      });
  }
});
