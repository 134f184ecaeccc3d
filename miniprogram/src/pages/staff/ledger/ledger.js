// The branch's dues ledger for a year as a spreadsheet, opened on the phone to forward or print.
var duesApi = require('../../../api/dues');
var doc = require('../../../utils/document');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');

var YEARS_BACK = 3;

Page(page.staff({
  data: { years: [], yearIndex: 0, branchId: null },
  loadOn: 'none',

  onLoad: function () {
    var year = parseInt(format.today().slice(0, 4), 10);
    var years = [];
    for (var i = 0; i < YEARS_BACK; i++) years.push(String(year - i));
    this.setData({ years: years, branchId: session.staffBranchId() });
  },

  onYear: function (e) {
    this.setData({ yearIndex: Number(e.detail.value) });
  },

  open: function () {
    var d = this.data;
    return this.act(function () {
      return doc.open(duesApi.downloadLedger(d.branchId, d.years[d.yearIndex]), 'xlsx');
    });
  }
}));
