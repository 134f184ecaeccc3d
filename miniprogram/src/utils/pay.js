// Paying dues with WeChat Pay. The client's "success" only means WeChat closed its sheet: the order counts as
// paid when the SERVICE says so, so after paying we poll the order until the service confirms.
var config = require('../config');
var duesApi = require('../api/dues');
var request = require('./request');
var wxp = require('./wxp');

// Resolves 'paid', 'closed', 'refunded' or 'pending' (still unconfirmed after the last try).
function waitForPaid(orderNo) {
  var tries = 0;
  function poll() {
    tries += 1;
    return checkOnce(orderNo)
      .then(function (status) {
        if (status !== 'pending') return status;
        if (tries >= config.payPollMaxTries) return 'pending';
        return wxp.wait(config.payPollIntervalMs).then(poll);
      });
  }
  return poll();
}

function checkOnce(orderNo) {
  return duesApi.order(orderNo).then(function (order) { return order.status; }, function () { return 'pending'; });
}

function outcomeOf(status, orderNo) {
  if (status === 'paid') return { state: 'paid', orderNo: orderNo };
  if (status === 'pending') return { state: 'unconfirmed', orderNo: orderNo };
  return { state: 'failed', orderNo: orderNo };
}

// Opens the WeChat Pay sheet for an order, then asks the service. onState('confirming') lets the page say so.
function payOrder(order, onState) {
  return wxp.call('requestPayment', order.pay_params).then(function () {
    return 'done';
  }, function (err) {
    return /cancel/i.test(wxp.errMsgOf(err)) ? 'cancel' : 'fail';
  }).then(function (result) {
    if (result === 'cancel') return { state: 'cancelled', orderNo: order.order_no };
    onState('confirming');
    return waitForPaid(order.order_no).then(function (status) { return outcomeOf(status, order.order_no); });
  });
}

// body: {months: [...]} or {campaign_id, amount_fen}. Resolves {state, orderNo?, message?}.
function pay(body, onState) {
  onState = onState || function () {};
  onState('creating');
  return duesApi.createOrder(body)
    .then(function (order) {
      onState('paying');
      return payOrder(order, onState);
    }, function (err) {
      if (err.code !== 'order_pending') return { state: 'error', message: err.message, errors: request.fieldErrors(err) };
      // Another open order of this member covers some of these months: {order_no, months, amount_fen, resumable}.
      var blocking = err.body;
      if (!blocking.order_no) return { state: 'pending_elsewhere', message: err.message };
      onState('confirming');
      // One look first: it may have just been paid (the service asks WeChat about an order older than 10 s).
      return checkOnce(blocking.order_no).then(function (status) {
        if (status === 'paid') return outcomeOf(status, blocking.order_no);
        var resumable = status === 'pending' && blocking.resumable === true;
        return {
          state: 'pending_elsewhere', orderNo: blocking.order_no, message: err.message,
          // Ordering exactly these months again gives back that order with fresh pay_params.
          resume: resumable ? { months: blocking.months, amountFen: blocking.amount_fen } : null
        };
      });
    });
}

var STATE_TEXT = {
  creating: '正在下单…',
  paying: '请在微信支付中完成付款',
  confirming: '正在确认缴费结果，请稍候…',
  paid: '缴费成功，谢谢您！',
  cancelled: '您取消了支付，党费还没有交。',
  unconfirmed: '正在确认，支付结果可能要晚一点到。请不要重复付款，稍后在“缴费记录”中查看。',
  failed: '这笔缴费没有成功，没有扣款。请重新缴纳。',
  pending_elsewhere: '这几个月有一笔缴费正在处理中。请不要重复付款，稍后在“缴费记录”中查看。'
};

module.exports = { pay: pay, waitForPaid: waitForPaid, STATE_TEXT: STATE_TEXT };
