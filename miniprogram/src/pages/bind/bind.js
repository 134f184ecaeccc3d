var authApi = require('../../api/auth');
var registrationsApi = require('../../api/registrations');
var page = require('../../utils/page');
var session = require('../../utils/session');
var idcard = require('../../utils/idcard');
var registration = require('../../utils/registration');

var MESSAGES = {
  roster_no_match: '没有找到与这个姓名和身份证号相符的党员。请逐字核对；如果确认无误，可以申请登记，由支部书记审核。',
  already_bound: '这个身份已经绑定了另一个微信号。如果不是您本人操作，请马上联系支部书记。',
  rate_limited: '尝试次数太多了，为保护您的信息，请一小时后再试，或联系支部书记。'
};

Page(page.guest({
  data: { name: '', idNumber: '', canRegister: false, registration: null },

  // A registration already sent is shown instead of asking again.
  load: function () {
    var self = this;
    return registrationsApi.mine().then(function (body) {
      self.setData({ registration: registration.describe(body.registration) });
    }, function (err) {
      if (err.status !== 404) throw err;
      self.setData({ registration: null });
    });
  },

  onPhoneNumber: function (e) {
    // Refusing the phone number is allowed: binding works without it.
    this.submit(e.detail && e.detail.code ? e.detail.code : '');
  },

  onBindWithoutPhone: function () {
    this.submit('');
  },

  validate: function () {
    var errors = {};
    var name = this.data.name.trim();
    if (!name) errors.name = '请填写姓名';
    var idProblem = idcard.checkIdNumber(this.data.idNumber);
    if (idProblem) errors.id_number = idProblem;
    this.setData({ errors: errors, message: '' });
    return Object.keys(errors).length === 0;
  },

  submit: function (phoneCode) {
    if (this.data.submitting || !this.validate()) return Promise.resolve();
    var body = { name: this.data.name.trim(), id_number: idcard.normalize(this.data.idNumber) };
    if (phoneCode) body.phone_code = phoneCode;
    var self = this;
    self.setData({ canRegister: false });
    return self.act(function () {
      return authApi.bind(body).then(function () {
        session.setBound(true);
        wx.showToast({ title: '绑定成功', icon: 'success' });
        wx.reLaunch({ url: '/pages/index/index' });
      }, function (err) {
        // Not on the roster: the member may ask the branch to register them.
        if (err.code === 'roster_no_match') self.setData({ canRegister: true });
        throw err;
      });
    }, { inline: true, messages: MESSAGES });
  },

  // The registration form starts from what was typed here.
  goRegister: function () {
    wx.navigateTo({
      url: '/pages/register/register?name=' + encodeURIComponent(this.data.name.trim()) +
        '&id_number=' + encodeURIComponent(idcard.normalize(this.data.idNumber))
    });
  },

  goRegistration: function () {
    wx.navigateTo({ url: '/pages/registration/registration' });
  }
}));
