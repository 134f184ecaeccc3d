var staffApi = require('../../../api/staff');
var page = require('../../../utils/page');
var session = require('../../../utils/session');

var MESSAGES = {
  bad_credentials: '账号或密码不对，请重新输入。',
  account_locked: '密码输错次数太多，账号已暂时锁定，请15分钟后再试。'
};

Page(page.open({
  data: { username: '', password: '' },
  loadOn: 'none',

  submit: function () {
    var username = this.data.username.trim();
    var errors = {};
    if (!username) errors.username = '请填写账号';
    if (!this.data.password) errors.password = '请填写密码';
    this.setData({ errors: errors, message: '' });
    if (Object.keys(errors).length) return Promise.resolve();
    var self = this;
    return self.act(function () {
      return staffApi.login(username, self.data.password).then(function (body) {
        session.setToken(body.token, true);
        session.setRoles(body.roles, true);
        self.setData({ password: '' });
        wx.redirectTo({ url: '/pages/staff/home/home' });
      });
    }, { inline: true, messages: MESSAGES });
  }
}));
