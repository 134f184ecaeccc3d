var eventsApi = require('../../../api/events');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');
var wxp = require('../../../utils/wxp');

var RADII = [100, 200, 300, 500, 1000].map(function (m) { return { value: m, label: m + ' 米' }; });

Page(page.staff({
  data: {
    kinds: format.EVENT_KINDS, kindIndex: 4, title: '', today: '', date: '', startTime: '09:00', endTime: '11:00',
    place: '', lat: null, lng: null, radii: RADII, radiusIndex: 2
  },
  loadOn: 'none',

  onLoad: function () {
    var today = format.today();
    this.setData({ today: today, date: today });
  },

  onKind: function (e) {
    this.setData({ kindIndex: Number(e.detail.value) });
  },

  onRadius: function (e) {
    this.setData({ radiusIndex: Number(e.detail.value) });
  },


  choosePlace: function () {
    var self = this;
    return wxp.call('chooseLocation', {}).then(function (res) {
      self.setData({ place: res.name || res.address || '已选择的位置', lat: res.latitude, lng: res.longitude, 'errors.location': '' });
    }, function (err) {
      if (!/cancel/i.test(wxp.errMsgOf(err))) {
        wx.showModal({ title: '打不开地图', content: '请允许使用位置信息，并打开手机定位后再试。', showCancel: false, confirmText: '知道了' });
      }
    });
  },

  validate: function () {
    var d = this.data;
    var errors = {};
    if (!d.title.trim()) errors.title = '请填写会议名称';
    if (d.endTime <= d.startTime) errors.ends_at = '结束时间要晚于开始时间';
    if (d.lat === null) errors.location = '请在地图上选择会场';
    if (!session.staffBranchId()) errors.title = errors.title || '只有支部书记账号可以创建会议';
    this.setData({ errors: errors });
    return Object.keys(errors).length === 0;
  },

  submit: function () {
    if (this.data.submitting || !this.validate()) return Promise.resolve();
    var d = this.data;
    var kind = d.kinds[d.kindIndex].value;
    var body = {
      branch_id: session.staffBranchId(),
      kind: kind,
      title: d.title.trim(),
      place_name: d.place,
      starts_at: format.beijingIso(d.date, d.startTime),
      ends_at: format.beijingIso(d.date, d.endTime),
      location: { lat: d.lat, lng: d.lng, radius_m: d.radii[d.radiusIndex].value }
    };
    return this.act(function () {
      return eventsApi.create(body).then(function (event) {
        wx.showToast({ title: '会议已创建', icon: 'success' });
        wx.redirectTo({ url: '/pages/staff/code/code?event_id=' + event.id });
      });
    });
  }
}));
