// What this phone remembers between launches: the member's and the staff member's tokens, binding and roles.
// The bottom of the mini-program: it uses only wx storage, so request.js and auth.js can both rely on it.
var TOKEN_KEY = 'token';
var STAFF_TOKEN_KEY = 'staff_token';

function getToken(staff) {
  return wx.getStorageSync(staff ? STAFF_TOKEN_KEY : TOKEN_KEY) || '';
}

function setToken(token, staff) {
  wx.setStorageSync(staff ? STAFF_TOKEN_KEY : TOKEN_KEY, token);
}

function clearToken(staff) {
  wx.removeStorageSync(staff ? STAFF_TOKEN_KEY : TOKEN_KEY);
}

function isBound() {
  return wx.getStorageSync('bound') === true;
}

function setBound(bound) {
  wx.setStorageSync('bound', !!bound);
}

function setRoles(roles, staff) {
  wx.setStorageSync(staff ? 'staff_roles' : 'roles', roles || []);
}

// The staff account's own record from GET /staff/me: {username, role, scope: {type, id, name}}.
function staffMe() {
  return wx.getStorageSync('staff_me') || {};
}

function setStaffMe(me) {
  wx.setStorageSync('staff_me', me);
}

// The mobile branch a secretary runs, or null for township and county accounts.
function staffBranchId() {
  var me = staffMe();
  return me.scope && me.scope.type === 'branch' ? me.scope.id : null;
}

function clearStaff() {
  clearToken(true);
  wx.removeStorageSync('staff_me');
}

module.exports = {
  getToken: getToken,
  setToken: setToken,
  clearToken: clearToken,
  isBound: isBound,
  setBound: setBound,
  setRoles: setRoles,
  staffMe: staffMe,
  setStaffMe: setStaffMe,
  staffBranchId: staffBranchId,
  clearStaff: clearStaff
};
