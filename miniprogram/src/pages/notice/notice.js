// One notice; opening it tells the service it was read (repeatable, so a retry is harmless).
var noticesApi = require('../../api/notices');
var page = require('../../utils/page');
var format = require('../../utils/format');

Page(page.member({
  data: { notice: null, missing: false },
  loadOn: 'load',

  load: function (query) {
    var self = this;
    var id = parseInt(query.id, 10);
    return noticesApi.myNotice(id).then(function (n) {
      if (!n) {
        self.setData({ missing: true });
        return null;
      }
      self.setData({
        notice: { id: n.id, title: n.title, body: n.body, when: format.formatDateTime(n.created_at) }
      });
      // Reading it counts even when the mark is lost; the next opening sends it again.
      return n.read ? null : noticesApi.markRead(id).catch(function () { return null; });
    });
  }
}));
