var api = require('../../utils/request');
var auth = require('../../utils/auth');
var format = require('../../utils/format');
var money = require('../../utils/money');

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

Page({
  data: { member: null, steps: [], statusLabel: '', paidThroughLabel: '', loadError: '' },

  onShow: function () {
    this.load();
  },

  onPullDownRefresh: function () {
    this.load().then(function () { wx.stopPullDownRefresh(); });
  },

  load: function () {
    var self = this;
    return auth.ready().then(function () {
      // The launch login failed (bad network): try again now, so "重新加载" really reloads.
      return api.getToken() ? null : auth.login();
    }).then(function () {
      if (!auth.isBound()) return null;
      return Promise.all([
        api.request({ url: '/api/v1/me' }),
        api.request({ url: '/api/v1/me/reports?page=1', toast: false }).catch(function () { return { items: [] }; }),
        api.request({ url: '/api/v1/me/events?upcoming=1', toast: false }).catch(function () { return { items: [] }; }),
        api.request({ url: '/api/v1/me/dues', toast: false }).catch(function () { return null; })
      ]).then(function (results) {
        var member = results[0].member;
        self.setData({
          loadError: '',
          member: member,
          statusLabel: format.STATUS_LABELS[member.status] || member.status,
          paidThroughLabel: member.paid_through ? format.formatMonth(member.paid_through) : '还没有缴费记录',
          steps: nextSteps({
            month: format.currentMonth(),
            reports: results[1].items,
            events: results[2].items,
            dues: results[3]
          })
        });
      });
    }).catch(function (err) {
      self.setData({ loadError: err.message || api.NETWORK_MESSAGE });
    });
  },

  onStep: function (e) {
    var url = e.currentTarget.dataset.url;
    if (e.currentTarget.dataset.tab) wx.switchTab({ url: url });
    else wx.navigateTo({ url: url });
  },

  goReport: function () {
    wx.navigateTo({ url: '/pages/report/report' });
  },

  nextSteps: nextSteps
});
