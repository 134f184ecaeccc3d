var duesApi = require('../../../api/dues');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
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

Page(page.staff({
  data: { rows: [] },

  load: function () {
    var branchId = session.staffBranchId();
    var self = this;
    if (!branchId) return Promise.reject({ message: '请用支部书记账号查看本支部的欠费名单' });
    return duesApi.arrears(branchId).then(function (body) {
      self.setData({ rows: body.members.map(toRow) });
    });
  }
}));
