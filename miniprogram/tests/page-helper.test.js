// utils/page.js: what every screen does the same way — the login wait, the load error and its reload,
// pull-down refresh, staff screens without a staff token, and actions with their toast and field errors.
const path = require('path');
const { setup, loadPage, SRC } = require('./harness');
const shapes = require('./shapes');

describe('page helper', () => {
  test('waits for the launch login before the first request', async () => {
    const { wx, app } = setup({ token: 't', bound: true });
    let release;
    app.ready = new Promise(resolve => { release = resolve; });
    wx.__route('GET', '/api/v1/me/events', { data: shapes.page([]) });
    const view = await loadPage('pages/events/events');
    expect(wx.__requests()).toHaveLength(0);
    release(null);
    await view.page.reload();
    expect(wx.__requests('GET', '/api/v1/me/events').length).toBeGreaterThan(0);
  });

  test('a failed load shows the message on the page; pull-down refresh reloads and stops the spinner', async () => {
    const { wx } = setup({ token: 't', bound: true, retryDelaysMs: [] });
    wx.__route('GET', '/api/v1/me/dues/receipts', { status: 503, data: { code: 'unavailable', message: '服务暂时不可用，请稍后再试' } });
    const view = await loadPage('pages/receipts/receipts');
    expect(view.text('.load-error')).toContain('服务暂时不可用');
    expect(wx.__toasts()).toEqual([]);
    wx.__route('GET', '/api/v1/me/dues/receipts', { data: { items: [shapes.receipt()] } });
    await view.page.onPullDownRefresh();
    expect(view.exists('.load-error')).toBe(false);
    expect(view.all('.receipt-item')).toHaveLength(1);
    expect(wx.__calls('stopPullDownRefresh')).toHaveLength(1);
  });

  test('loads on every show by default, once with loadOn: load', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/events', { data: shapes.page([]) });
    wx.__route('GET', '/api/v1/me/dues/receipts', { data: { items: [] } });
    const events = await loadPage('pages/events/events');
    await events.page.onShow();
    expect(wx.__requests('GET', '/api/v1/me/events')).toHaveLength(2);
    const receipts = await loadPage('pages/receipts/receipts');
    await receipts.page.onShow();
    expect(wx.__requests('GET', '/api/v1/me/dues/receipts')).toHaveLength(1);
  });

  test('staff screens without a staff token go to the staff login and ask nothing', async () => {
    const { wx } = setup({ token: 'member-token' });
    await loadPage('pages/staff/lost-contact/lost-contact');
    expect(wx.__calls('redirectTo').map(c => c.url)).toEqual(['/pages/staff/login/login']);
    expect(wx.__requests()).toHaveLength(0);
  });

  test('guest screens load for an unbound account, member screens do not', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/auth/registrations/mine', { data: { registration: shapes.registration() } });
    await loadPage('pages/registration/registration');
    expect(wx.__requests('GET', '/api/v1/auth/registrations/mine')).toHaveLength(1);
    await loadPage('pages/receipts/receipts');
    expect(wx.__requests('GET', '/api/v1/me/dues/receipts')).toHaveLength(0);
  });

  test('an action runs once at a time, toasts the server\'s message and puts field errors under the fields', async () => {
    setup({ staffToken: 's' });
    let definition;
    global.Page = def => { definition = def; };
    const page = require(path.join(SRC, 'utils/page'));
    definition = page.staff({ data: {}, loadOn: 'none' });
    const state = { data: Object.assign({}, definition.data) };
    state.setData = patch => Object.assign(state.data, patch);
    let rejectIt;
    const first = definition.act.call(state, () => new Promise((resolve, reject) => { rejectIt = reject; }));
    const ApiError = require(path.join(SRC, 'utils/request')).ApiError;
    expect(state.data.submitting).toBe(true);
    expect(await definition.act.call(state, () => { throw new Error('must not run'); })).toBeNull();
    rejectIt(new ApiError(422, { code: 'validation_error', message: '填写的内容有误', errors: { title: ['标题太长'] } }));
    expect(await first).toBeNull();
    expect(state.data).toMatchObject({ submitting: false, errors: { title: '标题太长' }, message: '' });
    expect(global.wx.__toasts()).toEqual(['填写的内容有误']);
  });
});

test('a program error never reaches the person in English', async () => {
  setup({ staffToken: 's' });
  global.Page = () => {};
  const page = require(path.join(SRC, 'utils/page'));
  const definition = page.staff({ data: {}, loadOn: 'none', load: () => { throw new TypeError('Cannot read properties of undefined'); } });
  const state = { data: Object.assign({}, definition.data), query: {} };
  state.setData = patch => Object.assign(state.data, patch);
  state.load = definition.load;
  await definition.act.call(state, () => { throw new TypeError('x is not a function'); });
  expect(global.wx.__toasts()).toEqual(['操作没有成功，请稍后再试']);
  await definition.reload.call(state);
  expect(state.data.loadError).toBe('操作没有成功，请稍后再试');
});
