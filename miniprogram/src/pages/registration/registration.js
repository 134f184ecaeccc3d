// The member's latest registration request: waiting, approved (log in again to be bound) or denied with why.
var registrationsApi = require('../../api/registrations');
var auth = require('../../utils/auth');
var page = require('../../utils/page');
var registration = require('../../utils/registration');

Page(page.guest({
  data: { registration: null, none: false },

  load: function () {
    var self = this;
    return registrationsApi.mine().then(function (body) {
      self.setData({ registration: registration.describe(body.registration), none: false });
    }, function (err) {
      if (err.status !== 404) throw err;
      self.setData({ registration: null, none: true });
    });
  },

  // Approval bound this WeChat account on the server: a fresh login says so, then home.
  goHome: function () {
    return this.act(function () {
      return auth.login().then(function (body) {
        if (body.bound) wx.reLaunch({ url: '/pages/index/index' });
      });
    });
  },

  goRegister: function () {
    wx.redirectTo({ url: '/pages/register/register' });
  },

  goBind: function () {
    wx.reLaunch({ url: '/pages/bind/bind' });
  }
}));
