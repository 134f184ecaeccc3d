// 补签: the secretary records an absent member as present, with the reason (audited on the server).
var eventsApi = require('../../../api/events');
var page = require('../../../utils/page');

Page(page.staff({
  data: { eventId: null, memberId: null, name: '', reason: '', done: false },
  loadOn: 'none',

  onLoad: function (query) {
    this.setData({
      eventId: parseInt(query.event_id, 10), memberId: parseInt(query.member_id, 10), name: decodeURIComponent(query.name || '')
    });
  },

  submit: function () {
    var reason = this.data.reason.trim();
    if (!reason) {
      this.setData({ errors: { reason: '请写明补签的原因' } });
      return Promise.resolve();
    }
    var self = this;
    return self.act(function () {
      return eventsApi.manualCheckin(self.data.eventId, self.data.memberId, reason).then(function () {
        self.setData({ done: true });
        wx.showToast({ title: '已补签', icon: 'success' });
        wx.navigateBack({ delta: 1 });
      });
    });
  }
}));
