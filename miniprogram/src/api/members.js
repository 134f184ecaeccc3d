// Members as staff see them, masked (CONTRACT §5).
var request = require('../utils/request');

// query: {q, branch_id, township_id, status, page} → paged {items: [MemberListItem], total, page, per_page}
function search(query) {
  return request.request({ url: '/api/v1/members', query: query, staff: true });
}

module.exports = { search: search };
