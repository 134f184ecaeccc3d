// A stand-in for the `wx` global: records every call and lets each test script the answers.
//   wx.__route('GET', '/api/v1/me', {status: 200, data: {...}}, ...)  — answers in order, the last one repeats
//   wx.__script('scanCode', {success: {...}} | {fail: 'scanCode:fail cancel'}, ...)
//   wx.__calls('request') → the option objects passed, in order
const API_BASE = 'http://127.0.0.1:5000';

const CALLBACK_APIS = {
  login: { success: { code: 'wx-code-1', errMsg: 'login:ok' } },
  request: null,
  downloadFile: { success: { statusCode: 200, tempFilePath: 'wxfile://tmp/code.png' } },
  uploadFile: null,
  chooseMedia: { fail: 'chooseMedia:fail cancel' },
  showModal: { success: { confirm: true, cancel: false } },
  scanCode: { fail: 'scanCode:fail cancel' },
  getLocation: { success: { latitude: 22.5431, longitude: 114.0579, accuracy: 30 } },
  openSetting: { success: { authSetting: {} } },
  getSetting: { success: { authSetting: {} } },
  chooseLocation: { fail: 'chooseLocation:fail cancel' },
  requestPayment: { success: { errMsg: 'requestPayment:ok' } },
  requestSubscribeMessage: { success: {} },
  openDocument: { success: {} },
  showToast: { success: {} },
  showLoading: { success: {} },
  hideLoading: { success: {} },
  navigateTo: { success: {} },
  redirectTo: { success: {} },
  reLaunch: { success: {} },
  switchTab: { success: {} },
  navigateBack: { success: {} },
  setKeepScreenOn: { success: {} },
  stopPullDownRefresh: { success: {} },
  previewImage: { success: {} },
  setNavigationBarTitle: { success: {} }
};

function createWx() {
  const calls = [];
  const storage = {};
  const scripts = {};
  const routes = [];
  const unmatched = [];

  function take(list) {
    return list.length > 1 ? list.shift() : list[0];
  }

  function settle(name, opts, outcome) {
    Promise.resolve().then(() => {
      if (outcome && outcome.fail !== undefined) {
        if (opts.fail) opts.fail({ errMsg: outcome.fail });
      } else if (opts.success) {
        opts.success(outcome && outcome.success !== undefined ? outcome.success : outcome);
      }
      if (opts.complete) opts.complete();
    });
  }

  function routeFor(opts) {
    const url = opts.url.indexOf(API_BASE) === 0 ? opts.url.slice(API_BASE.length) : opts.url;
    const method = (opts.method || (opts.filePath && opts.name ? 'POST' : 'GET')).toUpperCase();
    const path = url.split('?')[0];
    for (let i = routes.length - 1; i >= 0; i--) {
      const r = routes[i];
      if (r.method !== method) continue;
      const hit = r.path instanceof RegExp ? r.path.test(url) : (r.path === url || r.path === path);
      if (hit) return r;
    }
    return null;
  }

  function answerHttp(kind, opts) {
    const route = routeFor(opts);
    if (!route) {
      unmatched.push((opts.method || 'GET') + ' ' + opts.url);
      return { success: { statusCode: 404, data: { code: 'not_found', message: 'mock: no route' }, header: {} } };
    }
    let outcome = take(route.outcomes);
    if (typeof outcome === 'function') outcome = outcome(opts);
    if (outcome.fail !== undefined) return outcome;
    if (kind === 'uploadFile') {
      return { success: { statusCode: outcome.status || 201, data: JSON.stringify(outcome.data || {}) } };
    }
    if (kind === 'downloadFile') {
      return { success: { statusCode: outcome.status || 200, tempFilePath: outcome.tempFilePath || 'wxfile://tmp/file' } };
    }
    return { success: { statusCode: outcome.status || 200, data: outcome.data, header: outcome.header || {} } };
  }

  const wx = {};
  Object.keys(CALLBACK_APIS).forEach(name => {
    wx[name] = (opts = {}) => {
      calls.push({ name, opts });
      let outcome;
      if (name === 'request' || name === 'uploadFile' || (name === 'downloadFile' && routeFor(opts))) {
        outcome = answerHttp(name, opts);
      } else if (scripts[name] && scripts[name].length) {
        outcome = take(scripts[name]);
        if (typeof outcome === 'function') outcome = outcome(opts);
      } else {
        outcome = CALLBACK_APIS[name];
      }
      settle(name, opts, outcome);
    };
  });

  wx.getStorageSync = key => (key in storage ? storage[key] : '');
  wx.setStorageSync = (key, value) => { calls.push({ name: 'setStorageSync', opts: { key, value } }); storage[key] = value; };
  wx.removeStorageSync = key => { calls.push({ name: 'removeStorageSync', opts: { key } }); delete storage[key]; };
  wx.clearStorageSync = () => { Object.keys(storage).forEach(k => delete storage[k]); };
  wx.getSystemInfoSync = () => ({ platform: 'android', SDKVersion: '2.25.0' });

  wx.__route = (method, path, ...outcomes) => { routes.push({ method: method.toUpperCase(), path, outcomes }); };
  wx.__script = (name, ...outcomes) => { scripts[name] = outcomes; };
  wx.__calls = name => calls.filter(c => c.name === name).map(c => c.opts);
  wx.__requests = (method, path) => calls
    .filter(c => c.name === 'request')
    .map(c => c.opts)
    .filter(o => (!method || (o.method || 'GET') === method) && (!path || o.url.replace(API_BASE, '').split('?')[0] === path));
  wx.__toasts = () => calls.filter(c => c.name === 'showToast').map(c => c.opts.title);
  wx.__storage = storage;
  wx.__unmatched = unmatched;
  return wx;
}

module.exports = { createWx, API_BASE };
