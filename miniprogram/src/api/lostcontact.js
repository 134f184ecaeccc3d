// Members flagged after 6 months without a report, check-in or payment; a secretary confirms or dismisses.
var request = require('../utils/request');

// state: 'open' (default), … → paged {items: [{id, member: {id, name, phone_masked, mobile_branch, status,
// paid_through, last_activity_at}, state, last_seen_at, flagged_at, …}], total, page, per_page}
function flags(branchId, page) {
  return request.request({ url: '/api/v1/lost-contact', query: { branch_id: branchId, page: page }, staff: true });
}

function confirm(memberId, reason) {
  return request.request({
    url: '/api/v1/lost-contact/' + memberId + '/confirm', method: 'POST', data: { reason: reason }, staff: true
  });
}

function dismiss(memberId, reason) {
  return request.request({
    url: '/api/v1/lost-contact/' + memberId + '/dismiss', method: 'POST', data: { reason: reason }, staff: true
  });
}

module.exports = { flags: flags, confirm: confirm, dismiss: dismiss };
