// The notices published inside the staff user's scope, newest first, with how many have read each.
var noticesApi = require('../../../api/notices');
var page = require('../../../utils/page');
var format = require('../../../utils/format');

function toLine(n) {
  return {
    id: n.id, title: n.title, when: format.formatDate(n.created_at),
    audience: n.audience ? (n.audience.type === 'county' ? '全县' : n.audience.name) : '',
    counts: '已读 ' + n.read_count + ' · 未读 ' + n.unread_count
  };
}

Page(page.staff({
  data: { notices: [], page: 1, more: false },

  load: function () {
    return this.fetch(1);
  },

  fetch: function (n) {
    var self = this;
    return noticesApi.list(n).then(function (body) {
      var rows = body.items.map(toLine);
      self.setData({ page: n, notices: n === 1 ? rows : self.data.notices.concat(rows), more: n * body.per_page < body.total });
    });
  },

  loadMore: function () {
    return this.fetch(this.data.page + 1).catch(page.showError);
  },

  open: function (e) {
    wx.navigateTo({ url: '/pages/staff/notice/notice?id=' + e.currentTarget.dataset.id });
  },

  publish: function () {
    wx.navigateTo({ url: '/pages/staff/notice-new/notice-new' });
  }
}));
