var duesApi = require('../../api/dues');
var page = require('../../utils/page');
var subscribe = require('../../utils/subscribe');
var format = require('../../utils/format');
var money = require('../../utils/money');
var pay = require('../../utils/pay');

var AHEAD_MONTHS = 6; // paying ahead is limited to 6 months (the service says how far in `payable_to`)

// "2026年2月" or "2026年2月至2026年3月".
function describeMonths(months) {
  var sorted = (months || []).slice().sort();
  if (!sorted.length) return '';
  var first = format.formatMonth(sorted[0]);
  return sorted.length === 1 ? first : first + '至' + format.formatMonth(sorted[sorted.length - 1]);
}

// Owed months first (oldest first), then months that may be paid ahead up to the service's `payable_to`.
function monthChoices(dues, now) {
  var owed = (dues.owed || []).slice().sort(function (a, b) { return a.month < b.month ? -1 : 1; });
  // The service takes the earliest unpaid month first; one older than `payable_from` only the branch can settle.
  if (dues.payable_from && owed.length && owed[0].month < dues.payable_from) return [];
  var choices = owed.map(function (o) { return { month: o.month, amount_fen: o.amount_fen, owed: true }; });
  var current = format.currentMonth(now);
  var last = owed.length ? owed[owed.length - 1].month : (dues.paid_through && dues.paid_through > current ? dues.paid_through : format.monthAdd(current, -1));
  if (dues.paid_through && dues.paid_through > last) last = dues.paid_through;
  var limit = dues.payable_to || format.monthAdd(current, AHEAD_MONTHS);
  for (var m = format.monthAdd(last, 1); m <= limit && dues.monthly_fen > 0; m = format.monthAdd(m, 1)) {
    choices.push({ month: m, amount_fen: dues.monthly_fen, owed: false });
  }
  return choices;
}

Page(page.member({
  data: {
    loaded: false, monthlyText: '', paidThroughText: '', owedCount: 0,
    choices: [], upTo: -1, selectedCount: 0, payButtonText: '', busy: false, payState: '', payStateText: '', orderNo: '',
    resume: null, resumeText: '', tooOld: false
  },

  load: function () {
    var self = this;
    return duesApi.mine().then(function (dues) {
      self.choiceList = monthChoices(dues);
      var owedCount = (dues.owed || []).length;
      self.setData({
        loaded: true,
        loadError: '',
        monthlyText: money.formatFen(dues.monthly_fen),
        paidThroughText: dues.paid_through ? format.formatMonth(dues.paid_through) : '还没有缴费记录',
        owedCount: owedCount,
        // Arrears older than 6 months are settled with the branch, not in the app.
        tooOld: owedCount > 0 && !!dues.payable_from && dues.owed.some(function (o) { return o.month < dues.payable_from; })
      });
      self.select(owedCount - 1);
    });
  },

  select: function (upTo) {
    var total = 0;
    var choices = this.choiceList.map(function (c, i) {
      if (i <= upTo) total += c.amount_fen;
      return {
        month: c.month, label: format.formatMonth(c.month), owed: c.owed,
        amountText: money.formatFen(c.amount_fen), checked: i <= upTo
      };
    });
    this.setData({
      choices: choices,
      upTo: upTo,
      selectedCount: upTo + 1,
      payButtonText: upTo >= 0 ? '缴纳 ' + money.formatFen(total) + '（' + (upTo + 1) + '个月）' : '请选择月份'
    });
  },

  choose: function (e) {
    var index = e.currentTarget.dataset.index;
    this.select(index === this.data.upTo ? index - 1 : index);
  },

  selectedMonths: function () {
    return this.choiceList.slice(0, this.data.upTo + 1).map(function (c) { return c.month; });
  },

  showState: function (state) {
    this.setData({ payState: state, payStateText: pay.STATE_TEXT[state] || '' });
  },

  pay: function () {
    if (this.data.busy || this.data.upTo < 0) return Promise.resolve();
    return this.payMonths(this.selectedMonths());
  },

  // Finish the member's own unfinished order (409 order_pending said it can still be paid) instead of a new one.
  resumePending: function () {
    if (this.data.busy || !this.data.resume) return Promise.resolve();
    return this.payMonths(this.data.resume.months);
  },

  payMonths: function (months) {
    var self = this;
    self.setData({ busy: true, resume: null, resumeText: '' });
    return pay.pay({ months: months }, function (state) { self.showState(state); })
      .then(function (result) {
        var resume = result.resume || null;
        self.setData({
          busy: false, orderNo: result.orderNo || '', resume: resume,
          resumeText: resume ? '继续支付未完成的那笔（' + describeMonths(resume.months) + '，' + money.formatFen(resume.amountFen) + '）' : ''
        });
        if (result.state === 'error') {
          self.setData({ payState: 'error', payStateText: result.message });
          return null;
        }
        self.showState(result.state);
        if (result.state === 'paid') return self.reload();
        return null;
      });
  },

  checkAgain: function () {
    var self = this;
    if (!self.data.orderNo) return Promise.resolve();
    self.setData({ busy: true });
    self.showState('confirming');
    return pay.waitForPaid(self.data.orderNo).then(function (status) {
      self.setData({ busy: false });
      if (status !== 'pending') self.setData({ resume: null, resumeText: '' });
      self.showState(status === 'paid' ? 'paid' : (status === 'pending' ? 'unconfirmed' : 'failed'));
      if (status === 'paid') return self.reload();
      return null;
    });
  },

  // Offered once a payment went through: WeChat asks for the grant only from a tap.
  askReminders: function () {
    return subscribe.askAfterPaying();
  },

  goOrders: function () {
    wx.navigateTo({ url: '/pages/dues-orders/dues-orders' });
  },

  goReceipts: function () {
    wx.navigateTo({ url: '/pages/receipts/receipts' });
  },

  goCampaigns: function () {
    wx.navigateTo({ url: '/pages/campaigns/campaigns' });
  },

  monthChoices: monthChoices
}));
