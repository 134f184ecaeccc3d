// All notices for the member, newest first, unread ones marked.
var noticesApi = require('../../api/notices');
var page = require('../../utils/page');
var notice = require('../../utils/notice');
var subscribe = require('../../utils/subscribe');

Page(page.member({
  data: { notices: [], page: 1, more: false },

  load: function () {
    return this.fetch(1);
  },

  fetch: function (n) {
    var self = this;
    return noticesApi.mine(n).then(function (body) {
      var rows = body.items.map(notice.toLine);
      self.setData({
        page: n, notices: n === 1 ? rows : self.data.notices.concat(rows), more: n * body.per_page < body.total
      });
    });
  },

  loadMore: function () {
    var self = this;
    return self.fetch(self.data.page + 1).catch(function (err) { self.setData({ loadError: err.message }); });
  },

  subscribe: function () {
    return subscribe.askForNotices();
  },

  open: function (e) {
    wx.navigateTo({ url: '/pages/notice/notice?id=' + e.currentTarget.dataset.id });
  }
}));
