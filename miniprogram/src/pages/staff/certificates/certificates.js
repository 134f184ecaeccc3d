// The secretary's certificates due for 年审 this month (or expired): record a review, renew after a pass.
var certificatesApi = require('../../../api/certificates');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');

var TABS = [{ due: 'this_month', label: '本月待年审' }, { due: 'expired', label: '已过期' }];

function toRow(c) {
  return { id: c.id, name: c.member.name, number: c.number, validUntil: c.valid_until,
    expired: c.status === 'expired', passed: c.review_passed };
}

Page(page.staff({
  data: { branchOnly: true, tabs: TABS, tabIndex: 0, rows: [], total: 0, message: '' },
  loadOn: 'show',

  load: function () {
    var branchId = session.staffBranchId();
    var self = this;
    if (!branchId) {
      self.setData({ branchOnly: false });
      return Promise.resolve();
    }
    return certificatesApi.ofBranch(branchId, TABS[self.data.tabIndex].due, 1).then(function (body) {
      self.setData({ rows: body.items.map(toRow), total: body.total });
    });
  },

  onTab: function (e) {
    this.setData({ tabIndex: Number(e.currentTarget.dataset.index), message: '' });
    return this.reload();
  },

  pass: function (e) { return this.review(Number(e.currentTarget.dataset.id), '通过'); },
  fail: function (e) { return this.review(Number(e.currentTarget.dataset.id), '不通过'); },

  review: function (id, result) {
    var self = this;
    return certificatesApi.review(id, { reviewed_on: format.today(), result: result }).then(function () {
      self.setData({ message: '年审已登记：' + result });
      return self.reload();
    });
  },

  renew: function (e) {
    var self = this;
    return certificatesApi.renew(Number(e.currentTarget.dataset.id)).then(function (body) {
      self.setData({ message: '已换发，有效期至 ' + body.certificate.valid_until });
      return self.reload();
    });
  }
}));
