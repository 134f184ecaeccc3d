// Asking to be registered when the roster has no match (CONTRACT §10): the roster's own fields, checked here
// first, then the server's per-field messages under the same fields.
var orgsApi = require('../../api/orgs');
var registrationsApi = require('../../api/registrations');
var page = require('../../utils/page');
var format = require('../../utils/format');
var registration = require('../../utils/registration');
var subscribe = require('../../utils/subscribe');

var MESSAGES = {
  registration_pending: '您已经提交过登记申请，正在等待支部书记审核，请不要重复提交。',
  rate_limited: '提交次数太多了，请一小时后再试。'
};

Page(page.guest({
  data: {
    name: '', idNumber: '', phone: '', phoneCode: '', townships: [], townshipIndex: -1, branches: [], branchIndex: -1,
    typedIds: false, townshipId: '', mobileBranchId: '', homeBranch: '', leftOn: '', today: '', destination: '',
    employer: '', certificateNo: '', pending: false
  },
  loadOn: 'load',

  onLoad: function (query) {
    this.setData({
      name: decodeURIComponent(query.name || ''), idNumber: decodeURIComponent(query.id_number || ''), today: format.today()
    });
  },

  // The township and branch lists; when the service does not offer them to members, the numbers are typed.
  load: function () {
    var self = this;
    return orgsApi.townships().then(function (body) {
      self.setData({ townships: body.items.map(function (t) { return { id: t.id, name: t.name }; }), typedIds: false });
    }, function (err) {
      if (err.network) throw err;
      self.setData({ typedIds: true });
    });
  },

  onTownship: function (e) {
    var index = Number(e.detail.value);
    var township = this.data.townships[index];
    var self = this;
    self.setData({ townshipIndex: index, branches: [], branchIndex: -1, 'errors.township_id': '' });
    return orgsApi.branches(township.id, 'mobile').then(function (body) {
      self.setData({ branches: body.items.map(function (b) { return { id: b.id, name: b.name }; }) });
    }, function (err) {
      self.setData({ 'errors.mobile_branch_id': err.message });
    });
  },

  onBranch: function (e) {
    this.setData({ branchIndex: Number(e.detail.value), 'errors.mobile_branch_id': '' });
  },

  onPhoneNumber: function (e) {
    if (e.detail && e.detail.code) this.setData({ phoneCode: e.detail.code, 'errors.phone': '' });
  },

  form: function () {
    var d = this.data;
    var township = d.townships[d.townshipIndex];
    var branch = d.branches[d.branchIndex];
    return {
      name: d.name, idNumber: d.idNumber, phone: d.phone, phoneCode: d.phoneCode,
      townshipId: d.typedIds ? parseInt(d.townshipId, 10) || null : (township ? township.id : null),
      mobileBranchId: d.typedIds ? parseInt(d.mobileBranchId, 10) || null : (branch ? branch.id : null),
      homeBranch: d.homeBranch, leftOn: d.leftOn, destination: d.destination, employer: d.employer,
      certificateNo: d.certificateNo
    };
  },

  submit: function () {
    if (this.data.submitting) return Promise.resolve();
    var checked = registration.check(this.form());
    this.setData({ errors: checked.errors, message: '' });
    if (Object.keys(checked.errors).length) {
      wx.showToast({ title: '有几项需要改一下', icon: 'none' });
      return Promise.resolve();
    }
    var self = this;
    // The decision comes back as one subscribe message when the member allows it.
    return subscribe.askForRegistrationResult().then(function (templateId) {
      if (templateId) checked.body.subscribe_template_id = templateId;
      return self.send(checked.body);
    });
  },

  send: function (body) {
    var self = this;
    return self.act(function () {
      return registrationsApi.submit(body).then(function () {
        wx.showToast({ title: '已提交', icon: 'success' });
        wx.redirectTo({ url: '/pages/registration/registration' });
      }, function (err) {
        if (err.code === 'registration_pending') self.setData({ pending: true });
        throw err;
      });
    }, { inline: true, messages: MESSAGES });
  },

  goStatus: function () {
    wx.redirectTo({ url: '/pages/registration/registration' });
  }
}));
