var api = require('../../utils/request');
var auth = require('../../utils/auth');
var format = require('../../utils/format');
var checkin = require('../../utils/checkin');
var subscribe = require('../../utils/subscribe');

function toItem(event) {
  var state = format.attendanceOf(event);
  return {
    id: event.id,
    title: event.title,
    place: event.place_name || '',
    kindLabel: format.kindLabel(event.kind),
    when: format.formatDateTime(event.starts_at),
    state: state,
    stateLabel: format.ATTENDANCE_LABELS[state] || '',
    // The service takes one leave request per meeting, before check-in closes.
    canLeave: state === 'none'
  };
}

Page({
  data: { events: [], loadError: '' },

  onShow: function () {
    this.load();
  },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    return auth.ready().then(function () {
      return api.request({ url: '/api/v1/me/events?upcoming=1', toast: false });
    }).then(function (body) {
      self.setData({ loadError: '', events: body.items.map(toItem) });
    }, function (err) {
      self.setData({ loadError: err.message });
    });
  },

  scan: function () {
    return new Promise(function (resolve) {
      wx.scanCode({
        onlyFromCamera: true,
        scanType: ['wxCode', 'qrCode'],
        success: function (res) {
          var token = checkin.tokenFromScan(res);
          if (!token) {
            wx.showModal({ title: '不是签到码', content: '请对准书记手机上显示的会议签到码再扫一次。', showCancel: false, confirmText: '知道了' });
          } else {
            wx.navigateTo({ url: '/pages/checkin/checkin?scene=' + encodeURIComponent(token) });
          }
          resolve();
        },
        fail: function () { resolve(); }
      });
    });
  },

  askLeave: function (e) {
    var d = e.currentTarget.dataset;
    wx.navigateTo({ url: '/pages/leave/leave?event_id=' + d.id + '&title=' + encodeURIComponent(d.title) });
  },

  subscribe: function () {
    return subscribe.askForReminders();
  },

  goHistory: function () {
    wx.navigateTo({ url: '/pages/my-checkins/my-checkins' });
  }
});
