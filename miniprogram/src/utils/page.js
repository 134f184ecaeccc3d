// What every screen does the same way, written once: load on show (or once), pull-down refresh, wait for the
// WeChat login (members) or for the staff token (staff), the load error with its "重新加载", and actions that
// show the server's message as a toast and its per-field errors under the fields.
//
//   Page(page.member({ data: { … }, load: function (query) { return promise; }, … }))
//
// `load(query)` fetches and renders; when it rejects, `loadError` holds the message. `loadOn` is 'show' (the
// default: every time the screen comes back), 'load' (once, when opened) or 'none'.
var auth = require('./auth');
var request = require('./request');
var session = require('./session');

var STAFF_LOGIN = '/pages/staff/login/login';

var FAILED_MESSAGE = '操作没有成功，请稍后再试';

// What a person is told: the service's Chinese message (ApiError), a page's own {message}, never a program error.
function messageOf(err) {
  if (err instanceof request.ApiError) return err.message;
  if (!err || err instanceof Error || typeof err.message !== 'string' || !err.message) return FAILED_MESSAGE;
  return err.message;
}

function showError(err) {
  wx.showToast({ title: messageOf(err), icon: 'none', duration: 3000 });
}

// Each audience resolves whether the screen may load now.
var READY = {
  // A bound member. The launch login may have failed (bad network): log in again, so reloading really reloads.
  member: function () {
    return loggedIn().then(function () { return session.isBound(); });
  },
  // Logged in with WeChat, bound or not (binding, registering).
  guest: function () {
    return loggedIn().then(function () { return true; });
  },
  staff: function () {
    if (session.getToken(true)) return Promise.resolve(true);
    wx.redirectTo({ url: STAFF_LOGIN });
    return Promise.resolve(false);
  },
  open: function () {
    return Promise.resolve(true);
  }
};

function loggedIn() {
  return auth.ready().then(function () {
    return session.getToken() ? null : auth.login();
  });
}

var SHARED = {
  // <input data-field="name" bindinput="onInput">, also pickers: the value lands in data[field].
  onInput: function (e) {
    var patch = {};
    patch[e.currentTarget.dataset.field] = e.detail.value;
    this.setData(patch);
  },

  // A person's action: one at a time (`submitting`), errors shown. With options.inline the message goes to
  // `message` on the page instead of a toast; options.messages maps error codes to friendlier text.
  act: function (fn, options) {
    var self = this;
    options = options || {};
    if (self.data.submitting) return Promise.resolve(null);
    self.setData({ submitting: true, errors: {}, message: '' });
    return Promise.resolve().then(fn).then(function (result) {
      self.setData({ submitting: false });
      return result;
    }, function (err) {
      var text = (options.messages && err && options.messages[err.code]) || messageOf(err);
      self.setData({ submitting: false, errors: request.fieldErrors(err), message: options.inline ? text : '' });
      if (!options.inline) wx.showToast({ title: text, icon: 'none', duration: 3000 });
      return null;
    });
  }
};

function define(audience, def) {
  var loadOn = def.loadOn || 'show';
  var ownLoad = def.onLoad;
  var ownShow = def.onShow;
  var out = Object.assign({}, SHARED, def);
  delete out.loadOn;
  out.data = Object.assign({ loadError: '', errors: {}, message: '', submitting: false }, def.data);

  out.onLoad = function (query) {
    this.query = query || {};
    if (ownLoad) ownLoad.call(this, this.query);
    if (loadOn === 'load') return this.reload();
    return null;
  };

  out.onShow = function () {
    if (ownShow) ownShow.call(this);
    if (loadOn === 'show') return this.reload();
    return null;
  };

  out.onPullDownRefresh = function () {
    return this.reload().then(function () { wx.stopPullDownRefresh(); });
  };

  out.reload = function () {
    var self = this;
    return READY[audience]().then(function (mayLoad) {
      if (!mayLoad || !self.load) return null;
      return self.load(self.query || {});
    }).then(function () {
      if (self.data.loadError) self.setData({ loadError: '' });
    }, function (err) {
      self.setData({ loadError: messageOf(err) });
    });
  };
  return out;
}

module.exports = {
  member: function (def) { return define('member', def); },
  guest: function (def) { return define('guest', def); },
  staff: function (def) { return define('staff', def); },
  open: function (def) { return define('open', def); },
  showError: showError
};
