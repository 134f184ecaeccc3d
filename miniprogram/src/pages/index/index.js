var meApi = require('../../api/me');
var eventsApi = require('../../api/events');
var duesApi = require('../../api/dues');
var noticesApi = require('../../api/notices');
var certificatesApi = require('../../api/certificates');
var page = require('../../utils/page');
var format = require('../../utils/format');
var notice = require('../../utils/notice');
var money = require('../../utils/money');

var NOTICES_SHOWN = 3;

// What the member should do next, from what the service says (pure, so it is easy to test).
function nextSteps(input) {
  var steps = [];
  var month = input.month;
  var reportedThisMonth = input.reports.some(function (r) {
    return r.month === month || format.monthOf(r.created_at) === month;
  });
  if (!reportedThisMonth) {
    steps.push({ key: 'report', text: '本月还没有报到', detail: '点这里填写您现在住在哪里、在哪里工作', url: '/pages/report/report' });
  }
  var upcoming = input.events.filter(function (e) {
    return format.attendanceOf(e) === 'none';
  })[0];
  if (upcoming) {
    steps.push({
      key: 'meeting', text: '即将召开：' + upcoming.title,
      detail: format.formatDateTime(upcoming.starts_at) + (upcoming.place_name ? ' ' + upcoming.place_name : ''),
      url: '/pages/events/events', tab: true
    });
  }
  var owed = (input.dues && input.dues.owed) || [];
  if (owed.length) {
    var total = owed.reduce(function (sum, m) { return sum + m.amount_fen; }, 0);
    steps.push({
      key: 'dues', text: '有 ' + owed.length + ' 个月党费未交',
      detail: '共 ' + money.formatFen(total) + '，点这里缴纳', url: '/pages/dues/dues', tab: true
    });
  }
  return steps;
}

Page(page.member({
  data: { member: null, steps: [], statusLabel: '', paidThroughLabel: '', notices: [], unreadCount: 0,
    certificate: null },

  load: function () {
    var self = this;
    function quiet(promise, fallback) { return promise.catch(function () { return fallback; }); }
    return Promise.all([
      meApi.profile(),
      quiet(meApi.reports(1), { items: [] }),
      quiet(eventsApi.myEvents(true), { items: [] }),
      quiet(duesApi.mine(), null),
      quiet(noticesApi.mine(1), { items: [] }),
      quiet(certificatesApi.mine(), null)
    ]).then(function (results) {
      var member = results[0].member;
      var notices = results[4].items || [];
      self.setData({
        member: member,
        certificate: results[5] && results[5].certificate ? {
          number: results[5].certificate.number, validUntil: results[5].certificate.valid_until,
          expired: results[5].certificate.status === 'expired' } : null,
        statusLabel: format.STATUS_LABELS[member.status] || member.status,
        paidThroughLabel: member.paid_through ? format.formatMonth(member.paid_through) : '还没有缴费记录',
        steps: nextSteps({
          month: format.currentMonth(),
          reports: results[1].items,
          events: results[2].items,
          dues: results[3]
        }),
        notices: notices.slice(0, NOTICES_SHOWN).map(notice.toLine),
        unreadCount: typeof results[4].unread === 'number' ? results[4].unread
          : notices.filter(function (n) { return !n.read; }).length
      });
    });
  },

  onStep: function (e) {
    var url = e.currentTarget.dataset.url;
    if (e.currentTarget.dataset.tab) wx.switchTab({ url: url });
    else wx.navigateTo({ url: url });
  },

  openNotice: function (e) {
    wx.navigateTo({ url: '/pages/notice/notice?id=' + e.currentTarget.dataset.id });
  },

  goNotices: function () {
    wx.navigateTo({ url: '/pages/notices/notices' });
  },

  goReport: function () {
    wx.navigateTo({ url: '/pages/report/report' });
  },

  nextSteps: nextSteps
}));
