var auth = require('./utils/auth');
var page = require('./utils/page');
var request = require('./utils/request');

App({
  onLaunch: function () {
    // A member token the service refuses is renewed once by logging in again.
    request.setLoginHook(auth.login);
    // Pages wait on this before their first request; a failed login is retried when a page loads.
    this.ready = auth.login().catch(function (err) {
      page.showError(err);
      return null;
    });
  },
  globalData: {}
});
