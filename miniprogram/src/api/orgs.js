// Townships and branches (CONTRACT §5). The registration form asks with the member's token, staff with theirs.
var request = require('../utils/request');

// → {items: [{id, name, mobile_branches: [{id, name}], …}]}
function townships(staff) {
  return request.request({ url: '/api/v1/townships', staff: !!staff });
}

// kind: 'mobile' or 'village' → {items: [{id, name, kind, township, …}]}
function branches(townshipId, kind, staff) {
  return request.request({ url: '/api/v1/branches', query: { township_id: townshipId, kind: kind }, staff: !!staff });
}

module.exports = { townships: townships, branches: branches };
