var api = require('../../utils/request');
var auth = require('../../utils/auth');
var format = require('../../utils/format');
var location = require('../../utils/location');

Page({
  data: {
    monthLabel: '', city: '', address: '', employer: '', withLocation: true,
    errors: {}, locationNote: '', submitting: false, history: []
  },

  onLoad: function () {
    this.setData({ monthLabel: format.formatMonth(format.currentMonth()) });
  },

  onShow: function () {
    this.loadHistory();
  },

  loadHistory: function () {
    var self = this;
    return auth.ready().then(function () {
      return api.request({ url: '/api/v1/me/reports?page=1', toast: false });
    }).then(function (body) {
      var reports = body.items;
      var latest = reports[0];
      var patch = {
        history: reports.map(function (r) {
          return { id: r.id, city: r.city, when: format.formatDate(r.created_at) };
        })
      };
      // Most people report the same place every month: start from last month's answer.
      if (latest && !self.data.city && !self.data.address && !self.data.employer) {
        patch.city = latest.city || '';
        patch.address = latest.address || '';
        patch.employer = latest.employer || '';
      }
      self.setData(patch);
    }, function () { /* the form works without history */ });
  },

  onInput: function (e) {
    var patch = {};
    patch[e.currentTarget.dataset.field] = e.detail.value;
    this.setData(patch);
  },

  toggleLocation: function () {
    this.setData({ withLocation: !this.data.withLocation });
  },

  validate: function () {
    var errors = {};
    if (!this.data.city.trim()) errors.city = '请填写所在城市';
    if (!this.data.address.trim()) errors.address = '请填写居住地址';
    if (!this.data.employer.trim()) errors.employer = '请填写工作单位';
    this.setData({ errors: errors });
    return Object.keys(errors).length === 0;
  },

  // The position is optional: a refusal or a switched-off GPS still lets the report through.
  position: function () {
    var self = this;
    if (!self.data.withLocation) return Promise.resolve(null);
    return location.locate('记录位置可以帮助支部确认您所在的城市').catch(function () {
      self.setData({ locationNote: '没有获取到位置，本次报到不带位置，不影响报到。' });
      return null;
    });
  },

  submit: function () {
    if (this.data.submitting || !this.validate()) return Promise.resolve();
    var self = this;
    self.setData({ submitting: true, locationNote: '' });
    return self.position().then(function (pos) {
      var body = { city: self.data.city.trim(), address: self.data.address.trim(), employer: self.data.employer.trim() };
      if (pos) { body.lat = pos.lat; body.lng = pos.lng; }
      return api.request({ url: '/api/v1/me/reports', method: 'POST', data: body });
    }).then(function () {
      self.setData({ submitting: false });
      wx.showToast({ title: '报到成功', icon: 'success' });
      return self.loadHistory();
    }, function (err) {
      self.setData({ submitting: false, errors: api.fieldErrors(err) });
    });
  }
});
