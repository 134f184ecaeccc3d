var api = require('../../utils/request');

Page({
  data: { eventId: null, title: '', reason: '', errors: {}, submitting: false, done: false },

  onLoad: function (query) {
    this.setData({ eventId: parseInt(query.event_id, 10), title: decodeURIComponent(query.title || '') });
  },

  onInput: function (e) {
    this.setData({ reason: e.detail.value });
  },

  submit: function () {
    var reason = this.data.reason.trim();
    if (!reason) {
      this.setData({ errors: { reason: '请写一下请假原因' } });
      return Promise.resolve();
    }
    var self = this;
    self.setData({ submitting: true, errors: {} });
    return api.request({ url: '/api/v1/events/' + self.data.eventId + '/leave', method: 'POST', data: { reason: reason } })
      .then(function () {
        self.setData({ submitting: false, done: true });
        wx.showToast({ title: '已提交', icon: 'success' });
      }, function (err) {
        self.setData({ submitting: false, errors: api.fieldErrors(err) });
      });
  }
});
