var auth = require('./utils/auth');

App({
  onLaunch: function () {
    // Pages wait on this before their first request; a failed login is retried by the first 401.
    this.ready = auth.login().catch(function () { return null; });
  },
  globalData: {}
});
