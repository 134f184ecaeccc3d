var api = require('../../../utils/request');

var MESSAGES = {
  bad_credentials: '账号或密码不对，请重新输入。',
  account_locked: '密码输错次数太多，账号已暂时锁定，请15分钟后再试。'
};

Page({
  data: { username: '', password: '', errors: {}, message: '', submitting: false },

  onInput: function (e) {
    var patch = {};
    patch[e.currentTarget.dataset.field] = e.detail.value;
    this.setData(patch);
  },

  submit: function () {
    var username = this.data.username.trim();
    var errors = {};
    if (!username) errors.username = '请填写账号';
    if (!this.data.password) errors.password = '请填写密码';
    this.setData({ errors: errors, message: '' });
    if (Object.keys(errors).length) return Promise.resolve();
    var self = this;
    self.setData({ submitting: true });
    return api.request({
      url: '/api/v1/staff/login', method: 'POST', auth: false, toast: false,
      data: { username: username, password: self.data.password }
    }).then(function (body) {
      api.setToken(body.token, true);
      wx.setStorageSync('staff_roles', body.roles || []);
      self.setData({ submitting: false, password: '' });
      wx.redirectTo({ url: '/pages/staff/home/home' });
    }, function (err) {
      self.setData({ submitting: false, errors: api.fieldErrors(err), message: MESSAGES[err.code] || err.message });
    });
  }
});
