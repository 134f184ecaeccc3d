// The one way the mini-program talks to the service: bearer token, JSON, retries, Chinese errors.
// It knows nothing of WeChat login: the app hands it a login function at start (setLoginHook), which it calls
// once when a member's token is refused, so this module never reaches up to auth.js.
var config = require('../config');
var session = require('./session');
var wxp = require('./wxp');

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

var loginHook = null;

// fn() → Promise: logs the member in again and stores the new token (auth.login, installed by app.js).
function setLoginHook(fn) {
  loginHook = fn;
}

function isRetryable(options) {
  if (options.retry !== undefined) return options.retry;
  return (options.method || 'GET') === 'GET' || !!options.idempotencyKey;
}

function headersFor(options) {
  var header = { 'Content-Type': 'application/json' };
  var token = options.auth === false ? '' : session.getToken(options.staff);
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
      session.clearToken(options.staff);
      if (options.staff) {
        goStaffLogin();
      } else if (!reloggedIn && loginHook) {
        return loginHook().then(function () {
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

// options: {url, method, data, query, staff, auth, retry, idempotencyKey, full}
// Resolves to the response body (or {statusCode, data} with full), rejects with an ApiError; showing it is the
// page's business (utils/page.js).
function request(options) {
  if (options.query) options = Object.assign({}, options, { url: options.url + queryString(options.query) });
  return send(options, 0, false).catch(function (err) {
    if (!(err instanceof ApiError)) err = new ApiError(0, null, true);
    throw err;
  });
}

// {page: 1, q: '王'} → "?page=1&q=%E7%8E%8B"; empty values are left out.
function queryString(params) {
  var parts = Object.keys(params).filter(function (k) {
    return params[k] !== undefined && params[k] !== null && params[k] !== '';
  }).map(function (k) {
    return k + '=' + encodeURIComponent(params[k]);
  });
  return parts.length ? '?' + parts.join('&') : '';
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

// A file download (images, sheets, PDFs) with the same token, e.g. the rotating check-in code.
function download(url, staff) {
  var header = {};
  var token = session.getToken(staff);
  if (token) header.Authorization = 'Bearer ' + token;
  return wxp.call('downloadFile', { url: config.apiBase + url, header: header, timeout: config.requestTimeoutMs })
    .then(function (res) {
      if (res.statusCode === 200) return res;
      if (res.statusCode === 401) {
        session.clearToken(staff);
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
  setLoginHook: setLoginHook,
  ApiError: ApiError
};
