// WeChat login on launch: wx.login → POST /api/v1/auth/login → token; unbound accounts go to the bind page.
var wxp = require('./wxp');
var api = require('./request');

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
      return api.request({
        url: '/api/v1/auth/login', method: 'POST', data: { code: res.code }, auth: false, retry: false
      });
    })
    .then(function (body) {
      pending = null;
      api.setToken(body.token);
      wx.setStorageSync('bound', !!body.bound);
      wx.setStorageSync('roles', body.roles || []);
      if (!body.bound) goBind();
      return body;
    }, function (err) {
      pending = null;
      throw err;
    });
  return pending;
}

function isBound() {
  return wx.getStorageSync('bound') === true;
}

function markBound() {
  wx.setStorageSync('bound', true);
}

// What pages wait for before their first request.
function ready() {
  var app = typeof getApp === 'function' ? getApp() : null;
  if (app && app.ready) return app.ready;
  return login();
}

module.exports = { login: login, ready: ready, isBound: isBound, markBound: markBound };
