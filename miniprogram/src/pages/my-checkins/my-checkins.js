var eventsApi = require('../../api/events');
var page = require('../../utils/page');
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

Page(page.member({
  data: { items: [], more: false, page: 1 },
  loadOn: 'load',

  load: function () {
    return this.fetch(1);
  },

  fetch: function (n) {
    var self = this;
    return eventsApi.myCheckins(n, PER_PAGE).then(function (body) {
      var rows = body.items.map(toItem);
      self.setData({
        page: n,
        items: n === 1 ? rows : self.data.items.concat(rows),
        more: n * PER_PAGE < body.total
      });
    });
  },

  loadMore: function () {
    var self = this;
    return self.fetch(self.data.page + 1).catch(function (err) { self.setData({ loadError: err.message }); });
  }
}));
