var eventsApi = require('../../api/events');
var page = require('../../utils/page');
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
    // The server's word for now: 未开始, 进行中, 已结束 (past its end, still listed during the grace period).
    phaseLabel: event.phase_label || '',
    ended: event.phase === 'ended',
    state: state,
    stateLabel: format.ATTENDANCE_LABELS[state] || '',
    // The service takes one leave request per meeting, before check-in closes.
    canLeave: state === 'none'
  };
}

Page(page.member({
  data: { events: [] },

  load: function () {
    var self = this;
    return eventsApi.myEvents(true).then(function (body) {
      self.setData({ events: body.items.map(toItem) });
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
}));
