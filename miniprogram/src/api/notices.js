// Notices from the branch, the township or the county (CONTRACT §12).
var request = require('../utils/request');

// → paged {items: [{id, title, body, published_at, read, …}], total, page, per_page}, newest first
function mine(page) {
  return request.request({ url: '/api/v1/me/notices', query: { page: page || 1 } });
}

// 204, repeatable: safe to retry.
function markRead(noticeId) {
  return request.request({ url: '/api/v1/me/notices/' + noticeId + '/read', method: 'POST', retry: true });
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

module.exports = { mine: mine, markRead: markRead, publish: publish, get: get };
