// The yearly democratic evaluation of members (民主评议党员), recorded by the branch secretary.
var request = require('../utils/request');

var GRADES = ['优秀', '合格', '基本合格', '不合格'];

// body: {grade, note?, recorded_on: 'YYYY-MM-DD'} → {member_id, year, grade, note, recorded_on, recorded_by, …};
// a second record for the same year replaces the first, so a retry is harmless.
function record(memberId, year, body) {
  return request.request({
    url: '/api/v1/members/' + memberId + '/evaluations/' + year, method: 'PUT', data: body, staff: true, retry: true
  });
}

// → {branch, year, items: [{member: {id, name}, evaluation: {…} | null}], grades: {优秀: n, …}, unrecorded}
function ofBranch(branchId, year) {
  return request.request({ url: '/api/v1/branches/' + branchId + '/evaluations', query: { year: year }, staff: true });
}

module.exports = { GRADES: GRADES, record: record, ofBranch: ofBranch };
