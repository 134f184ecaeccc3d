var eventsApi = require('../../api/events');
var page = require('../../utils/page');

Page(page.member({
  data: { eventId: null, title: '', reason: '', done: false },
  loadOn: 'none',

  onLoad: function (query) {
    this.setData({ eventId: parseInt(query.event_id, 10), title: decodeURIComponent(query.title || '') });
  },

  submit: function () {
    var reason = this.data.reason.trim();
    if (!reason) {
      this.setData({ errors: { reason: '请写一下请假原因' } });
      return Promise.resolve();
    }
    var self = this;
    return self.act(function () {
      return eventsApi.requestLeave(self.data.eventId, reason).then(function () {
        self.setData({ done: true });
        wx.showToast({ title: '已提交', icon: 'success' });
      });
    });
  }
}));
