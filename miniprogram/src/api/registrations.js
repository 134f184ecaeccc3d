// Members not yet on the roster ask to be registered; the secretary decides (CONTRACT §10).
var request = require('../utils/request');

// body: {name, id_number, phone_code?, phone?, township_id, mobile_branch_id, home_branch, left_on, destination,
// employer, certificate_no?} → 201 {registration: {id, status, submitted_at, …}}
function submit(body) {
  return request.request({ url: '/api/v1/auth/registrations', method: 'POST', data: body });
}

// → {registration} (the latest); 404 when there is none
function mine() {
  return request.request({ url: '/api/v1/auth/registrations/mine' });
}

// ---- staff ----

// → paged {items: [registration, masked], total, page, per_page}
function list(status, page) {
  return request.request({ url: '/api/v1/registrations', query: { status: status, page: page }, staff: true });
}

// A denial needs a note. → {registration}
function decide(registrationId, approve, note) {
  var body = { approve: approve };
  if (note) body.note = note;
  return request.request({
    url: '/api/v1/registrations/' + registrationId + '/decision', method: 'POST', data: body, staff: true
  });
}

module.exports = { submit: submit, mine: mine, list: list, decide: decide };
