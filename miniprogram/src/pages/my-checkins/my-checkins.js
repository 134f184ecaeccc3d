var api = require('../../utils/request');
var auth = require('../../utils/auth');
var format = require('../../utils/format');

var PER_PAGE = 20;

function toItem(c) {
  var event = c.event || {};
  return {
    id: c.id,
    title: event.title || c.title || '会议',
    kindLabel: format.kindLabel(event.kind || c.kind),
    when: format.formatDateTime(c.checked_in_at || c.created_at || event.starts_at)
  };
}

Page({
  data: { items: [], loadError: '', more: false, page: 1 },

  onLoad: function () {
    this.load(1);
  },

  load: function (page) {
    var self = this;
    return auth.ready().then(function () {
      return api.request({ url: '/api/v1/me/checkins?page=' + page + '&per_page=' + PER_PAGE, toast: false });
    }).then(function (body) {
      var rows = api.listOf(body).map(toItem);
      self.setData({
        loadError: '',
        page: page,
        items: page === 1 ? rows : self.data.items.concat(rows),
        more: rows.length === PER_PAGE
      });
    }, function (err) {
      self.setData({ loadError: err.message });
    });
  },

  loadMore: function () {
    return this.load(this.data.page + 1);
  }
});
