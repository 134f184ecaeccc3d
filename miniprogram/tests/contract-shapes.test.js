// The pages fed with the server's own answers. The JSON files in tests/fixtures/ are generated from the running
// Flask service by tests/miniprogram/test_response_fixtures.py, which also fails when the server's shapes drift
// from them; here the same files go through the pages, so both sides are held to one set of shapes.
const fs = require('fs');
const path = require('path');
const { setup, loadPage, flush } = require('./harness');

const FIXTURES = path.join(__dirname, 'fixtures');

function fixture(name) {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name + '.json'), 'utf8'));
}

// A fixture as the wx mock's answer: the real status and body.
function answer(name) {
  const f = fixture(name);
  return { status: f.status, data: f.body };
}

function body(name) {
  return fixture(name).body;
}

function requireSrc(rel) {
  return require(path.join(__dirname, '..', 'src', rel));
}

function lastUrl(wx, api) {
  const calls = wx.__calls(api);
  return calls.length ? calls[calls.length - 1].url : '';
}

function queryOf(url) {
  const out = {};
  url.split('?')[1].split('&').forEach(kv => { const [k, v] = kv.split('='); out[k] = decodeURIComponent(v); });
  return out;
}

// The generated data is dated when it was generated: run the pages at that moment.
beforeEach(() => { jest.useFakeTimers({ now: new Date(body('report-created').created_at) }); });
afterEach(() => { jest.useRealTimers(); });

test('every response fixture is used by this file', () => {
  const used = ['auth-login', 'auth-bind', 'me', 'report-created', 'me-reports', 'staff-login', 'staff-me', 'event-created',
    'staff-events', 'checkin-outside-area', 'checkin-created', 'leave-created', 'me-events', 'me-checkins', 'attendance',
    'event-leaves', 'me-dues', 'order-created', 'order-pending', 'order-status', 'me-dues-orders', 'campaigns',
    'members-search', 'dues-standard-set', 'arrears', 'manual-checkin', 'compliance', 'lost-contact',
    'lost-contact-dismissed', 'notice-created', 'me-notices', 'notice-detail', 'notice-unread', 'staff-notices',
    'evaluation-recorded', 'branch-evaluations', 'member-dues', 'payment-recorded', 'payment-reversed', 'me-receipts',
    'townships-public', 'branches-public', 'registration-created', 'registrations-pending', 'registration-decided',
    'registration-mine', 'transfer-created', 'dues-reminders'];
  const files = fs.readdirSync(FIXTURES).filter(f => !f.endsWith('.request.json')).map(f => f.replace(/\.json$/, ''));
  expect(files.sort()).toEqual(used.sort());
});

describe('member', () => {
  test('login: the token is kept and an unbound account is sent to bind', async () => {
    const { wx } = setup();
    wx.__route('POST', '/api/v1/auth/login', answer('auth-login'));
    await requireSrc('utils/auth').login();
    expect(wx.__storage.token).toBe(body('auth-login').token);
    expect(wx.__storage.bound).toBe(body('auth-login').bound);
    expect(lastUrl(wx, 'reLaunch')).toBe('/pages/bind/bind');
  });

  test('bind: the answer leads home', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('POST', '/api/v1/auth/bind', answer('auth-bind'));
    const view = await loadPage('pages/bind/bind');
    await view.input('.name-input', body('auth-bind').member.name);
    await view.input('.id-input', '11010519491231002X');
    await view.tap('.plain-bind');
    expect(wx.__storage.bound).toBe(true);
    expect(lastUrl(wx, 'reLaunch')).toBe('/pages/index/index');
  });

  test('home: profile, branches and what is left to do', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', answer('me'));
    wx.__route('GET', '/api/v1/me/reports', answer('me-reports'));
    wx.__route('GET', '/api/v1/me/events', answer('me-events'));
    wx.__route('GET', '/api/v1/me/dues', answer('me-dues'));
    const view = await loadPage('pages/index/index');
    const member = body('me').member;
    expect(view.text('.member-name')).toBe(member.name + ' 同志');
    expect(view.text('.mobile-branch')).toBe(member.mobile_branch.name);
    expect(view.text('.home-branch')).toBe(member.branch.name);
    expect(view.text('.member-status')).toBe('正常');
    // Reported this month, checked in at one meeting and asked leave for the other: only the dues remain.
    expect(view.exists('.step-report')).toBe(false);
    expect(view.exists('.step-meeting')).toBe(false);
    expect(view.text('.step-dues')).toContain('有 ' + body('me-dues').owed.length + ' 个月党费未交');
  });

  test('report-in: last report prefilled, the new one posted', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/reports', answer('me-reports'));
    wx.__route('POST', '/api/v1/me/reports', answer('report-created'));
    wx.__script('getLocation', { success: { latitude: 22.55, longitude: 113.88, accuracy: 20 } });
    const view = await loadPage('pages/report/report');
    const last = body('me-reports').items[0];
    expect(view.data.city).toBe(last.city);
    expect(view.data.employer).toBe(last.employer);
    await view.tap('.submit');
    await flush();
    expect(wx.__toasts()).toContain('报到成功');
  });

  test('meetings: titles, places and the member\'s own state', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/events', answer('me-events'));
    const view = await loadPage('pages/events/events');
    const items = body('me-events').items;
    expect(view.texts('.event-title')).toEqual(items.map(e => e.title));
    expect(view.texts('.event-state')).toEqual(['已签到', '请假待批']);
    expect(view.text('.event-item')).toContain('地点：' + items[0].place_name);
    expect(view.all('.ask-leave')).toHaveLength(0);
  });

  test('check-in: 201 is a success page', async () => {
    const { wx } = setup({ token: 't', bound: true });
    const id = body('checkin-created').checkin.event_id;
    wx.__route('POST', '/api/v1/events/' + id + '/checkins', answer('checkin-created'));
    await loadPage('pages/checkin/checkin', { query: { scene: id + '.abc' } });
    const result = await loadPage('pages/checkin-result/checkin-result', { query: queryOf(lastUrl(wx, 'redirectTo')) });
    expect(result.text('.result-title')).toBe('签到成功');
  });

  test('check-in: 422 checkin_outside_area tells the distance', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('POST', '/api/v1/events/5/checkins', answer('checkin-outside-area'));
    await loadPage('pages/checkin/checkin', { query: { scene: '5.abc' } });
    const result = await loadPage('pages/checkin-result/checkin-result', { query: queryOf(lastUrl(wx, 'redirectTo')) });
    expect(result.text('.result-title')).toBe('不在会场范围内');
    expect(result.text('.result-message')).toContain('约 ' + body('checkin-outside-area').distance_m + ' 米');
  });

  test('leave: the 201 answer shows the request as sent', async () => {
    const { wx } = setup({ token: 't', bound: true });
    const leave = body('leave-created').leave;
    wx.__route('POST', '/api/v1/events/' + leave.event_id + '/leave', answer('leave-created'));
    const view = await loadPage('pages/leave/leave', { query: { event_id: String(leave.event_id), title: '会议' } });
    await view.input('.reason-input', leave.reason);
    await view.tap('.submit');
    expect(view.exists('.leave-done')).toBe(true);
  });

  test('check-in history', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/checkins', answer('me-checkins'));
    const view = await loadPage('pages/my-checkins/my-checkins');
    expect(view.text('.checkin-item')).toContain(body('me-checkins').items[0].event.title);
    expect(view.data.more).toBe(false);
  });
});

describe('dues', () => {
  const money = () => requireSrc('utils/money');

  test('my dues, an order paid and confirmed by the service', async () => {
    const { wx } = setup({ token: 't', bound: true });
    const dues = body('me-dues');
    const order = body('order-created');
    wx.__route('GET', '/api/v1/me/dues', answer('me-dues'));
    wx.__route('POST', '/api/v1/dues/orders', answer('order-created'));
    wx.__route('GET', '/api/v1/dues/orders/' + order.order_no, answer('order-status'));
    const view = await loadPage('pages/dues/dues');
    expect(view.text('.monthly')).toBe(money().formatFen(dues.monthly_fen));
    expect(view.text('.owed-count')).toBe(dues.owed.length + ' 个月');
    expect(view.data.choices[view.data.choices.length - 1].month <= dues.payable_to).toBe(true);
    await view.tapNth('.month-choice', 0); // only the earliest owed month, as the fixture's order
    const paying = view.page.pay();
    await flush();
    jest.advanceTimersByTime(1);
    await flush();
    await paying;
    expect(wx.__requests('POST', '/api/v1/dues/orders')[0].data).toEqual({ months: order.months });
    expect(wx.__calls('requestPayment')[0]).toMatchObject(order.pay_params);
    expect(view.data.payState).toBe('paid');
  });

  test('409 order_pending: offers to finish the blocking order, never a second payment', async () => {
    const { wx } = setup({ token: 't', bound: true });
    const pending = body('order-pending');
    wx.__route('GET', '/api/v1/me/dues', answer('me-dues'));
    wx.__route('POST', '/api/v1/dues/orders', answer('order-pending'));
    wx.__route('GET', '/api/v1/dues/orders/' + pending.order_no, { data: Object.assign({}, body('order-status'), { status: 'pending', paid_at: null }) });
    const view = await loadPage('pages/dues/dues');
    await view.page.pay();
    expect(wx.__calls('requestPayment')).toHaveLength(0);
    expect(view.data.payState).toBe('pending_elsewhere');
    expect(view.text('.resume')).toContain(money().formatFen(pending.amount_fen));
    expect(view.data.resume.months).toEqual(pending.months);
  });

  test('payment history', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/dues/orders', answer('me-dues-orders'));
    wx.__route('GET', '/api/v1/me', answer('me'));
    const view = await loadPage('pages/dues-orders/dues-orders');
    const orders = body('me-dues-orders').orders;
    expect(view.texts('.order-amount')).toEqual(orders.map(o => money().formatFen(o.amount_fen)));
    expect(view.texts('.order-what')[0]).toContain('党费');
    await view.tap('.order-item');
    expect(view.text('.receipt')).toContain(orders[0].order_no);
    expect(view.text('.receipt')).toContain(body('me').member.name);
  });

  test('receipts: WeChat and branch payments, each opening its PDF', async () => {
    const { wx } = setup({ token: 't', bound: true });
    const items = body('me-receipts').items;
    wx.__route('GET', '/api/v1/me/dues/receipts', answer('me-receipts'));
    const view = await loadPage('pages/receipts/receipts');
    expect(view.texts('.receipt-amount')).toEqual(items.map(r => money().formatFen(r.amount_fen)));
    expect(view.text('.receipt-item')).toContain(items[0].receipt_no);
  });

  test('special dues: the open campaigns', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/dues/campaigns', answer('campaigns'));
    const view = await loadPage('pages/campaigns/campaigns');
    expect(view.data.selectedId).toBe(body('campaigns')[0].id);
    expect(view.data.campaigns[0].title).toBe(body('campaigns')[0].title);
  });
});

describe('secretary', () => {
  test('login and home', async () => {
    const { wx } = setup();
    wx.__route('POST', '/api/v1/staff/login', answer('staff-login'));
    const login = await loadPage('pages/staff/login/login');
    await login.input('.username-input', body('staff-me').username);
    await login.input('.password-input', 'demo-secretary-2026');
    await login.tap('.submit');
    expect(wx.__storage.staff_token).toBe(body('staff-login').token);

    wx.__route('GET', '/api/v1/staff/me', answer('staff-me'));
    wx.__route('GET', '/api/v1/events', answer('staff-events'));
    const home = await loadPage('pages/staff/home/home');
    expect(home.text('.scope-name')).toBe(body('staff-me').scope.name);
    expect(home.text('.staff-event')).toContain(body('staff-events').items[0].title);
  });

  test('a cash payment for the owed months (arrears older than six months too), then its reversal', async () => {
    const { wx } = setup({ staffToken: 's' });
    const dues = body('member-dues');
    const recorded = body('payment-recorded').payment;
    wx.__storage.staff_me = body('staff-me');
    wx.__route('GET', '/api/v1/members', answer('members-search'));
    wx.__route('GET', '/api/v1/members/' + dues.member_id + '/dues', answer('member-dues'));
    wx.__route('POST', '/api/v1/branches/' + body('staff-me').scope.id + '/dues/payments', answer('payment-recorded'));
    wx.__route('POST', '/api/v1/dues/payments/' + recorded.id + '/reverse', answer('payment-reversed'));
    const view = await loadPage('pages/staff/payment/payment');
    await view.tapNth('.member-result', 0);
    expect(view.texts('.month-choice')).toHaveLength(dues.owed.length);
    await view.tapNth('.month-choice', recorded.months.length - 1);
    await view.tap('.submit');
    const sent = wx.__requests('POST', '/api/v1/branches/' + body('staff-me').scope.id + '/dues/payments')[0].data;
    expect(sent.months).toEqual(recorded.months);
    expect(sent.amount_fen).toBe(recorded.amount_fen);
    expect(view.text('.receipt-no')).toBe(recorded.receipt_no);
    await view.input('.reason-input', '记错了月份');
    await view.tap('.reverse');
    expect(view.exists('.reversed')).toBe(true);
  });

  test('a new meeting sends exactly the fields the service takes', async () => {
    const { wx } = setup({ staffToken: 's' });
    const sent = fixture('event-create.request');
    wx.__storage.staff_me = body('staff-me');
    wx.__route('POST', '/api/v1/events', answer('event-created'));
    wx.__script('chooseLocation', { success: { name: sent.place_name, latitude: 22.55, longitude: 113.88 } });
    const view = await loadPage('pages/staff/event-new/event-new');
    await view.input('.title-input', sent.title);
    await view.tap('.choose-place');
    await view.tap('.submit');
    const data = wx.__requests('POST', '/api/v1/events')[0].data;
    expect(Object.keys(data).sort()).toEqual(Object.keys(sent).sort());
    expect(Object.keys(data.location).sort()).toEqual(Object.keys(sent.location).sort());
    expect(lastUrl(wx, 'redirectTo')).toBe('/pages/staff/code/code?event_id=' + body('event-created').id);
  });

  test('live attendance and leave requests', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/events/9/attendance', answer('attendance'));
    wx.__route('GET', '/api/v1/events/9/leaves', answer('event-leaves'));
    const view = await loadPage('pages/staff/attendance/attendance', { query: { event_id: '9' } });
    const att = body('attendance');
    expect(view.text('.present-count')).toBe(String(att.present.length));
    expect(view.text('.absent-count')).toBe(String(att.absent.length));
    expect(view.texts('.present-item')[0]).toContain(att.present[0].member.name);
    const leave = body('event-leaves').items[0];
    expect(view.text('.leave-item')).toContain(leave.member.name + '：' + leave.reason);
    view.page.onUnload();
  });

  test('dues standard: search, save, the computed amount and rate', async () => {
    const { wx } = setup({ staffToken: 's' });
    const found = body('members-search').items[0];
    const saved = body('dues-standard-set');
    wx.__route('GET', '/api/v1/members', answer('members-search'));
    wx.__route('PUT', '/api/v1/members/' + found.id + '/dues-standard', answer('dues-standard-set'));
    const view = await loadPage('pages/staff/dues-standard/dues-standard');
    await view.input('.search-input', found.name);
    await view.tap('.search');
    expect(view.text('.member-result')).toContain(found.id_number_masked);
    await view.tap('.member-result');
    await view.input('.base-input', String(saved.income_base_fen / 100));
    await view.tap('.save');
    const percent = (Number(saved.rate) * 100).toFixed(1).replace(/\.0$/, '') + '%';
    expect(view.text('.standard-result')).toBe('已保存：每月 ' + requireSrc('utils/money').formatFen(saved.monthly_fen) + '，比例 ' + percent);
  });

  test('arrears of the branch', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = body('staff-me');
    wx.__route('GET', '/api/v1/branches/' + body('staff-me').scope.id + '/dues/arrears', answer('arrears'));
    const view = await loadPage('pages/staff/arrears/arrears');
    const row = body('arrears').members[0];
    expect(view.text('.arrears-item')).toContain(row.name);
    expect(view.text('.arrears-item')).toContain(row.months_unpaid + ' 个月未交');
    expect(view.text('.arrears-item')).toContain('已满6个月');
  });

  test('who was reminded, and who cannot be', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = body('staff-me');
    wx.__route('GET', '/api/v1/branches/' + body('staff-me').scope.id + '/dues/reminders', answer('dues-reminders'));
    const view = await loadPage('pages/staff/reminders/reminders');
    const sent = body('dues-reminders').items[0];
    expect(view.text('.reminder-item')).toContain(sent.member.name);
    expect(view.text('.reminder-item .what')).toBe(sent.kind_label + '（' + requireSrc('utils/format').formatMonth(sent.period) + '）');
    expect(view.text('.reminder-item .outcome')).toBe('已发送');
    expect(view.texts('.missing-item .why')).toEqual(['未授权：党费提醒、报到提醒', '未绑定微信，收不到任何提醒']);
  });

  test('补签 from the attendance list', async () => {
    const { wx } = setup({ staffToken: 's' });
    const done = body('manual-checkin').checkin;
    wx.__route('POST', '/api/v1/events/' + done.event_id + '/manual-checkins', answer('manual-checkin'));
    const view = await loadPage('pages/staff/manual-checkin/manual-checkin', { query: {
      event_id: String(done.event_id), member_id: String(done.member_id), name: '李秀英' } });
    await view.input('.reason-input', done.reason);
    await view.tap('.submit');
    expect(wx.__requests('POST')[0].data).toEqual({ member_id: done.member_id, reason: done.reason });
    expect(view.exists('.manual-done')).toBe(true);
  });

  test('compliance of the quarter, rule by rule', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = body('staff-me');
    wx.__route('GET', '/api/v1/branches/' + body('staff-me').scope.id + '/compliance', answer('compliance'));
    const view = await loadPage('pages/staff/compliance/compliance');
    const c = body('compliance');
    expect(view.texts('.compliance-label')).toEqual(c.items.map(i => i.label));
    expect(view.text('.overall')).toContain({ met: '已达标', missed: '未达标', pending: '进行中' }[c.status]);
    expect(view.texts('.miss-rule')).toEqual(c.misses.map(m => expect.stringContaining(m.rule)));
    expect(view.texts('.due-title').length).toBe(c.due.length);
  });

  test('lost-contact flags, one dismissed', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = body('staff-me');
    const flag = body('lost-contact').items[0];
    wx.__route('GET', '/api/v1/lost-contact', answer('lost-contact'));
    wx.__route('POST', '/api/v1/lost-contact/' + flag.member.id + '/dismiss', answer('lost-contact-dismissed'));
    const view = await loadPage('pages/staff/lost-contact/lost-contact');
    expect(view.text('.flag-item')).toContain(flag.member.name);
    expect(view.text('.flag-item')).toContain(flag.member.phone_masked);
    await view.tap('.dismiss');
    await view.input('.reason-input', body('lost-contact-dismissed').reason);
    await view.tap('.confirm-action');
    expect(wx.__toasts()).toContain('已排除');
  });

  test('a notice published to the branch, its read counts and who has not read it', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = body('staff-me');
    const created = body('notice-created');
    wx.__route('POST', '/api/v1/notices', answer('notice-created'));
    wx.__route('GET', '/api/v1/notices/' + created.id, answer('notice-detail'));
    wx.__route('GET', '/api/v1/notices/' + created.id + '/unread', answer('notice-unread'));
    wx.__route('GET', '/api/v1/notices', answer('staff-notices'));
    const form = await loadPage('pages/staff/notice-new/notice-new');
    await form.input('.title-input', created.title);
    await form.input('.body-input', created.body);
    await form.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/notices')[0].data).toEqual({
      title: created.title, body: created.body, branch_id: body('staff-me').scope.id });
    expect(lastUrl(wx, 'redirectTo')).toBe('/pages/staff/notice/notice?id=' + created.id);
    const detail = await loadPage('pages/staff/notice/notice', { query: { id: String(created.id) } });
    expect(detail.text('.read-count')).toBe(String(body('notice-detail').read_count));
    expect(detail.text('.notice-audience')).toBe(body('notice-detail').audience.name);
    expect(detail.texts('.unread-name')).toEqual(body('notice-unread').items.map(m => m.name));
    expect(detail.texts('.unread-phone')).toEqual(body('notice-unread').items.map(m => m.phone_masked));
    const list = await loadPage('pages/staff/notices/notices');
    expect(list.texts('.staff-notice-title')).toEqual(body('staff-notices').items.map(n => n.title));
  });

  test('the branch\u2019s democratic evaluation of last year, one recorded', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = body('staff-me');
    const listed = body('branch-evaluations');
    wx.__route('GET', '/api/v1/branches/' + listed.branch.id + '/evaluations', answer('branch-evaluations'));
    const view = await loadPage('pages/staff/evaluations/evaluations');
    await view.trigger('.year-picker', 'change', { value: String(view.data.years.indexOf(listed.year)) });
    expect(lastUrl(wx, 'request')).toContain('year=' + listed.year);
    expect(view.texts('.member-name')).toEqual(listed.items.map(i => i.member.name));
    expect(view.texts('.grade-label')).toEqual(listed.items.map(i => (i.evaluation ? i.evaluation.grade : '未评议')));
    const recorded = body('evaluation-recorded');
    const row = listed.items.findIndex(i => i.member.id === recorded.member_id);
    wx.__route('PUT', '/api/v1/members/' + recorded.member_id + '/evaluations/' + recorded.year, answer('evaluation-recorded'));
    await view.tapNth('.evaluate', row);
    await view.tap('.save');
    expect(wx.__requests('PUT')[0].data.grade).toBe(recorded.grade);
    expect(wx.__toasts()).toContain('已保存');
  });
});

describe('member notices', () => {
  test('the home badge and the list from the service\u2019s answer', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', answer('me'));
    wx.__route('GET', '/api/v1/me/notices', answer('me-notices'));
    const home = await loadPage('pages/index/index');
    expect(home.text('.unread-badge')).toBe(body('me-notices').unread + ' 条未读');
    const list = await loadPage('pages/notices/notices');
    expect(list.texts('.notice-item')[0]).toContain(body('me-notices').items[0].title);
  });
});

describe('registration and transfer (CONTRACT §10, §13)', () => {
  test('the form lists the server\'s townships and branches to an unbound account and files the request', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/townships', answer('townships-public'));
    wx.__route('GET', '/api/v1/branches', answer('branches-public'));
    wx.__route('POST', '/api/v1/auth/registrations', answer('registration-created'));
    const view = await loadPage('pages/register/register', { query: { name: '刘芳', id_number: '11010519491231002X' } });
    const township = body('townships-public').items[0];
    const branch = body('branches-public').items[0];
    expect(view.data.typedIds).toBe(false);
    await view.trigger('.township-picker', 'change', { value: '0' });
    await view.trigger('.branch-picker', 'change', { value: '0' });
    expect(view.text('.township-value')).toBe(township.name);
    expect(view.text('.branch-value')).toBe(branch.name);
    await view.input('.phone-input', '13800000000');
    await view.input('.home-branch-input', '金山村党支部');
    await view.trigger('.left-on-picker', 'change', { value: '2025-06-01' });
    await view.input('.destination-input', '深圳市');
    await view.input('.employer-input', '某某电子厂');
    await view.tap('.submit');
    const sent = wx.__requests('POST', '/api/v1/auth/registrations')[0].data;
    expect(sent).toMatchObject({ township_id: township.id, mobile_branch_id: branch.id, phone: '13800000000' });
    expect(lastUrl(wx, 'redirectTo')).toBe('/pages/registration/registration');
  });

  test('the status page shows the denial and its reason', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/auth/registrations/mine', answer('registration-mine'));
    const view = await loadPage('pages/registration/registration');
    expect(view.text('.registration-status')).toBe('没有通过');
    expect(view.text('.deny-reason')).toContain(body('registration-mine').registration.note);
    expect(view.exists('.register-again')).toBe(true);
  });

  test('the secretary\'s pending list, masked, then a denial with its note', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = body('staff-me');
    const item = body('registrations-pending').items[0];
    wx.__route('GET', '/api/v1/registrations', answer('registrations-pending'));
    wx.__route('POST', '/api/v1/registrations/' + item.id + '/decision', answer('registration-decided'));
    const view = await loadPage('pages/staff/registrations/registrations');
    expect(view.text('.registration-item')).toContain(item.name);
    expect(view.text('.registration-item')).toContain(item.id_number_masked);
    await view.tap('.deny');
    await view.input('.note-input', body('registration-decided').registration.note);
    await view.tap('.confirm-deny');
    expect(wx.__requests('POST', '/api/v1/registrations/' + item.id + '/decision')[0].data)
      .toEqual({ approve: false, note: body('registration-decided').registration.note });
    expect(wx.__toasts()).toContain('已退回');
  });

  test('a transfer answer shows its letter number and opens the letter', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = body('staff-me');
    const t = body('transfer-created').transfer;
    wx.__route('GET', '/api/v1/members', answer('members-search'));
    wx.__route('POST', '/api/v1/members/' + body('members-search').items[0].id + '/transfers', answer('transfer-created'));
    wx.__route('GET', '/api/v1/transfers/' + t.id + '/letter', { status: 200, tempFilePath: 'wxfile://tmp/letter.pdf' });
    const view = await loadPage('pages/staff/transfer/transfer');
    await view.tap('.search');
    await view.tap('.member-result');
    await view.input('.destination-input', t.destination);
    await view.input('.reason-input', t.reason);
    await view.tap('.submit');
    expect(view.text('.letter-no')).toBe(t.letter_no);
    expect(view.text('.letter-paid-through')).toBe('没有缴费记录');
    await view.tap('.open-letter');
    expect(wx.__calls('downloadFile')[0].url).toContain('/api/v1/transfers/' + t.id + '/letter?format=pdf');
  });
});
