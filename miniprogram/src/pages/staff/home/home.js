var eventsApi = require('../../../api/events');
var staffApi = require('../../../api/staff');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');

var ROLE_LABELS = { branch_secretary: '支部书记', township_admin: '乡镇管理员', county_admin: '县委组织部' };

Page(page.staff({
  data: { username: '', roleLabel: '', scopeName: '', isSecretary: false, events: [] },

  load: function () {
    var self = this;
    return Promise.all([staffApi.me(), eventsApi.list(true)]).then(function (results) {
      var me = results[0];
      session.setStaffMe(me);
      self.setData({
        username: me.username,
        roleLabel: ROLE_LABELS[me.role] || me.role,
        scopeName: (me.scope && me.scope.name) || '',
        isSecretary: me.role === 'branch_secretary',
        events: results[1].items.map(function (e) {
          return { id: e.id, title: e.title, kindLabel: format.kindLabel(e.kind), when: format.formatDateTime(e.starts_at) };
        })
      });
    });
  },

  go: function (e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },

  logout: function () {
    return staffApi.logout()
      .catch(function () { return null; })
      .then(function () {
        session.clearStaff();
        wx.switchTab({ url: '/pages/mine/mine' });
      });
  }
}));
