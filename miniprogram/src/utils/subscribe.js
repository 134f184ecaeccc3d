// Reminder subscriptions: each acceptance in WeChat allows the server exactly one message, so report each grant.
var config = require('../config');
var api = require('./request');

function askForReminders() {
  var ids = config.subscribeTemplates.map(function (t) { return t.id; });
  return new Promise(function (resolve) {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: resolve,
      fail: function () { resolve({}); }
    });
  }).then(function (res) {
    var accepted = ids.filter(function (id) { return res[id] === 'accept'; });
    if (!accepted.length) {
      wx.showToast({ title: '没有开启提醒', icon: 'none' });
      return [];
    }
    return Promise.all(accepted.map(function (id) {
      return api.request({ url: '/api/v1/me/subscriptions', method: 'POST', data: { template_id: id }, toast: false });
    })).then(function () {
      wx.showToast({ title: '已开启提醒', icon: 'success' });
      return accepted;
    }, function (err) {
      wx.showToast({ title: err.message, icon: 'none', duration: 3000 });
      return [];
    });
  });
}

module.exports = { askForReminders: askForReminders };
