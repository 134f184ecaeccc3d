// Who the worker reminded of dues and of the monthly report-in (subscribe messages), of what, when and whether it
// arrived; and who cannot be reminded at all (no WeChat bound, or no grant left), so the secretary can ask them
// in person to tap 「允许」 in the mini-program after paying or reporting in.
var duesApi = require('../../../api/dues');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');

var MONTHS_BACK = 6;

function recentMonths() {
  var now = format.currentMonth(), out = [];
  for (var i = 0; i < MONTHS_BACK; i++) {
    var month = format.monthAdd(now, -i);
    out.push({ value: month, label: format.formatMonth(month) });
  }
  return out;
}

// A row of `items`: {id, member: {id, name, phone_masked}, kind, kind_label, period, status, status_label, errcode,
// created_at, sent_at}.
function toRow(r) {
  return {
    key: r.id,
    name: r.member.name,
    phone: r.member.phone_masked || '',
    what: r.kind_label + '（' + format.formatMonth(r.period) + '）',
    when: format.formatDateTime(r.created_at),
    outcome: r.status === 'failed' && r.errcode ? r.status_label + '（微信错误码 ' + r.errcode + '）' : r.status_label,
    failed: r.status === 'failed'
  };
}

// A row of `without_grant`: {member, bound, dues_granted, report_granted}.
function toMissing(r) {
  var missing = [];
  if (!r.bound) {
    missing.push('未绑定微信，收不到任何提醒');
  } else {
    if (!r.dues_granted) missing.push('党费提醒');
    if (!r.report_granted) missing.push('报到提醒');
  }
  return {
    key: r.member.id,
    name: r.member.name,
    phone: r.member.phone_masked || '',
    why: r.bound ? '未授权：' + missing.join('、') : missing[0]
  };
}

Page(page.staff({
  data: { months: [], monthIndex: 0, branchOnly: true, rows: [], total: 0, more: false, missing: [] },
  loadOn: 'load',

  onLoad: function () {
    this.setData({ months: recentMonths() });
  },

  load: function () {
    var branchId = session.staffBranchId();
    var self = this;
    if (!branchId) {
      self.setData({ branchOnly: false });
      return Promise.resolve();
    }
    return duesApi.reminders(branchId, self.data.months[self.data.monthIndex].value).then(function (body) {
      self.setData({
        rows: body.items.map(toRow), total: body.total, more: body.total > body.items.length,
        missing: body.without_grant.map(toMissing)
      });
    });
  },

  onMonth: function (e) {
    this.setData({ monthIndex: Number(e.detail.value) });
    return this.reload();
  }
}));
