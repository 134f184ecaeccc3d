var api = require('../../utils/request');
var auth = require('../../utils/auth');
var format = require('../../utils/format');

var PER_PAGE = 20;

// A row of GET /me/checkins: the check-in with its event {id, kind, kind_label, title, place_name, starts_at}.
function toItem(c) {
  return {
    id: c.id,
    title: c.event.title,
    kindLabel: c.event.kind_label || format.kindLabel(c.event.kind),
    when: format.formatDateTime(c.checked_in_at)
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
      var rows = body.items.map(toItem);
      self.setData({
        loadError: '',
        page: page,
        items: page === 1 ? rows : self.data.items.concat(rows),
        more: page * PER_PAGE < body.total
      });
    }, function (err) {
      self.setData({ loadError: err.message });
    });
  },

  loadMore: function () {
    return this.load(this.data.page + 1);
  }
});
