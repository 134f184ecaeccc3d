var api = require('../../../utils/request');
var format = require('../../../utils/format');
var money = require('../../../utils/money');

function toRow(r, i) {
  var member = r.member || r;
  var months = r.months_owed !== undefined ? r.months_owed : (r.owed_months !== undefined ? r.owed_months : (r.owed || []).length);
  var fen = r.owed_fen !== undefined ? r.owed_fen : r.amount_fen;
  return {
    key: member.id || r.member_id || i,
    name: member.name || r.name || '',
    paidThrough: r.paid_through ? format.formatMonth(r.paid_through) : '从未缴纳',
    owedText: months + ' 个月' + (typeof fen === 'number' ? ' ' + money.formatFen(fen) : ''),
    sixMonths: months >= 6 || !!r.arrears_6m
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
        self.setData({ loadError: '', rows: api.listOf(body).map(toRow) });
      }, function (err) {
        self.setData({ loadError: err.message });
      });
  }
});
