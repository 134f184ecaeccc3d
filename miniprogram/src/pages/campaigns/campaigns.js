var duesApi = require('../../api/dues');
var page = require('../../utils/page');
var subscribe = require('../../utils/subscribe');
var money = require('../../utils/money');
var pay = require('../../utils/pay');

Page(page.member({
  loadOn: 'load',
  data: { campaigns: [], selectedId: null, amount: '', amountError: '', amountText: '', busy: false, payState: '', payStateText: '' },

  load: function () {
    var self = this;
    return duesApi.campaigns().then(function (body) {
      // A bare list of the campaigns open today: {id, title, starts_on, ends_on, active}.
      var campaigns = body.map(function (c) {
        return { id: c.id, title: c.title, period: (c.starts_on || '') + ' 至 ' + (c.ends_on || '') };
      });
      self.setData({ campaigns: campaigns, selectedId: campaigns.length === 1 ? campaigns[0].id : self.data.selectedId });
    });
  },

  pick: function (e) {
    this.setData({ selectedId: e.currentTarget.dataset.id, payState: '', payStateText: '' });
  },

  onAmount: function (e) {
    var parsed = money.parseYuanToFen(e.detail.value);
    this.setData({ amount: e.detail.value, amountError: '', amountText: parsed.fen ? money.formatFen(parsed.fen) : '' });
  },

  pay: function () {
    var parsed = money.parseYuanToFen(this.data.amount);
    if (parsed.error) {
      this.setData({ amountError: parsed.error });
      return Promise.resolve();
    }
    var self = this;
    self.setData({ busy: true, amountError: '' });
    return pay.pay({ campaign_id: self.data.selectedId, amount_fen: parsed.fen }, function (state) {
      self.setData({ payState: state, payStateText: pay.STATE_TEXT[state] || '' });
    }).then(function (result) {
      var errors = result.errors || {};
      self.setData({
        busy: false,
        payState: result.state,
        payStateText: result.state === 'error' ? result.message : pay.STATE_TEXT[result.state],
        amountError: errors.amount_fen || ''
      });
    });
  },

  askReminders: function () {
    return subscribe.askAfterPaying();
  }
}));
