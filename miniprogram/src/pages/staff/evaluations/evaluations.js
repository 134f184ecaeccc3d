// The yearly democratic evaluation (民主评议党员) of the branch: every member with their grade, one entered at a time.
var evaluationsApi = require('../../../api/evaluations');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');

// This year and the two before; from November on the year being evaluated is this one, before that last year's.
function yearChoices(now) {
  var today = format.today(now);
  var year = Number(today.slice(0, 4));
  return { years: [year, year - 1, year - 2], index: Number(today.slice(5, 7)) >= 11 ? 0 : 1 };
}

function toRow(item) {
  var e = item.evaluation;
  return { memberId: item.member.id, name: item.member.name, grade: e ? e.grade : '', note: e && e.note ? e.note : '' };
}

function summaryText(body) {
  var parts = evaluationsApi.GRADES.filter(function (g) { return body.grades[g]; })
    .map(function (g) { return g + ' ' + body.grades[g] + ' 人'; });
  if (body.unrecorded) parts.push('未评议 ' + body.unrecorded + ' 人');
  return parts.join(' · ');
}

Page(page.staff({
  data: { branchOnly: true, years: [], yearIndex: 1, branchName: '', summary: '', rows: [], grades: evaluationsApi.GRADES,
    editing: null, gradeIndex: 1, note: '', recordedOn: '' },
  loadOn: 'load',

  onLoad: function () {
    var choice = yearChoices();
    this.setData({ years: choice.years, yearIndex: choice.index });
  },

  load: function () {
    var branchId = session.staffBranchId();
    var self = this;
    if (!branchId) {
      self.setData({ branchOnly: false });
      return Promise.resolve();
    }
    return evaluationsApi.ofBranch(branchId, self.data.years[self.data.yearIndex]).then(function (body) {
      self.setData({ branchName: body.branch.name, summary: summaryText(body), rows: body.items.map(toRow), editing: null });
    });
  },

  onYear: function (e) {
    this.setData({ yearIndex: Number(e.detail.value) });
    return this.reload();
  },

  start: function (e) {
    var memberId = Number(e.currentTarget.dataset.id);
    var row = this.data.rows.filter(function (r) { return r.memberId === memberId; })[0];
    var index = evaluationsApi.GRADES.indexOf(row.grade);
    this.setData({ editing: memberId, gradeIndex: index < 0 ? 1 : index, note: row.note, recordedOn: format.today(),
      errors: {} });
  },

  cancel: function () {
    this.setData({ editing: null });
  },

  onGrade: function (e) {
    this.setData({ gradeIndex: Number(e.detail.value) });
  },

  onDate: function (e) {
    this.setData({ recordedOn: e.detail.value });
  },

  save: function () {
    var self = this;
    var d = self.data;
    var body = { grade: evaluationsApi.GRADES[d.gradeIndex], recorded_on: d.recordedOn };
    if (d.note.trim()) body.note = d.note.trim();
    return self.act(function () {
      return evaluationsApi.record(d.editing, d.years[d.yearIndex], body).then(function () {
        wx.showToast({ title: '已保存', icon: 'success' });
        return self.load();
      });
    });
  }
}));
