var api = require('../../../utils/request');
var format = require('../../../utils/format');

var ROLE_LABELS = { branch_secretary: '支部书记', township_admin: '乡镇管理员', county_admin: '县委组织部' };

Page({
  data: { username: '', roleLabel: '', scopeName: '', events: [], loadError: '' },

  onShow: function () {
    this.load();
  },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    if (!api.getToken(true)) {
      wx.redirectTo({ url: '/pages/staff/login/login' });
      return Promise.resolve();
    }
    return Promise.all([
      api.request({ url: '/api/v1/staff/me', staff: true, toast: false }),
      api.request({ url: '/api/v1/events?upcoming=1', staff: true, toast: false })
    ]).then(function (results) {
      var me = results[0];
      wx.setStorageSync('staff_me', me);
      self.setData({
        loadError: '',
        username: me.username,
        roleLabel: ROLE_LABELS[me.role] || me.role,
        scopeName: (me.scope && me.scope.name) || '',
        events: results[1].items.map(function (e) {
          return { id: e.id, title: e.title, kindLabel: format.kindLabel(e.kind), when: format.formatDateTime(e.starts_at) };
        })
      });
    }, function (err) {
      self.setData({ loadError: err.message });
    });
  },

  go: function (e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },

  logout: function () {
    return api.request({ url: '/api/v1/staff/logout', method: 'POST', staff: true, toast: false })
      .catch(function () { return null; })
      .then(function () {
        api.clearToken(true);
        wx.removeStorageSync('staff_me');
        wx.switchTab({ url: '/pages/mine/mine' });
      });
  }
});
