// Dates and labels as people read them, in Beijing time whatever the phone's zone.
var WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

var EVENT_KINDS = [
  { value: 'branch_assembly', label: '支部党员大会' },
  { value: 'committee', label: '支委会' },
  { value: 'group', label: '党小组会' },
  { value: 'lecture', label: '党课' },
  { value: 'theme_day', label: '主题党日' },
  { value: 'life_meeting', label: '组织生活会' },
  { value: 'training', label: '培训' },
  { value: 'volunteer', label: '志愿服务' }
];

var STATUS_LABELS = {
  active: '正常', returned: '已返乡', transferred: '已转出', lost_contact: '失去联系', suspended: '停止党籍'
};

// The member's own state for an event, as GET /me/events gives it in `my_state`.
var ATTENDANCE_LABELS = {
  present: '已签到', on_leave: '已请假', absent: '未签到', leave_pending: '请假待批', leave_denied: '请假未批准',
  none: '还未签到'
};

function kindLabel(kind) {
  for (var i = 0; i < EVENT_KINDS.length; i++) if (EVENT_KINDS[i].value === kind) return EVENT_KINDS[i].label;
  return kind || '';
}

function pad(n) { return n < 10 ? '0' + n : '' + n; }

// The wall-clock parts of an instant in Asia/Shanghai.
function beijingParts(iso) {
  var t = new Date(iso).getTime();
  if (isNaN(t)) return null;
  var d = new Date(t + 8 * 3600 * 1000);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay()
  };
}

// "3月5日 周四 19:30"
function formatDateTime(iso) {
  var p = beijingParts(iso);
  if (!p) return '';
  return p.month + '月' + p.day + '日 周' + WEEKDAYS[p.weekday] + ' ' + pad(p.hour) + ':' + pad(p.minute);
}

// "2026年3月5日"
function formatDate(iso) {
  var p = beijingParts(iso);
  return p ? p.year + '年' + p.month + '月' + p.day + '日' : '';
}

// "2026-03" → "2026年3月"
function formatMonth(month) {
  var m = /^(\d{4})-(\d{2})$/.exec(month || '');
  return m ? m[1] + '年' + parseInt(m[2], 10) + '月' : '';
}

// The current month in Beijing, "YYYY-MM".
function currentMonth(now) {
  var p = beijingParts((now || new Date()).toISOString());
  return p.year + '-' + pad(p.month);
}

function monthAdd(month, n) {
  var y = parseInt(month.slice(0, 4), 10);
  var m = parseInt(month.slice(5, 7), 10) - 1 + n;
  y += Math.floor(m / 12);
  m = ((m % 12) + 12) % 12;
  return y + '-' + pad(m + 1);
}

// The Beijing month "YYYY-MM" of an instant.
function monthOf(iso) {
  var p = beijingParts(iso);
  return p ? p.year + '-' + pad(p.month) : '';
}

// The member's own state for an event: present, on_leave, leave_pending, leave_denied, absent or none.
function attendanceOf(event) {
  return event.my_state || 'none';
}

// Today's date in Beijing, "YYYY-MM-DD".
function today(now) {
  var p = beijingParts((now || new Date()).toISOString());
  return p.year + '-' + pad(p.month) + '-' + pad(p.day);
}

// The last n quarters in Beijing, newest first: [{value: "2026-Q1", label: "2026年第一季度"}, …].
var QUARTER_NAMES = ['一', '二', '三', '四'];
function recentQuarters(n, now) {
  var p = beijingParts((now || new Date()).toISOString());
  var year = p.year;
  var q = Math.floor((p.month - 1) / 3);
  var out = [];
  for (var i = 0; i < n; i++) {
    out.push({ value: year + '-Q' + (q + 1), label: year + '年第' + QUARTER_NAMES[q] + '季度' });
    q -= 1;
    if (q < 0) { q = 3; year -= 1; }
  }
  return out;
}

// "YYYY-MM-DD" + "HH:MM" in Beijing → ISO 8601 with offset, as the service expects.
function beijingIso(date, time) {
  return date + 'T' + time + ':00+08:00';
}

module.exports = {
  EVENT_KINDS: EVENT_KINDS,
  STATUS_LABELS: STATUS_LABELS,
  ATTENDANCE_LABELS: ATTENDANCE_LABELS,
  kindLabel: kindLabel,
  formatDateTime: formatDateTime,
  formatDate: formatDate,
  formatMonth: formatMonth,
  currentMonth: currentMonth,
  monthAdd: monthAdd,
  monthOf: monthOf,
  attendanceOf: attendanceOf,
  beijingIso: beijingIso,
  today: today,
  recentQuarters: recentQuarters
};
