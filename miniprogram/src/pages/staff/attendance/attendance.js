var config = require('../../../config');
var api = require('../../../utils/request');
var format = require('../../../utils/format');

function person(row, i) {
  var member = row.member || row;
  return {
    key: member.id || member.member_id || i,
    name: member.name || row.name || '',
    detail: row.checked_in_at ? format.formatDateTime(row.checked_in_at).slice(-5) : (row.reason || '')
  };
}

// Live attendance: polled while the page is visible, stopped as soon as it is hidden.
Page({
  data: { eventId: null, present: [], onLeave: [], absent: [], leaves: [], stale: false },

  onLoad: function (query) {
    this.eventId = parseInt(query.event_id, 10);
    this.timer = null;
    this.setData({ eventId: this.eventId });
  },

  onShow: function () {
    var self = this;
    self.loadLeaves();
    self.poll();
    if (self.timer) clearInterval(self.timer);
    self.timer = setInterval(function () { self.poll(); }, config.attendancePollMs);
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
    return api.request({ url: '/api/v1/events/' + self.eventId + '/attendance', staff: true, toast: false, retry: false })
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
    return api.request({ url: '/api/v1/events/' + self.eventId + '/leaves', staff: true, toast: false })
      .then(function (body) {
        var pending = api.listOf(body).filter(function (l) { return !l.status || l.status === 'pending'; });
        self.setData({
          leaves: pending.map(function (l) {
            return { id: l.id, name: (l.member && l.member.name) || l.name || '', reason: l.reason };
          })
        });
      }, function () { /* the attendance list still works */ });
  },

  decide: function (e) {
    var self = this;
    var d = e.currentTarget.dataset;
    return api.request({
      url: '/api/v1/leaves/' + d.id + '/decision', method: 'POST', staff: true,
      data: { approve: d.approve === true || d.approve === 'true' }
    }).then(function () {
      wx.showToast({ title: '已处理', icon: 'success' });
      self.setData({ leaves: self.data.leaves.filter(function (l) { return l.id !== d.id; }) });
      return self.poll();
    }, function () { /* toast already shown */ });
  }
});
