var meApi = require('../../api/me');
var page = require('../../utils/page');
var session = require('../../utils/session');
var subscribe = require('../../utils/subscribe');

// The menu works without the profile: a failed load only leaves the card out.
Page(page.member({
  data: { member: null },

  load: function () {
    var self = this;
    return meApi.profile().then(function (body) {
      self.setData({ member: body.member });
    });
  },

  go: function (e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },

  subscribe: function () {
    return subscribe.askForReminders();
  },

  goStaff: function () {
    wx.navigateTo({ url: session.getToken(true) ? '/pages/staff/home/home' : '/pages/staff/login/login' });
  }
}));
