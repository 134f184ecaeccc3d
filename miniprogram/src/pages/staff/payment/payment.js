// Dues paid to the branch in cash or by bank transfer (CONTRACT §11): the months come from the member's own
// unpaid list, the amount is their sum (the server checks it against the standard), and a mistake is undone
// with a reversing entry, never an edit.
var duesApi = require('../../../api/dues');
var memberPicker = require('../../../utils/member-picker');
var page = require('../../../utils/page');
var session = require('../../../utils/session');
var format = require('../../../utils/format');
var money = require('../../../utils/money');

var METHODS = [
  { value: 'cash', label: '现金' },
  { value: 'bank_transfer', label: '银行转账' },
  { value: 'other', label: '其他方式' }
];

var MESSAGES = {
  amount_mismatch: '金额与这几个月的党费标准不一致，请先核对该党员的党费标准。',
  month_already_paid: '所选月份中有已经交过的月份，请刷新后重新选择。',
  order_pending: '该党员正在用微信支付这几个月的党费，请稍后再记录。'
};

// The owed months oldest first; tapping one selects it and every older one (months are settled in order).
function monthRows(owed, upTo) {
  return owed.map(function (o, i) {
    return { month: o.month, label: format.formatMonth(o.month), amountText: money.formatFen(o.amount_fen), checked: i <= upTo };
  });
}

Page(page.staff(Object.assign({}, memberPicker.methods, {
  data: Object.assign({
    branchOnly: true, monthlyText: '', months: [], upTo: -1, totalText: '', methods: METHODS, methodIndex: 0,
    paidOn: '', today: '', note: '', payment: null, reverseReason: '', reversed: false
  }, memberPicker.data),
  loadOn: 'load',

  onLoad: function () {
    var today = format.today();
    this.setData({ paidOn: today, today: today });
  },

  // The secretary's own branch members, listed at once.
  load: function () {
    if (!session.staffBranchId()) {
      this.setData({ branchOnly: false });
      return Promise.resolve();
    }
    return this.search();
  },

  onMemberPicked: function (member) {
    var self = this;
    self.owed = [];
    self.setData({ months: [], upTo: -1, totalText: '', monthlyText: '', payment: null, reversed: false });
    return self.act(function () {
      return duesApi.memberDues(member.id).then(function (dues) {
        self.owed = (dues.owed || []).slice().sort(function (a, b) { return a.month < b.month ? -1 : 1; });
        self.setData({ monthlyText: money.formatFen(dues.monthly_fen) });
        self.select(self.owed.length - 1);
      });
    });
  },

  select: function (upTo) {
    var total = this.owed.slice(0, upTo + 1).reduce(function (sum, o) { return sum + o.amount_fen; }, 0);
    this.setData({
      months: monthRows(this.owed, upTo), upTo: upTo,
      totalText: upTo >= 0 ? money.formatFen(total) + '（' + (upTo + 1) + '个月）' : ''
    });
  },

  chooseMonth: function (e) {
    var index = e.currentTarget.dataset.index;
    this.select(index === this.data.upTo ? index - 1 : index);
  },

  onMethod: function (e) {
    this.setData({ methodIndex: Number(e.detail.value) });
  },

  submit: function () {
    var d = this.data;
    if (d.upTo < 0) {
      this.setData({ errors: { months: '请选择交了哪几个月' } });
      return Promise.resolve();
    }
    var chosen = this.owed.slice(0, d.upTo + 1);
    var body = {
      member_id: d.member.id,
      months: chosen.map(function (o) { return o.month; }),
      amount_fen: chosen.reduce(function (sum, o) { return sum + o.amount_fen; }, 0),
      paid_on: d.paidOn,
      method: METHODS[d.methodIndex].value
    };
    if (d.note.trim()) body.note = d.note.trim();
    var self = this;
    return self.act(function () {
      return duesApi.recordPayment(session.staffBranchId(), body).then(function (result) {
        var p = result.payment;
        wx.showToast({ title: '已记录', icon: 'success' });
        self.setData({
          payment: { id: p.id, receiptNo: p.receipt_no, what: d.member.name + ' ' + d.totalText },
          months: [], upTo: -1, note: '', reverseReason: '', reversed: false
        });
      });
    }, { inline: true, messages: MESSAGES });
  },

  // A reversing entry for the payment just recorded; the original stays in the ledger.
  reverse: function () {
    var reason = this.data.reverseReason.trim();
    if (!reason) {
      this.setData({ errors: { reason: '请写明冲正的原因' } });
      return Promise.resolve();
    }
    var self = this;
    return self.act(function () {
      return duesApi.reversePayment(self.data.payment.id, reason).then(function () {
        wx.showToast({ title: '已冲正', icon: 'success' });
        self.setData({ reversed: true });
      });
    }, { inline: true });
  }
})));
