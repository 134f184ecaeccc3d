var duesApi = require('../../api/dues');
var meApi = require('../../api/me');
var page = require('../../utils/page');
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

Page(page.member({
  data: { orders: [], memberName: '' },
  loadOn: 'load',

  load: function () {
    var self = this;
    return Promise.all([
      duesApi.myOrders(),
      meApi.profile().catch(function () { return null; })
    ]).then(function (results) {
      self.setData({
        orders: results[0].orders.map(toItem),
        memberName: results[1] && results[1].member ? results[1].member.name : ''
      });
    });
  },

  toggle: function (e) {
    var patch = {};
    var i = e.currentTarget.dataset.index;
    patch['orders[' + i + '].open'] = !this.data.orders[i].open;
    this.setData(patch);
  }
}));
