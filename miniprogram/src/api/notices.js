// Notices from the branch, the township or the county (CONTRACT §12).
var request = require('../utils/request');

// The notices last listed, by id: the detail screen shows one without a second request.
var seen = {};

// → paged {items: [{id, title, body, created_at, read, pinned, expires_on}], total, page, per_page, unread},
// pinned first, then newest; `unread` counts every unread notice (the home-page badge)
function mine(page) {
  return request.request({ url: '/api/v1/me/notices', query: { page: page || 1 } }).then(function (body) {
    (body.items || []).forEach(function (n) { seen[n.id] = n; });
    return body;
  });
}

// One of the member's notices: from the last list, else from the first page (opened from a message).
function myNotice(noticeId) {
  if (seen[noticeId]) return Promise.resolve(seen[noticeId]);
  return mine(1).then(function () { return seen[noticeId] || null; });
}

// 204, repeatable: safe to retry.
function markRead(noticeId) {
  return request.request({ url: '/api/v1/me/notices/' + noticeId + '/read', method: 'POST', retry: true }).then(function () {
    if (seen[noticeId]) seen[noticeId].read = true;
  });
}

// ---- staff ----

// body: {title, body, township_id?, branch_id?} → 201 {id, …}
function publish(body) {
  return request.request({ url: '/api/v1/notices', method: 'POST', data: body, staff: true });
}

// → {id, title, body, audience, read_count, unread_count, …}
function get(noticeId) {
  return request.request({ url: '/api/v1/notices/' + noticeId, staff: true });
}

// The notices inside the caller's scope, newest first, with their counts → paged {items: [...as get]}
function list(page) {
  return request.request({ url: '/api/v1/notices', query: { page: page || 1 }, staff: true });
}

// Who has not read it yet (to call them) → paged {items: [{id, name, phone_masked, mobile_branch, bound}]}
function unread(noticeId, page) {
  return request.request({ url: '/api/v1/notices/' + noticeId + '/unread', query: { page: page || 1 }, staff: true });
}

module.exports = {
  mine: mine, myNotice: myNotice, markRead: markRead, publish: publish, get: get, list: list, unread: unread
};
