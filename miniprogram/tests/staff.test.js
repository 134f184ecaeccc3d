const { setup, loadPage, flush } = require('./harness');
const shapes = require('./shapes');

const STAFF_ME = shapes.staffMe();

afterEach(() => { jest.useRealTimers(); });

describe('staff login and home', () => {
  test('logs in with username and password, keeps the staff token apart', async () => {
    const { wx } = setup({ token: 'member-token' });
    wx.__route('POST', '/api/v1/staff/login', { data: { token: 'staff-token', expires_in: 28800, roles: ['branch_secretary'] } });
    const view = await loadPage('pages/staff/login/login');
    await view.input('.username-input', 'jinshan-sj');
    await view.input('.password-input', 'demo-secretary-2026');
    await view.tap('.submit');
    const sent = wx.__requests('POST', '/api/v1/staff/login')[0];
    expect(sent.data).toEqual({ username: 'jinshan-sj', password: 'demo-secretary-2026' });
    expect(sent.header.Authorization).toBeUndefined();
    expect(wx.__storage.staff_token).toBe('staff-token');
    expect(wx.__storage.token).toBe('member-token');
    expect(wx.__calls('redirectTo')[0].url).toBe('/pages/staff/home/home');
  });

  test.each([
    [401, 'bad_credentials', '账号或密码不对'],
    [423, 'account_locked', '账号已暂时锁定']
  ])('%p %s is explained', async (status, code, text) => {
    const { wx } = setup();
    wx.__route('POST', '/api/v1/staff/login', { status, data: { code, message: 'x' } });
    const view = await loadPage('pages/staff/login/login');
    await view.input('.username-input', 'a');
    await view.input('.password-input', 'b');
    await view.tap('.submit');
    expect(view.text('.login-message')).toContain(text);
    expect(wx.__storage.staff_token).toBeUndefined();
  });

  test('home shows the branch and its meetings with the staff token', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/staff/me', { data: STAFF_ME });
    wx.__route('GET', '/api/v1/events', { data: shapes.page([shapes.event({ id: 8, title: '支委会', kind: 'committee', kind_label: '支委会', starts_at: '2026-03-02T20:00:00+08:00' })]) });
    const view = await loadPage('pages/staff/home/home');
    expect(view.text('.scope-name')).toBe('金山镇流动党员党支部');
    expect(view.text('.staff-event')).toContain('支委会 · 3月2日 周一 20:00');
    expect(wx.__requests('GET', '/api/v1/events')[0].header.Authorization).toBe('Bearer s');
  });
});

describe('create a meeting', () => {
  test('kind picker in Chinese, times in Beijing, geofence from the map', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = STAFF_ME;
    wx.__route('POST', '/api/v1/events', { status: 201, data: shapes.event({ id: 31 }) });
    wx.__script('chooseLocation', { success: { name: '宝安区党群服务中心', address: '深圳市宝安区', latitude: 22.55, longitude: 113.88 } });
    const view = await loadPage('pages/staff/event-new/event-new');
    expect(view.data.kinds.map(k => k.label)).toEqual(['支部党员大会', '支委会', '党小组会', '党课', '主题党日', '组织生活会', '培训', '志愿服务']);
    await view.tap('.submit');
    expect(view.text('.location-error')).toBe('请在地图上选择会场');
    expect(wx.__requests('POST')).toHaveLength(0);

    await view.trigger('.kind-picker', 'change', { value: '3' });
    expect(view.text('.kind-value')).toBe('党课');
    await view.input('.title-input', '第一季度党课');
    await view.trigger('.date-picker', 'change', { value: '2026-03-20' });
    await view.trigger('.start-picker', 'change', { value: '19:30' });
    await view.trigger('.end-picker', 'change', { value: '21:00' });
    await view.tap('.choose-place');
    await view.trigger('.radius-picker', 'change', { value: '3' });
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/events')[0].data).toEqual({
      branch_id: 2, kind: 'lecture', title: '第一季度党课', place_name: '宝安区党群服务中心',
      starts_at: '2026-03-20T19:30:00+08:00', ends_at: '2026-03-20T21:00:00+08:00',
      location: { lat: 22.55, lng: 113.88, radius_m: 500 }
    });
    expect(wx.__calls('redirectTo')[0].url).toBe('/pages/staff/code/code?event_id=31');
  });

  test('an end before the start is caught on the page', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = STAFF_ME;
    const view = await loadPage('pages/staff/event-new/event-new');
    await view.trigger('.start-picker', 'change', { value: '20:00' });
    await view.trigger('.end-picker', 'change', { value: '19:00' });
    await view.tap('.submit');
    expect(view.text('.time-error')).toBe('结束时间要晚于开始时间');
  });
});

describe('rotating check-in code', () => {
  test('downloads the PNG with the token, refreshes every 30 s before the 60 s expiry, keeps the screen on', async () => {
    jest.useFakeTimers();
    const { wx } = setup({ staffToken: 's' });
    let n = 0;
    wx.__route('GET', '/api/v1/events/31/checkin-code', () => ({ status: 200, tempFilePath: 'wxfile://code-' + (++n) + '.png' }));
    const view = await loadPage('pages/staff/code/code', { query: { event_id: '31' } });
    const first = wx.__calls('downloadFile')[0];
    expect(first.url).toBe('http://127.0.0.1:5000/api/v1/events/31/checkin-code?format=png');
    expect(first.header.Authorization).toBe('Bearer s');
    expect(view.exists('.code-image')).toBe(true);
    expect(view.data.src).toBe('wxfile://code-1.png');
    expect(wx.__calls('setKeepScreenOn').map(c => c.keepScreenOn)).toEqual([true]);

    jest.advanceTimersByTime(29000);
    await flush();
    expect(wx.__calls('downloadFile')).toHaveLength(1);
    jest.advanceTimersByTime(1000);
    await flush();
    expect(wx.__calls('downloadFile')).toHaveLength(2);
    expect(view.data.src).toBe('wxfile://code-2.png');
    jest.advanceTimersByTime(30000);
    await flush();
    expect(wx.__calls('downloadFile')).toHaveLength(3);

    view.page.onHide();
    jest.advanceTimersByTime(120000);
    await flush();
    expect(wx.__calls('downloadFile')).toHaveLength(3);
    expect(wx.__calls('setKeepScreenOn').map(c => c.keepScreenOn)).toEqual([true, false]);

    view.page.onShow();
    await flush();
    expect(wx.__calls('downloadFile')).toHaveLength(4);
  });

  test('a failed download is retried within seconds and flagged when the code may have expired', async () => {
    jest.useFakeTimers();
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/events/31/checkin-code', { status: 200, tempFilePath: 'wxfile://a.png' }, { fail: 'downloadFile:fail timeout' });
    const view = await loadPage('pages/staff/code/code', { query: { event_id: '31' } });
    jest.advanceTimersByTime(30000);
    await flush();
    expect(view.data.stale).toBe(false);
    jest.advanceTimersByTime(3000);
    await flush();
    expect(wx.__calls('downloadFile')).toHaveLength(3);
    jest.useRealTimers();
    jest.useFakeTimers({ now: Date.now() + 61000 });
    view.page.refresh();
    await flush();
    expect(view.exists('.stale')).toBe(true);
  });
});

describe('live attendance', () => {
  test('polls while visible and stops on hide; leave decisions', async () => {
    jest.useFakeTimers();
    const { wx, config } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/events/31/attendance',
      { data: shapes.attendance({ expected_count: 3, present: [shapes.attendee({ member: { id: 1, name: '王建国', phone_masked: null }, checked_in_at: '2026-03-20T19:31:00+08:00', late: false, manual: false })],
        absent: [shapes.attendee({ member: { id: 2, name: '李秀英', phone_masked: null } }), shapes.attendee({ leave_reason: '加班', leave_status: 'pending' })] }) },
      { data: shapes.attendance({ expected_count: 3, present: [shapes.attendee({ member: { id: 1, name: '王建国', phone_masked: null }, checked_in_at: '2026-03-20T19:31:00+08:00', late: false, manual: false }),
        shapes.attendee({ member: { id: 2, name: '李秀英', phone_masked: null }, checked_in_at: '2026-03-20T19:40:00+08:00', late: true, manual: false })],
        absent: [shapes.attendee({ leave_reason: '加班', leave_status: 'pending' })] }) });
    wx.__route('GET', '/api/v1/events/31/leaves', { data: { items: [shapes.leave(), shapes.leave({ id: 69, status: 'denied', member: { id: 4, name: '赵六', phone_masked: null } })] } });
    wx.__route('POST', '/api/v1/leaves/70/decision', { data: { leave: shapes.leave({ status: 'approved' }) } });
    const view = await loadPage('pages/staff/attendance/attendance', { query: { event_id: '31' } });
    expect(view.text('.present-count')).toBe('1');
    expect(view.text('.absent-count')).toBe('2');

    jest.advanceTimersByTime(config.attendancePollMs);
    await flush();
    expect(view.text('.present-count')).toBe('2');
    expect(view.texts('.present-item')[1]).toContain('李秀英');
    expect(view.texts('.present-item')[1]).toContain('19:40 迟到');
    const polls = wx.__requests('GET', '/api/v1/events/31/attendance').length;
    expect(polls).toBe(2);

    view.page.onHide();
    jest.advanceTimersByTime(config.attendancePollMs * 10);
    await flush();
    expect(wx.__requests('GET', '/api/v1/events/31/attendance')).toHaveLength(polls);

    expect(view.all('.leave-item')).toHaveLength(1); // decided leaves are not offered again
    expect(view.text('.leave-item')).toContain('张伟：加班');
    await view.tap('.approve');
    expect(wx.__requests('POST', '/api/v1/leaves/70/decision')[0].data).toEqual({ approve: true });
    expect(view.exists('.leave-item')).toBe(false);
  });

  test('denying a leave sends approve: false', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/events/31/attendance', { data: shapes.attendance() });
    wx.__route('GET', '/api/v1/events/31/leaves', { data: { items: [shapes.leave({ id: 71, reason: '私事' })] } });
    wx.__route('POST', '/api/v1/leaves/71/decision', { data: { leave: shapes.leave({ id: 71, status: 'denied' }) } });
    const view = await loadPage('pages/staff/attendance/attendance', { query: { event_id: '31' } });
    await view.tap('.deny');
    expect(wx.__requests('POST', '/api/v1/leaves/71/decision')[0].data).toEqual({ approve: false });
    view.page.onUnload();
  });
});

describe('secretary dues tools', () => {
  test('sets a member\'s standard and shows the monthly amount the server computed', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/members', { data: shapes.page([shapes.member()]) });
    wx.__route('PUT', '/api/v1/members/7/dues-standard', { data: shapes.standard({ income_base_fen: 300001, rate: '0.01', monthly_fen: 3000 }) });
    const view = await loadPage('pages/staff/dues-standard/dues-standard');
    await view.input('.search-input', '王建国');
    await view.tap('.search');
    expect(wx.__requests('GET', '/api/v1/members')[0].url).toContain('q=%E7%8E%8B%E5%BB%BA%E5%9B%BD');
    await view.tap('.member-result');
    await view.input('.base-input', '3000.01');
    await view.tap('.save');
    expect(wx.__requests('PUT', '/api/v1/members/7/dues-standard')[0].data).toEqual({
      year: view.data.year, category: 'salaried', income_base_fen: 300001
    });
    expect(view.text('.standard-result')).toBe('已保存：每月 30.00 元，比例 1%');
  });

  test('hardship needs a reason', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/members', { data: shapes.page([shapes.member()]) });
    const view = await loadPage('pages/staff/dues-standard/dues-standard');
    await view.tap('.search');
    await view.tap('.member-result');
    await view.trigger('.category-picker', 'change', { value: '5' });
    await view.tap('.save');
    expect(view.text('.reason-error')).toContain('原因');
    expect(wx.__requests('PUT')).toHaveLength(0);
  });

  test.each([
    ['farmer', '2', '0.5', 50, '0.50 元'],
    ['hardship', '5', '0', 0, '0.00 元']
  ])('%s sends the branch-set monthly amount', async (category, pickerIndex, typed, fen, shown) => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/members', { data: shapes.page([shapes.member()]) });
    wx.__route('PUT', '/api/v1/members/7/dues-standard', { data: shapes.standard({ category, income_base_fen: null, rate: null, monthly_fen: fen }) });
    const view = await loadPage('pages/staff/dues-standard/dues-standard');
    await view.tap('.search');
    await view.tap('.member-result');
    await view.trigger('.category-picker', 'change', { value: pickerIndex });
    await view.tap('.save');
    expect(view.text('.amount-error')).toBe('请输入金额');
    await view.input('.amount-input', typed);
    await view.input('.reason-input', '家中遭灾');
    await view.tap('.save');
    expect(wx.__requests('PUT', '/api/v1/members/7/dues-standard')[0].data).toEqual({
      year: view.data.year, category, monthly_fen: fen, reason: '家中遭灾'
    });
    expect(view.text('.standard-result')).toBe('已保存：每月 ' + shown);
  });

  test('arrears list of the secretary\'s branch', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = STAFF_ME;
    wx.__route('GET', '/api/v1/branches/2/dues/arrears', { data: { month: '2026-03', branch: { id: 2, name: '金山镇流动党员党支部' }, members: [shapes.arrearsRow()] } });
    const view = await loadPage('pages/staff/arrears/arrears');
    expect(view.text('.arrears-item')).toContain('王建国');
    expect(view.text('.arrears-item')).toContain('7 个月未交');
    expect(view.text('.arrears-item')).toContain('2025年8月');
    expect(view.text('.arrears-item')).toContain('2025年9月起未交');
    expect(view.text('.arrears-item')).toContain('已满6个月');
  });
});
