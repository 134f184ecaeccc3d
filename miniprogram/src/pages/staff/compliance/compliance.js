// Whether the branch held its organisational life (三会一课, 主题党日, 组织生活会, 民主评议党员), rule by rule:
// what is still due this month, quarter and year, and every miss with the rule it breaks.
var eventsApi = require('../../../api/events');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');

var STATUS = { met: '已达标', missed: '未达标', pending: '进行中' };
var TONE = { met: 'ok', missed: 'warn', pending: '' };
var QUARTER_NAMES = ['一', '二', '三', '四'];

// "2026-11" → 2026年11月, "2026-Q4" → 2026年第四季度, "2026" → 2026年度.
function periodLabel(period) {
  if (/^\d{4}-\d{2}$/.test(period)) { return format.formatMonth(period); }
  var q = /^(\d{4})-Q([1-4])$/.exec(period);
  if (q) { return q[1] + '年第' + QUARTER_NAMES[Number(q[2]) - 1] + '季度'; }
  return /^\d{4}$/.test(period) ? period + '年度' : period;
}

function count(kind, n) { return kind === 'evaluation' ? n + ' 人' : n + ' 次'; }

function periodText(p) {
  return periodLabel(p.period) + ' ' + p.held + '/' + p.required + ' ' + (STATUS[p.status] || p.status);
}

function toItem(i) {
  var yearly = i.cycle === 'year';
  return {
    kind: i.kind, label: i.label, rule: i.rule, statusLabel: STATUS[i.status] || i.status, tone: TONE[i.status] || '',
    heldText: (i.kind === 'evaluation' ? '已评定 ' : (yearly ? '全年已开 ' : '本季度已开 ')) + count(i.kind, i.held),
    periods: (i.periods || []).map(function (p) { return periodText(p); })
  };
}

// A miss or a due period: "支部委员会 · 2026年11月：每月至少召开 1 次支部委员会（已开 0/1 次）".
function toLine(m) {
  var done = m.kind === 'evaluation' ? '已评定 ' + m.held + '/' + m.required + ' 人' : '已开 ' + m.held + '/' + m.required + ' 次';
  return { key: m.kind + ' ' + m.period, title: m.label + ' · ' + periodLabel(m.period), rule: m.rule, done: done };
}

Page(page.staff({
  data: {
    quarters: [], quarterIndex: 0, branchName: '', statusLabel: '', tone: '', items: [], misses: [], due: [],
    branchOnly: true
  },
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
        tone: TONE[body.status] || '', items: body.items.map(toItem),
        misses: (body.misses || []).map(toLine), due: (body.due || []).map(toLine)
      });
    });
  },

  onQuarter: function (e) {
    this.setData({ quarterIndex: Number(e.detail.value) });
    return this.reload();
  }
}));
