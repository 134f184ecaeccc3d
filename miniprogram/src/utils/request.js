// The one way the mini-program talks to the service: bearer token, JSON, retries, Chinese errors.
var config = require('../config');
var wxp = require('./wxp');

var TOKEN_KEY = 'token';
var STAFF_TOKEN_KEY = 'staff_token';
var NETWORK_MESSAGE = '网络不太好，请稍后再试';
var SERVER_BUSY_MESSAGE = '服务暂时不可用，请稍后再试';
var RETRY_STATUSES = [502, 503, 504];

function ApiError(status, body, network) {
  this.name = 'ApiError';
  this.status = status;
  this.body = body || {};
  this.network = !!network;
  this.code = network ? 'network' : (this.body.code || 'http_' + status);
  this.message = messageFor(this);
}
ApiError.prototype = Object.create(Error.prototype);
ApiError.prototype.constructor = ApiError;

function messageFor(err) {
  if (err.network) return NETWORK_MESSAGE;
  if (err.body && typeof err.body.message === 'string' && err.body.message) return err.body.message;
  if (err.status >= 500) return SERVER_BUSY_MESSAGE;
  return '操作没有成功，请稍后再试';
}

function getToken(staff) {
  return wx.getStorageSync(staff ? STAFF_TOKEN_KEY : TOKEN_KEY) || '';
}

function setToken(token, staff) {
  wx.setStorageSync(staff ? STAFF_TOKEN_KEY : TOKEN_KEY, token);
}

function clearToken(staff) {
  wx.removeStorageSync(staff ? STAFF_TOKEN_KEY : TOKEN_KEY);
}

function isRetryable(options) {
  if (options.retry !== undefined) return options.retry;
  return (options.method || 'GET') === 'GET' || !!options.idempotencyKey;
}

function headersFor(options) {
  var header = { 'Content-Type': 'application/json' };
  var token = options.auth === false ? '' : getToken(options.staff);
  if (token) header.Authorization = 'Bearer ' + token;
  if (options.idempotencyKey) header['Idempotency-Key'] = options.idempotencyKey;
  return header;
}

function rawRequest(options) {
  return wxp.call('request', {
    url: config.apiBase + options.url,
    method: options.method || 'GET',
    data: options.data,
    header: headersFor(options),
    timeout: config.requestTimeoutMs,
    dataType: 'json'
  });
}

function goStaffLogin() {
  wx.redirectTo({ url: '/pages/staff/login/login' });
}

// One attempt, then the retries and the single re-login the rules allow.
function send(options, tryNo, reloggedIn) {
  var delays = config.retryDelaysMs;
  var canRetry = isRetryable(options) && tryNo < delays.length;
  return rawRequest(options).then(function (res) {
    var status = res.statusCode;
    if (status >= 200 && status < 300) return options.full ? res : res.data;
    if (status === 401 && options.auth !== false) {
      clearToken(options.staff);
      if (options.staff) {
        goStaffLogin();
      } else if (!reloggedIn) {
        return require('./auth').login().then(function () {
          return send(options, tryNo, true);
        });
      }
    }
    if (canRetry && RETRY_STATUSES.indexOf(status) >= 0) {
      return wxp.wait(delays[tryNo]).then(function () { return send(options, tryNo + 1, reloggedIn); });
    }
    throw new ApiError(status, res.data, false);
  }, function () {
    if (canRetry) {
      return wxp.wait(delays[tryNo]).then(function () { return send(options, tryNo + 1, reloggedIn); });
    }
    throw new ApiError(0, null, true);
  });
}

function showError(err) {
  wx.showToast({ title: err.message, icon: 'none', duration: 3000 });
}

// options: {url, method, data, staff, auth, retry, idempotencyKey, toast, full}
// Resolves to the response body (or {statusCode, data} with full), rejects with an ApiError.
function request(options) {
  return send(options, 0, false).catch(function (err) {
    if (!(err instanceof ApiError)) err = new ApiError(0, null, true);
    if (options.toast !== false) showError(err);
    throw err;
  });
}

// Per-field messages of a 422 `validation_error`, first message of each field, for forms.
function fieldErrors(err) {
  var out = {};
  var errors = (err && err.body && err.body.errors) || {};
  Object.keys(errors).forEach(function (field) {
    out[field] = firstMessage(errors[field]);
  });
  return out;
}

function firstMessage(value) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length ? firstMessage(value[0]) : '';
  if (value && typeof value === 'object') {
    var keys = Object.keys(value);
    return keys.length ? firstMessage(value[keys[0]]) : '';
  }
  return '';
}

// A file download (images, sheets) with the same token, e.g. the rotating check-in code.
function download(url, staff) {
  var header = {};
  var token = getToken(staff);
  if (token) header.Authorization = 'Bearer ' + token;
  return wxp.call('downloadFile', { url: config.apiBase + url, header: header, timeout: config.requestTimeoutMs })
    .then(function (res) {
      if (res.statusCode === 200) return res;
      if (res.statusCode === 401) {
        clearToken(staff);
        if (staff) goStaffLogin();
      }
      throw new ApiError(res.statusCode, null, false);
    }, function () {
      throw new ApiError(0, null, true);
    });
}

module.exports = {
  request: request,
  download: download,
  fieldErrors: fieldErrors,
  getToken: getToken,
  setToken: setToken,
  clearToken: clearToken,
  ApiError: ApiError,
  NETWORK_MESSAGE: NETWORK_MESSAGE
};
