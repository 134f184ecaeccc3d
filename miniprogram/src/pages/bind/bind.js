var api = require('../../utils/request');
var auth = require('../../utils/auth');
var idcard = require('../../utils/idcard');

var MESSAGES = {
  roster_no_match: '没有找到与这个姓名和身份证号相符的党员。请逐字核对；如果确认无误，请联系您的支部书记。',
  already_bound: '这个身份已经绑定了另一个微信号。如果不是您本人操作，请马上联系支部书记。',
  rate_limited: '尝试次数太多了，为保护您的信息，请一小时后再试，或联系支部书记。'
};

Page({
  data: { name: '', idNumber: '', errors: {}, message: '', submitting: false },

  onInput: function (e) {
    var patch = {};
    patch[e.currentTarget.dataset.field] = e.detail.value;
    this.setData(patch);
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
    self.setData({ submitting: true });
    return api.request({ url: '/api/v1/auth/bind', method: 'POST', data: body, toast: false })
      .then(function () {
        auth.markBound();
        self.setData({ submitting: false });
        wx.showToast({ title: '绑定成功', icon: 'success' });
        wx.reLaunch({ url: '/pages/index/index' });
      }, function (err) {
        self.setData({
          submitting: false,
          errors: api.fieldErrors(err),
          message: MESSAGES[err.code] || err.message
        });
      });
  }
});
