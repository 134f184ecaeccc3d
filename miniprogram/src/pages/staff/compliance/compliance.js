// Whether the branch held its organisational life this quarter (三会一课, 主题党日 …), rule by rule.
var eventsApi = require('../../../api/events');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');

var STATUS = { met: '已达标', missed: '未达标', pending: '进行中' };
var TONE = { met: 'ok', missed: 'warn', pending: '' };

function periodText(p) {
  var label = /^\d{4}-\d{2}$/.test(p.period) ? format.formatMonth(p.period) : p.period;
  return label + ' ' + p.held + '/' + p.required + ' ' + (STATUS[p.status] || p.status);
}

function toItem(i) {
  return {
    kind: i.kind, label: i.label, rule: i.rule, held: i.held, statusLabel: STATUS[i.status] || i.status,
    tone: TONE[i.status] || '', periods: (i.periods || []).map(periodText)
  };
}

Page(page.staff({
  data: { quarters: [], quarterIndex: 0, branchName: '', statusLabel: '', tone: '', items: [], branchOnly: true },
  loadOn: 'load',

  onLoad: function () {
    this.setData({ quarters: format.recentQuarters(4) });
  },

  load: function () {
    var branchId = session.staffBranchId();
    var self = this;
    if (!branchId) {
      self.setData({ branchOnly: false });
      return Promise.resolve();
    }
    return eventsApi.compliance(branchId, self.data.quarters[self.data.quarterIndex].value).then(function (body) {
      self.setData({
        branchName: body.branch ? body.branch.name : '', statusLabel: STATUS[body.status] || body.status,
        tone: TONE[body.status] || '', items: body.items.map(toItem)
      });
    });
  },

  onQuarter: function (e) {
    this.setData({ quarterIndex: Number(e.detail.value) });
    return this.reload();
  }
}));
