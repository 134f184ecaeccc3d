var config = require('../../../config');
var eventsApi = require('../../../api/events');
var page = require('../../../utils/page');
var doc = require('../../../utils/document');
var format = require('../../../utils/format');

// One row of the attendance lists: {member: {id, name}, checked_in_at, late, manual, leave_reason, …}.
function person(row) {
  var detail = '';
  if (row.checked_in_at) detail = format.formatDateTime(row.checked_in_at).slice(-5) + (row.late ? ' 迟到' : '') + (row.manual ? ' 补签' : '');
  else if (row.leave_reason) detail = row.leave_reason;
  return { key: row.member.id, name: row.member.name, detail: detail };
}

// Live attendance: polled while the page is visible, stopped as soon as it is hidden.
Page(page.staff({
  data: { eventId: null, present: [], onLeave: [], absent: [], leaves: [], stale: false },

  onLoad: function (query) {
    this.eventId = parseInt(query.event_id, 10);
    this.timer = null;
    this.setData({ eventId: this.eventId });
  },

  load: function () {
    var self = this;
    self.loadLeaves();
    if (self.timer) clearInterval(self.timer);
    self.timer = setInterval(function () { self.poll(); }, config.attendancePollMs);
    return self.poll();
  },

  onHide: function () {
    this.stop();
  },

  onUnload: function () {
    this.stop();
  },

  stop: function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  },

  poll: function () {
    var self = this;
    return eventsApi.attendance(self.eventId)
      .then(function (body) {
        self.setData({
          stale: false,
          present: (body.present || []).map(person),
          onLeave: (body.on_leave || []).map(person),
          absent: (body.absent || []).map(person)
        });
      }, function () {
        self.setData({ stale: true });
      });
  },

  loadLeaves: function () {
    var self = this;
    return eventsApi.leaves(self.eventId)
      .then(function (body) {
        var pending = body.items.filter(function (l) { return l.status === 'pending'; });
        self.setData({
          leaves: pending.map(function (l) {
            return { id: l.id, name: l.member.name, reason: l.reason };
          })
        });
      }, function () { /* the attendance list still works */ });
  },

  decide: function (e) {
    var self = this;
    var d = e.currentTarget.dataset;
    return self.act(function () {
      return eventsApi.decideLeave(d.id, d.approve === true || d.approve === 'true').then(function () {
        wx.showToast({ title: '已处理', icon: 'success' });
        self.setData({ leaves: self.data.leaves.filter(function (l) { return l.id !== d.id; }) });
        return self.poll();
      });
    });
  },

  // The sheet for the meeting record, opened in WeChat's viewer to forward or print.
  shareSheet: function () {
    var self = this;
    return self.act(function () {
      return doc.open(eventsApi.downloadAttendanceSheet(self.eventId), 'xlsx');
    });
  },

  goManual: function (e) {
    var d = e.currentTarget.dataset;
    wx.navigateTo({
      url: '/pages/staff/manual-checkin/manual-checkin?event_id=' + this.eventId + '&member_id=' + d.id +
        '&name=' + encodeURIComponent(d.name)
    });
  }
}));
