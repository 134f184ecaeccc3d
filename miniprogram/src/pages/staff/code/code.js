var config = require('../../../config');
var eventsApi = require('../../../api/events');
var page = require('../../../utils/page');

var CODE_LIFETIME_MS = 60000;

// The rotating code, full screen, refreshed well before its 60 s expiry while the page is visible.
Page(page.staff({
  data: { eventId: null, src: '', stale: false },

  onLoad: function (query) {
    this.eventId = parseInt(query.event_id, 10);
    this.timer = null;
    this.loadedAt = 0;
    this.setData({ eventId: this.eventId });
  },

  load: function () {
    this.visible = true;
    wx.setKeepScreenOn({ keepScreenOn: true });
    return this.refresh();
  },

  onHide: function () {
    this.stop();
  },

  onUnload: function () {
    this.stop();
  },

  stop: function () {
    this.visible = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    wx.setKeepScreenOn({ keepScreenOn: false });
  },

  schedule: function (ms) {
    var self = this;
    if (self.timer) clearTimeout(self.timer);
    self.timer = setTimeout(function () { self.refresh(); }, ms);
  },

  refresh: function () {
    var self = this;
    if (!self.visible) return Promise.resolve();
    return eventsApi.downloadCheckinCode(self.eventId).then(function (res) {
      if (!self.visible) return;
      self.loadedAt = Date.now();
      self.setData({ src: res.tempFilePath, stale: false });
      self.schedule(config.checkinCodeRefreshMs);
    }, function (err) {
      if (!self.visible) return;
      if (err.status === 401) return;
      if (err.status === 403 || err.status === 404) {
        wx.showModal({ title: '无法显示签到码', content: '这个会议不在您的支部，或已取消。', showCancel: false });
        return;
      }
      self.setData({ stale: !self.loadedAt || Date.now() - self.loadedAt > CODE_LIFETIME_MS - config.checkinCodeRefreshMs });
      self.schedule(config.checkinCodeRetryMs);
    });
  },

  goAttendance: function () {
    wx.navigateTo({ url: '/pages/staff/attendance/attendance?event_id=' + this.eventId });
  }
}));
