// The activity-certificate register (流动党员活动证): the member's own, and the secretary's due list and 年审.
var request = require('../utils/request');

// → {certificate: {id, number, issued_on, valid_from, valid_until, status: valid|expired, review_passed}}; 404 no_certificate
function mine() {
  return request.request({ url: '/api/v1/me/certificate' });
}

// due: 'this_month' (年审 due this month) | 'expired' | undefined → {items: [{id, number, valid_until, status,
// review_passed, member: {id, name, id_number_masked}, …}], total, page, per_page}
function ofBranch(branchId, due, page) {
  var query = { page: page || 1 };
  if (due) query.due = due;
  return request.request({ url: '/api/v1/branches/' + branchId + '/certificates', query: query, staff: true });
}

// body: {reviewed_on: 'YYYY-MM-DD', result: '通过'|'不通过', reviewer?, note?} → 201 {certificate}
function review(certificateId, body) {
  return request.request({ url: '/api/v1/certificates/' + certificateId + '/reviews', method: 'POST', data: body,
    staff: true });
}

// body: {note?} → 201 {certificate} with the new period; 409 review_not_passed before a 通过 review
function renew(certificateId, body) {
  return request.request({ url: '/api/v1/certificates/' + certificateId + '/renewals', method: 'POST',
    data: body || {}, staff: true });
}

module.exports = { mine: mine, ofBranch: ofBranch, review: review, renew: renew };
