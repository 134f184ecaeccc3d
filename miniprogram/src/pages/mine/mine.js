var api = require('../../utils/request');
var auth = require('../../utils/auth');
var subscribe = require('../../utils/subscribe');

Page({
  data: { member: null },

  onShow: function () {
    var self = this;
    return auth.ready().then(function () {
      if (!auth.isBound()) return null;
      return api.request({ url: '/api/v1/me', toast: false }).then(function (body) {
        self.setData({ member: body.member });
      });
    }).catch(function () { /* the menu works without the profile */ });
  },

  go: function (e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },

  subscribe: function () {
    return subscribe.askForReminders();
  },

  goStaff: function () {
    wx.navigateTo({ url: api.getToken(true) ? '/pages/staff/home/home' : '/pages/staff/login/login' });
  }
});
