// The member's own record: profile, monthly report-in, reminder grants (CONTRACT §4).
var request = require('../utils/request');

// → {member: {id, name, id_number_masked, phone_masked, township, branch, mobile_branch, status, paid_through}, roles}
function profile() {
  return request.request({ url: '/api/v1/me' });
}

// → {items: [{id, month, city, address, employer, created_at}], total, page, per_page}
function reports(page) {
  return request.request({ url: '/api/v1/me/reports', query: { page: page || 1 } });
}

// body: {city, address, employer, lat?, lng?}
function submitReport(body) {
  return request.request({ url: '/api/v1/me/reports', method: 'POST', data: body });
}

// One accepted subscribe-message grant, counted by the service (each allows exactly one message).
function addSubscription(templateId) {
  return request.request({ url: '/api/v1/me/subscriptions', method: 'POST', data: { template_id: templateId } });
}

module.exports = { profile: profile, reports: reports, submitReport: submitReport, addSubscription: addSubscription };
