// A published notice with how many of its audience have read it (every active member counts, bound or not),
// and who has not read it yet, with a masked phone to call them.
var noticesApi = require('../../../api/notices');
var page = require('../../../utils/page');
var format = require('../../../utils/format');

// `audience` is taken as {type: 'county'|'township'|'branch', id?, name?}; a plain label is shown as it is.
function audienceText(a) {
  if (!a) return '';
  if (typeof a === 'string') return a;
  return a.type === 'county' ? '全县' : (a.name || '');
}

function toUnread(m) {
  return { id: m.id, name: m.name, phone: m.phone_masked || '无手机号', branch: m.mobile_branch ? m.mobile_branch.name : '',
    bound: m.bound };
}

Page(page.staff({
  data: { notice: null, unread: [], unreadPage: 1, moreUnread: false },

  load: function (query) {
    var self = this;
    var id = parseInt(query.id, 10);
    return Promise.all([noticesApi.get(id), noticesApi.unread(id, 1)]).then(function (results) {
      var n = results[0];
      var total = n.read_count + n.unread_count;
      self.setData({
        notice: {
          id: n.id, title: n.title, body: n.body, when: format.formatDateTime(n.created_at),
          audience: audienceText(n.audience), readCount: n.read_count, unreadCount: n.unread_count,
          readPercent: total ? Math.round(n.read_count * 100 / total) + '%' : '—'
        }
      });
      self.showUnread(results[1], 1);
    });
  },

  showUnread: function (body, n) {
    var rows = body.items.map(toUnread);
    this.setData({
      unreadPage: n, unread: n === 1 ? rows : this.data.unread.concat(rows), moreUnread: n * body.per_page < body.total
    });
  },

  loadMoreUnread: function () {
    var self = this;
    var n = self.data.unreadPage + 1;
    return noticesApi.unread(self.data.notice.id, n).then(function (body) { self.showUnread(body, n); }, page.showError);
  }
}));
