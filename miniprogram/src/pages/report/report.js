var meApi = require('../../api/me');
var page = require('../../utils/page');
var subscribe = require('../../utils/subscribe');
var format = require('../../utils/format');
var location = require('../../utils/location');

Page(page.member({
  data: {
    monthLabel: '', city: '', address: '', employer: '', withLocation: true, locationNote: '', history: [], reported: false
  },

  onLoad: function () {
    this.setData({ monthLabel: format.formatMonth(format.currentMonth()) });
  },

  // The form works without its history: a failed load leaves the fields empty.
  load: function () {
    var self = this;
    return meApi.reports(1).then(function (body) {
      var reports = body.items;
      var latest = reports[0];
      var patch = {
        history: reports.map(function (r) {
          return { id: r.id, city: r.city, when: format.formatDate(r.updated_at || r.created_at), updated: !!r.updated_at };
        })
      };
      // Most people report the same place every month: start from last month's answer.
      if (latest && !self.data.city && !self.data.address && !self.data.employer) {
        patch.city = latest.city || '';
        patch.address = latest.address || '';
        patch.employer = latest.employer || '';
      }
      self.setData(patch);
    });
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
    self.setData({ locationNote: '' });
    return self.act(function () {
      return self.position().then(function (pos) {
        var body = { city: self.data.city.trim(), address: self.data.address.trim(), employer: self.data.employer.trim() };
        if (pos) { body.lat = pos.lat; body.lng = pos.lng; }
        return meApi.submitReport(body);
      }).then(function (saved) {
        // One report-in a month: a second one rewrites this month's record (the server answers updated_at).
        wx.showToast({ title: saved && saved.updated_at ? '已更新本月报到' : '报到成功', icon: 'success' });
        self.setData({ reported: true });
        return self.reload();
      });
    });
  },

  // Offered after reporting in: WeChat asks for the grant only from a tap.
  askReminders: function () {
    return subscribe.askAfterReport();
  }
}));
