// A member's relationship moved away, or the member back home for good (CONTRACT §13).
var request = require('../utils/request');

// body: {kind: 'transfer_out'|'return_home', reason, effective_on, destination?}
// → 201 {transfer: {id, letter_no, paid_through, …}}
function record(memberId, body) {
  return request.request({ url: '/api/v1/members/' + memberId + '/transfers', method: 'POST', data: body, staff: true });
}

// The letter as a PDF file, stating paid_through.
function downloadLetter(transferId) {
  return request.download('/api/v1/transfers/' + transferId + '/letter?format=pdf', true);
}

module.exports = { record: record, downloadLetter: downloadLetter };
