// Meetings, check-ins, leave and attendance (CONTRACT §6), for members and for the branch secretary.
var request = require('../utils/request');

function eventPath(eventId, rest) {
  return '/api/v1/events/' + eventId + (rest || '');
}

// ---- member ----

// → paged items of MyEventOut (the event plus my_state, my_checkin, my_leave)
function myEvents(upcoming) {
  return request.request({ url: '/api/v1/me/events', query: { upcoming: upcoming ? 1 : '' } });
}

function myCheckins(page, perPage) {
  return request.request({ url: '/api/v1/me/checkins', query: { page: page, per_page: perPage } });
}

// 201 the first time, 200 on a repeat: the caller needs the status, so the full answer comes back.
// The idempotency key lets a lost answer be retried safely.
function checkIn(eventId, body, idempotencyKey) {
  return request.request({
    url: eventPath(eventId, '/checkins'), method: 'POST', data: body, idempotencyKey: idempotencyKey, full: true
  });
}

function requestLeave(eventId, reason) {
  return request.request({ url: eventPath(eventId, '/leave'), method: 'POST', data: { reason: reason } });
}

// ---- staff ----

function list(upcoming) {
  return request.request({ url: '/api/v1/events', query: { upcoming: upcoming ? 1 : '' }, staff: true });
}

// body: {branch_id, kind, title, place_name, starts_at, ends_at, location: {lat, lng, radius_m}} → EventOut
function create(body) {
  return request.request({ url: '/api/v1/events', method: 'POST', data: body, staff: true });
}

// The rotating mini-program code as a PNG file.
function downloadCheckinCode(eventId) {
  return request.download(eventPath(eventId, '/checkin-code?format=png'), true);
}

// No retries: the screen polls again by itself.
function attendance(eventId) {
  return request.request({ url: eventPath(eventId, '/attendance'), staff: true, retry: false });
}

// The attendance sheet for the meeting record (xlsx).
function downloadAttendanceSheet(eventId) {
  return request.download(eventPath(eventId, '/attendance?format=xlsx'), true);
}

function leaves(eventId) {
  return request.request({ url: eventPath(eventId, '/leaves'), staff: true });
}

function decideLeave(leaveId, approve) {
  return request.request({
    url: '/api/v1/leaves/' + leaveId + '/decision', method: 'POST', data: { approve: approve }, staff: true
  });
}

// 补签: a secretary records a member as present, with the reason (audited).
function manualCheckin(eventId, memberId, reason) {
  return request.request({
    url: eventPath(eventId, '/manual-checkins'), method: 'POST', data: { member_id: memberId, reason: reason }, staff: true
  });
}

// quarter "YYYY-Qn" → {branch, quarter, items: [{kind, label, rule, held, periods, status}], status}
function compliance(branchId, quarter) {
  return request.request({ url: '/api/v1/branches/' + branchId + '/compliance', query: { quarter: quarter }, staff: true });
}

module.exports = {
  myEvents: myEvents,
  myCheckins: myCheckins,
  checkIn: checkIn,
  requestLeave: requestLeave,
  list: list,
  create: create,
  downloadCheckinCode: downloadCheckinCode,
  attendance: attendance,
  downloadAttendanceSheet: downloadAttendanceSheet,
  leaves: leaves,
  decideLeave: decideLeave,
  manualCheckin: manualCheckin,
  compliance: compliance
};
