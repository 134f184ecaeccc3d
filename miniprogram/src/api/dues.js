// Dues: the member's own dues, orders and receipts; the secretary's standards, ledger, arrears and offline
// payments (CONTRACT §7 and §11). Amounts are integer fen both ways.
var request = require('../utils/request');

// ---- member ----

// → {monthly_fen, paid_through, owed: [{month, amount_fen}], payable_from, payable_to, orders, …}
function mine() {
  return request.request({ url: '/api/v1/me/dues' });
}

// → {orders: [OrderOut], page, per_page}
function myOrders() {
  return request.request({ url: '/api/v1/me/dues/orders' });
}

// body: {months} or {campaign_id, amount_fen} → the order with pay_params for wx.requestPayment
function createOrder(body) {
  return request.request({ url: '/api/v1/dues/orders', method: 'POST', data: body });
}

// → {order_no, status, amount_fen, months, paid_at?}
function order(orderNo) {
  return request.request({ url: '/api/v1/dues/orders/' + encodeURIComponent(orderNo) });
}

// A bare list of open campaigns: [{id, title, starts_on, ends_on, active}]
function campaigns() {
  return request.request({ url: '/api/v1/dues/campaigns' });
}

// → {items: [{receipt_no, months, amount_fen, paid_at, channel}]}
function receipts() {
  return request.request({ url: '/api/v1/me/dues/receipts' });
}

// The member's own receipt as a PDF file.
function downloadReceipt(receiptNo) {
  return request.download('/api/v1/dues/receipts/' + encodeURIComponent(receiptNo) + '?format=pdf', false);
}

// ---- staff ----

// body: {year, category, income_base_fen?, monthly_fen?, reason?} → {monthly_fen, rate, category, year, …}
function setStandard(memberId, body) {
  return request.request({ url: '/api/v1/members/' + memberId + '/dues-standard', method: 'PUT', data: body, staff: true });
}

function downloadLedger(branchId, year) {
  return request.download('/api/v1/branches/' + branchId + '/dues/ledger?year=' + year + '&format=xlsx', true);
}

// → {month, branch, members: [{member_id, name, paid_through, unpaid_since, months_unpaid}]}
function arrears(branchId) {
  return request.request({ url: '/api/v1/branches/' + branchId + '/dues/arrears', staff: true });
}

// → {month, branch, items: [{member, kind, kind_label, period, status, status_label, errcode, created_at, sent_at}],
//    total, page, per_page, without_grant: [{member, bound, dues_granted, report_granted}]}
function reminders(branchId, month) {
  return request.request({
    url: '/api/v1/branches/' + branchId + '/dues/reminders?month=' + month + '&per_page=100', staff: true
  });
}

// A member's standard and unpaid months, as staff see them: {monthly_fen, paid_through, owed: [{month, amount_fen}]}
function memberDues(memberId) {
  return request.request({ url: '/api/v1/members/' + memberId + '/dues', staff: true });
}

// body: {member_id, months, amount_fen, paid_on, method, note?} → {payment: {id, receipt_no, …}}
function recordPayment(branchId, body) {
  return request.request({ url: '/api/v1/branches/' + branchId + '/dues/payments', method: 'POST', data: body, staff: true });
}

function reversePayment(paymentId, reason) {
  return request.request({
    url: '/api/v1/dues/payments/' + paymentId + '/reverse', method: 'POST', data: { reason: reason }, staff: true
  });
}

module.exports = {
  mine: mine,
  myOrders: myOrders,
  createOrder: createOrder,
  order: order,
  campaigns: campaigns,
  receipts: receipts,
  downloadReceipt: downloadReceipt,
  setStandard: setStandard,
  downloadLedger: downloadLedger,
  arrears: arrears,
  reminders: reminders,
  memberDues: memberDues,
  recordPayment: recordPayment,
  reversePayment: reversePayment
};
