const path = require('path');
const { setup, flush, loadApp, SRC } = require('./harness');

function api() { return require(path.join(SRC, 'utils/request')); }

// What app.js does at launch: a refused member token is renewed by logging in again.
function withLoginHook() {
  const request = api();
  request.setLoginHook(require(path.join(SRC, 'utils/auth')).login);
  return request;
}

describe('request module', () => {
  test('sends the bearer token and JSON', async () => {
    const { wx } = setup({ token: 'tok-1', bound: true });
    wx.__route('GET', '/api/v1/me', { status: 200, data: { member: { name: '张三' } } });
    const body = await api().request({ url: '/api/v1/me' });
    expect(body.member.name).toBe('张三');
    const sent = wx.__requests('GET', '/api/v1/me')[0];
    expect(sent.header.Authorization).toBe('Bearer tok-1');
    expect(sent.header['Content-Type']).toBe('application/json');
    expect(sent.url).toBe('http://127.0.0.1:5000/api/v1/me');
  });

  test('retries a GET after network failures, then succeeds', async () => {
    const { wx } = setup({ token: 't' });
    wx.__route('GET', '/api/v1/me/dues',
      { fail: 'request:fail timeout' },
      { fail: 'request:fail net::ERR_CONNECTION_RESET' },
      { status: 200, data: { monthly_fen: 1500 } });
    const body = await api().request({ url: '/api/v1/me/dues' });
    expect(body.monthly_fen).toBe(1500);
    expect(wx.__requests('GET', '/api/v1/me/dues')).toHaveLength(3);
    expect(wx.__toasts()).toEqual([]);
  });

  test('gives up after two retries with the Chinese no-network message, leaving the toast to the page', async () => {
    const { wx } = setup({ token: 't' });
    wx.__route('GET', '/api/v1/me', { fail: 'request:fail timeout' });
    await expect(api().request({ url: '/api/v1/me' })).rejects.toMatchObject({
      network: true, code: 'network', message: '网络不太好，请稍后再试'
    });
    expect(wx.__requests('GET', '/api/v1/me')).toHaveLength(3);
    expect(wx.__toasts()).toEqual([]);
  });

  test('query parameters are encoded and empty ones left out', async () => {
    const { wx } = setup({ token: 't' });
    wx.__route('GET', '/api/v1/members', { data: { items: [] } });
    await api().request({ url: '/api/v1/members', query: { q: '王 建国', branch_id: 2, status: '', page: undefined } });
    expect(wx.__requests('GET', '/api/v1/members')[0].url).toBe('http://127.0.0.1:5000/api/v1/members?q=%E7%8E%8B%20%E5%BB%BA%E5%9B%BD&branch_id=2');
  });

  test('does not retry a plain POST (it could be applied twice)', async () => {
    const { wx } = setup({ token: 't' });
    wx.__route('POST', '/api/v1/me/reports', { fail: 'request:fail timeout' });
    await expect(api().request({ url: '/api/v1/me/reports', method: 'POST', data: {} })).rejects.toMatchObject({ network: true });
    expect(wx.__requests('POST', '/api/v1/me/reports')).toHaveLength(1);
  });

  test('retries a POST carrying an idempotency key, and sends the key', async () => {
    const { wx } = setup({ token: 't' });
    wx.__route('POST', '/api/v1/events/7/checkins', { fail: 'request:fail timeout' }, { status: 201, data: { checkin: { id: 1 } } });
    const body = await api().request({ url: '/api/v1/events/7/checkins', method: 'POST', data: {}, idempotencyKey: 'k-1' });
    expect(body.checkin.id).toBe(1);
    const sent = wx.__requests('POST', '/api/v1/events/7/checkins');
    expect(sent).toHaveLength(2);
    expect(sent[1].header['Idempotency-Key']).toBe('k-1');
  });

  test('retries a GET on 503 but not on 422', async () => {
    const { wx } = setup({ token: 't' });
    wx.__route('GET', '/api/v1/me', { status: 503, data: { code: 'wechat_unavailable', message: '微信服务暂时不可用' } }, { status: 200, data: { ok: 1 } });
    expect(await api().request({ url: '/api/v1/me' })).toEqual({ ok: 1 });
    wx.__route('GET', '/api/v1/me/checkins', { status: 422, data: { code: 'validation_error', message: '输入有误' } });
    await expect(api().request({ url: '/api/v1/me/checkins' })).rejects.toMatchObject({ status: 422 });
    expect(wx.__requests('GET', '/api/v1/me/checkins')).toHaveLength(1);
  });

  test('on 401 clears the token, logs in again once and repeats the request', async () => {
    const { wx } = setup({ token: 'old', bound: true });
    const request = withLoginHook();
    wx.__script('login', { success: { code: 'fresh-code' } });
    wx.__route('POST', '/api/v1/auth/login', { status: 200, data: { token: 'new', expires_in: 7200, bound: true, roles: ['member'] } });
    wx.__route('GET', '/api/v1/me',
      { status: 401, data: { code: 'unauthorized', message: '请重新登录' } },
      { status: 200, data: { member: { name: '李四' } } });
    const body = await request.request({ url: '/api/v1/me' });
    expect(body.member.name).toBe('李四');
    const sent = wx.__requests('GET', '/api/v1/me');
    expect(sent.map(r => r.header.Authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(wx.__requests('POST', '/api/v1/auth/login')[0].data).toEqual({ code: 'fresh-code' });
    expect(wx.__requests('POST', '/api/v1/auth/login')[0].header.Authorization).toBeUndefined();
    expect(wx.__storage.token).toBe('new');
  });

  test('without a login hook a 401 is just an error (the request module never reaches up to auth)', async () => {
    const { wx } = setup({ token: 'old', bound: true });
    wx.__route('GET', '/api/v1/me', { status: 401, data: { code: 'unauthorized', message: '登录已失效' } });
    await expect(api().request({ url: '/api/v1/me' })).rejects.toMatchObject({ status: 401 });
    expect(wx.__calls('login')).toHaveLength(0);
    expect(wx.__storage.token).toBeUndefined();
  });

  test('a second 401 after re-login is not looped', async () => {
    const { wx } = setup({ token: 'old', bound: true });
    wx.__route('POST', '/api/v1/auth/login', { status: 200, data: { token: 'new', bound: true, roles: [] } });
    wx.__route('GET', '/api/v1/me', { status: 401, data: { code: 'unauthorized', message: '登录已失效' } });
    await expect(withLoginHook().request({ url: '/api/v1/me' })).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(wx.__requests('GET', '/api/v1/me')).toHaveLength(2);
    expect(wx.__requests('POST', '/api/v1/auth/login')).toHaveLength(1);
  });

  test('a staff 401 clears the staff token and goes to the staff login page', async () => {
    const { wx } = setup({ token: 'member', staffToken: 'staff' });
    wx.__route('GET', '/api/v1/staff/me', { status: 401, data: { code: 'unauthorized', message: '请重新登录' } });
    await expect(api().request({ url: '/api/v1/staff/me', staff: true })).rejects.toMatchObject({ status: 401 });
    expect(wx.__requests('GET', '/api/v1/staff/me')[0].header.Authorization).toBe('Bearer staff');
    expect(wx.__storage.staff_token).toBeUndefined();
    expect(wx.__storage.token).toBe('member');
    expect(wx.__calls('redirectTo')[0].url).toBe('/pages/staff/login/login');
  });

  test('maps the error shape to the server\'s Chinese message, and field errors for forms', async () => {
    const { wx } = setup({ token: 't' });
    const r = api();
    wx.__route('POST', '/api/v1/me/reports', {
      status: 422,
      data: { code: 'validation_error', message: '填写的内容有误', errors: { city: ['请填写城市'], location: { lat: ['纬度超出范围'] } } }
    });
    const err = await r.request({ url: '/api/v1/me/reports', method: 'POST', data: {} }).catch(e => e);
    expect(err).toBeInstanceOf(r.ApiError);
    expect(err.code).toBe('validation_error');
    expect(err.message).toBe('填写的内容有误');
    expect(r.fieldErrors(err)).toEqual({ city: '请填写城市', location: '纬度超出范围' });
  });

  test('a 5xx without a body gets a Chinese message, never an English one', async () => {
    const { wx } = setup({ token: 't' });
    wx.__route('POST', '/api/v1/auth/bind', { status: 500, data: '<html>Internal Server Error</html>' });
    await expect(api().request({ url: '/api/v1/auth/bind', method: 'POST', data: {} })).rejects.toMatchObject({
      status: 500, message: '服务暂时不可用，请稍后再试'
    });
  });
});

describe('login on launch', () => {
  test('a bound account stores the token and stays on the home page', async () => {
    const { wx } = setup();
    wx.__script('login', { success: { code: 'c-1' } });
    wx.__route('POST', '/api/v1/auth/login', { status: 200, data: { token: 'tok', expires_in: 7200, bound: true, roles: ['member'] } });
    const app = loadApp();
    app.onLaunch();
    await app.ready;
    expect(wx.__requests('POST', '/api/v1/auth/login')[0].data).toEqual({ code: 'c-1' });
    expect(wx.__storage.token).toBe('tok');
    expect(wx.__storage.bound).toBe(true);
    expect(wx.__calls('reLaunch')).toEqual([]);
  });

  test('an unbound account is sent to the bind page', async () => {
    const { wx } = setup();
    wx.__route('POST', '/api/v1/auth/login', { status: 200, data: { token: 'tok', expires_in: 7200, bound: false, roles: [] } });
    const app = loadApp();
    app.onLaunch();
    await app.ready;
    expect(wx.__storage.token).toBe('tok');
    expect(wx.__storage.bound).toBe(false);
    expect(wx.__calls('reLaunch').map(c => c.url)).toEqual(['/pages/bind/bind']);
  });

  test('a failed login does not crash the launch; concurrent logins share one wx.login', async () => {
    const { wx } = setup();
    wx.__route('POST', '/api/v1/auth/login', { status: 503, data: { code: 'wechat_unavailable', message: '微信服务暂时不可用，请稍后再试' } });
    const app = loadApp();
    app.onLaunch();
    expect(await app.ready).toBeNull();
    expect(wx.__toasts()).toEqual(['微信服务暂时不可用，请稍后再试']);
    const auth = require(path.join(SRC, 'utils/auth'));
    wx.__route('POST', '/api/v1/auth/login', { status: 200, data: { token: 'x', bound: true } });
    await Promise.all([auth.login(), auth.login()]);
    await flush();
    expect(wx.__calls('login')).toHaveLength(2);
  });

  test('the launch installs the re-login: a refused token later is renewed once', async () => {
    const { wx } = setup();
    wx.__script('login', { success: { code: 'c-1' } }, { success: { code: 'c-2' } });
    wx.__route('POST', '/api/v1/auth/login',
      { data: { token: 'first', bound: true, roles: ['member'] } },
      { data: { token: 'second', bound: true, roles: ['member'] } });
    const app = loadApp();
    app.onLaunch();
    await app.ready;
    wx.__route('GET', '/api/v1/me/dues', { status: 401, data: { code: 'unauthorized', message: '请重新登录' } }, { data: { monthly_fen: 1500 } });
    const body = await api().request({ url: '/api/v1/me/dues' });
    expect(body.monthly_fen).toBe(1500);
    expect(wx.__requests('POST', '/api/v1/auth/login').map(r => r.data.code)).toEqual(['c-1', 'c-2']);
    expect(wx.__requests('GET', '/api/v1/me/dues').map(r => r.header.Authorization)).toEqual(['Bearer first', 'Bearer second']);
  });
});
