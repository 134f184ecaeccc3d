// Staff accounts: password login, who am I, logout (CONTRACT §5). Every call here uses the staff token.
var request = require('../utils/request');

// → {token, expires_in, roles}
function login(username, password) {
  return request.request({
    url: '/api/v1/staff/login', method: 'POST', auth: false, data: { username: username, password: password }
  });
}

// → {id, username, display_name, role, scope: {type, id, name}}
function me() {
  return request.request({ url: '/api/v1/staff/me', staff: true });
}

function logout() {
  return request.request({ url: '/api/v1/staff/logout', method: 'POST', staff: true });
}

module.exports = { login: login, me: me, logout: logout };
