// WeChat login and binding to the roster (CONTRACT §4).
var request = require('../utils/request');

function login(code) {
  return request.request({ url: '/api/v1/auth/login', method: 'POST', data: { code: code }, auth: false, retry: false });
}

// body: {name, id_number, phone_code?} → {member}
function bind(body) {
  return request.request({ url: '/api/v1/auth/bind', method: 'POST', data: body });
}

module.exports = { login: login, bind: bind };
