// A published notice with how many of its audience have read it (every active member counts, bound or not).
var noticesApi = require('../../../api/notices');
var page = require('../../../utils/page');
var format = require('../../../utils/format');

// `audience` is taken as {type: 'county'|'township'|'branch', id?, name?}; a plain label is shown as it is.
function audienceText(a) {
  if (!a) return '';
  if (typeof a === 'string') return a;
  return a.type === 'county' ? '全县' : (a.name || '');
}

Page(page.staff({
  data: { notice: null },

  load: function (query) {
    var self = this;
    return noticesApi.get(parseInt(query.id, 10)).then(function (n) {
      var total = n.read_count + n.unread_count;
      self.setData({
        notice: {
          title: n.title, body: n.body, when: format.formatDateTime(n.created_at), audience: audienceText(n.audience),
          readCount: n.read_count, unreadCount: n.unread_count,
          readPercent: total ? Math.round(n.read_count * 100 / total) + '%' : '—'
        }
      });
    });
  }
}));
