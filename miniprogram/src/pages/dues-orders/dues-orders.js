var api = require('../../utils/request');
var auth = require('../../utils/auth');
var format = require('../../utils/format');
var money = require('../../utils/money');

var STATUS_LABELS = { pending: '确认中', paid: '已缴纳', closed: '未支付', refunded: '已退款' };

function describeMonths(months) {
  if (!months || !months.length) return '';
  var sorted = months.slice().sort();
  var first = format.formatMonth(sorted[0]);
  return sorted.length === 1 ? first + '党费' : first + '至' + format.formatMonth(sorted[sorted.length - 1]) + '党费';
}

function toItem(o) {
  return {
    orderNo: o.order_no,
    status: o.status,
    statusLabel: STATUS_LABELS[o.status] || o.status,
    amountText: money.formatFen(o.amount_fen),
    what: o.kind === 'special' ? '特殊党费' : describeMonths(o.months),
    when: format.formatDateTime(o.paid_at || o.created_at),
    open: false
  };
}

Page({
  data: { orders: [], loadError: '', memberName: '' },

  onLoad: function () {
    this.load();
  },

  load: function () {
    var self = this;
    return auth.ready().then(function () {
      return Promise.all([
        api.request({ url: '/api/v1/me/dues/orders', toast: false }),
        api.request({ url: '/api/v1/me', toast: false }).catch(function () { return null; })
      ]);
    }).then(function (results) {
      self.setData({
        loadError: '',
        orders: results[0].orders.map(toItem),
        memberName: results[1] && results[1].member ? results[1].member.name : ''
      });
    }, function (err) {
      self.setData({ loadError: err.message });
    });
  },

  toggle: function (e) {
    var patch = {};
    var i = e.currentTarget.dataset.index;
    patch['orders[' + i + '].open'] = !this.data.orders[i].open;
    this.setData(patch);
  }
});
