// Finding a member on a staff screen (dues standard, cash payment, transfer): by name within the secretary's
// branch, or within the caller's scope for township and county accounts. Mixed into a page definition:
//   Page(page.staff(Object.assign({}, memberPicker.methods, { onMemberPicked: function (member) {} })))
var membersApi = require('../api/members');
var session = require('./session');

var PER_PAGE = 100;

var methods = {
  // Every member of the branch when nothing is typed; the server pages at most 100.
  search: function () {
    var self = this;
    var q = String(self.data.q || '').trim();
    return self.act(function () {
      return membersApi.search({ q: q, branch_id: session.staffBranchId(), per_page: PER_PAGE }).then(function (body) {
        self.setData({ results: body.items, member: null });
        if (!body.items.length) wx.showToast({ title: '没有找到', icon: 'none' });
      });
    });
  },

  pick: function (e) {
    var member = this.data.results[e.currentTarget.dataset.index];
    this.setData({ member: member, results: [], errors: {} });
    if (this.onMemberPicked) return this.onMemberPicked(member);
    return null;
  },

  // Back to the list to choose someone else.
  unpick: function () {
    this.setData({ member: null });
  }
};

module.exports = { methods: methods, data: { q: '', results: [], member: null } };
