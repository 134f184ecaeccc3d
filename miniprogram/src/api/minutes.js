// Meeting minutes (会议记录) of one event: read with attendance, save, lock, history, photos, printouts.
var request = require('../utils/request');
var session = require('../utils/session');
var config = require('../config');
var wxp = require('../utils/wxp');

function base(eventId) {
  return '/api/v1/events/' + eventId + '/minutes';
}

// → {chair, recorder, topic, content, decisions, status, version, attendees, absentees, photos, …}
function get(eventId) {
  return request.request({ url: base(eventId), staff: true });
}

// body: any of {chair, recorder, topic, content, decisions}; 409 minutes_locked once locked.
function save(eventId, body) {
  return request.request({ url: base(eventId), method: 'PUT', data: body, staff: true });
}

function lock(eventId) {
  return request.request({ url: base(eventId) + '/lock', method: 'POST', staff: true });
}

// → {items: [{version, changed_by, changed_at, changes: [{field, from, to}]}]}
function history(eventId) {
  return request.request({ url: base(eventId) + '/history', staff: true });
}

// One photo from wx.chooseMedia as multipart field "file" → 201 {id, phone_width, …}; the service checks
// the content (JPEG/PNG, 5 MB, 9 per meeting) and answers 413/422/409 in the one error shape.
function uploadPhoto(eventId, filePath) {
  var header = { Authorization: 'Bearer ' + session.getToken(true) };
  return wxp.call('uploadFile', {
    url: config.apiBase + base(eventId) + '/photos', filePath: filePath, name: 'file', header: header,
    timeout: config.requestTimeoutMs
  }).then(function (res) {
    var body = {};
    try { body = typeof res.data === 'string' ? JSON.parse(res.data) : (res.data || {}); } catch (e) { body = {}; }
    if (res.statusCode === 201) return body;
    if (res.statusCode === 401) session.clearToken(true);
    throw new request.ApiError(res.statusCode, body, false);
  }, function () {
    throw new request.ApiError(0, null, true);
  });
}

function deletePhoto(eventId, photoId) {
  return request.request({ url: base(eventId) + '/photos/' + photoId, method: 'DELETE', staff: true });
}

// The phone copy of a photo as a temporary file (an <image> cannot send the token itself).
function downloadPhoto(eventId, photoId) {
  return request.download(base(eventId) + '/photos/' + photoId, true);
}

// The printable record: fileType 'pdf' or 'xlsx'.
function downloadRecord(eventId, fileType) {
  return request.download(base(eventId) + '?format=' + fileType, true);
}

module.exports = {
  get: get, save: save, lock: lock, history: history, uploadPhoto: uploadPhoto, deletePhoto: deletePhoto,
  downloadPhoto: downloadPhoto, downloadRecord: downloadRecord
};
