// Promise wrapper for callback-style wx APIs (old base libraries have no promise form).
function call(name, options) {
  return new Promise(function (resolve, reject) {
    wx[name](Object.assign({}, options, { success: resolve, fail: reject }));
  });
}

function wait(ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

function errMsgOf(err) {
  return (err && err.errMsg) || '';
}

module.exports = { call: call, wait: wait, errMsgOf: errMsgOf };
