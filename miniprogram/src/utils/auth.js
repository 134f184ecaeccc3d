// WeChat login: wx.login → POST /api/v1/auth/login → token; unbound accounts go to the bind page.
var wxp = require('./wxp');
var session = require('./session');
var authApi = require('../api/auth');

var BIND_PAGE = 'pages/bind/bind';
var pending = null;

function currentRoute() {
  if (typeof getCurrentPages !== 'function') return '';
  var pages = getCurrentPages();
  return pages.length ? pages[pages.length - 1].route : '';
}

function goBind() {
  if (currentRoute() !== BIND_PAGE) wx.reLaunch({ url: '/' + BIND_PAGE });
}

// Concurrent callers (launch, a 401 somewhere) share one login.
function login() {
  if (pending) return pending;
  pending = wxp.call('login', {})
    .then(function (res) {
      return authApi.login(res.code);
    })
    .then(function (body) {
      pending = null;
      session.setToken(body.token);
      session.setBound(body.bound);
      session.setRoles(body.roles);
      if (!body.bound) goBind();
      return body;
    }, function (err) {
      pending = null;
      throw err;
    });
  return pending;
}

// What pages wait for before their first request: the launch login, or a fresh one.
function ready() {
  var app = typeof getApp === 'function' ? getApp() : null;
  if (app && app.ready) return app.ready;
  return login();
}

module.exports = { login: login, ready: ready };
