const { setup, loadPage, settle } = require('./harness');
const shapes = require('./shapes');

const ME = {
  member: shapes.member({ branch: { id: 3, name: '金山镇杨庄村党支部' } }),
  roles: ['member']
};

describe('bind page', () => {
  async function filled(wx) {
    const view = await loadPage('pages/bind/bind');
    await view.input('.name-input', '王建国');
    await view.input('.id-input', '11010519491231002x');
    return view;
  }

  test('checks the ID number in the page before asking the server', async () => {
    const { wx } = setup({ token: 't', bound: false });
    const view = await loadPage('pages/bind/bind');
    await view.input('.name-input', '王建国');
    await view.input('.id-input', '110105194912310021');
    await view.tap('.plain-bind');
    expect(view.text('.id-error')).toContain('校验不对');
    expect(wx.__requests('POST', '/api/v1/auth/bind')).toHaveLength(0);
  });

  test('binds with the phone code and goes home', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('POST', '/api/v1/auth/bind', { status: 200, data: { member: ME.member } });
    const view = await filled(wx);
    await view.trigger('.phone-bind', 'getphonenumber', { code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' });
    expect(wx.__requests('POST', '/api/v1/auth/bind')[0].data).toEqual({
      name: '王建国', id_number: '11010519491231002X', phone_code: 'phone-code-1'
    });
    expect(wx.__storage.bound).toBe(true);
    expect(wx.__calls('reLaunch').map(c => c.url)).toEqual(['/pages/index/index']);
  });

  test('a refused phone number still binds, without phone_code', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('POST', '/api/v1/auth/bind', { status: 200, data: { member: ME.member } });
    const view = await filled(wx);
    await view.trigger('.phone-bind', 'getphonenumber', { errMsg: 'getPhoneNumber:fail user deny' });
    expect(wx.__requests('POST', '/api/v1/auth/bind')[0].data).toEqual({ name: '王建国', id_number: '11010519491231002X' });
  });

  test.each([
    [404, 'roster_no_match', '没有找到与这个姓名和身份证号相符的党员'],
    [409, 'already_bound', '已经绑定了另一个微信号'],
    [429, 'rate_limited', '请一小时后再试']
  ])('%p %s gives friendly Chinese text on the page', async (status, code, text) => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('POST', '/api/v1/auth/bind', { status, data: { code, message: 'server text' } });
    const view = await filled(wx);
    await view.tap('.plain-bind');
    expect(view.text('.bind-message')).toContain(text);
    expect(wx.__calls('reLaunch')).toEqual([]);
    expect(wx.__storage.bound).toBe(false);
    expect(view.data.submitting).toBe(false);
  });

  test('server field errors are shown under the fields', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('POST', '/api/v1/auth/bind', { status: 422, data: { code: 'validation_error', message: '填写有误', errors: { name: ['姓名太长'] } } });
    const view = await filled(wx);
    await view.tap('.plain-bind');
    expect(view.text('.name-error')).toBe('姓名太长');
    expect(view.text('.bind-message')).toBe('填写有误');
  });
});

describe('home page', () => {
  test('shows the member, branches, status, paid_through and the next steps', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', { data: ME });
    wx.__route('GET', '/api/v1/me/reports', { data: shapes.page([shapes.report({ month: '2025-12', created_at: '2025-12-03T10:00:00+08:00' })]) });
    wx.__route('GET', '/api/v1/me/events', {
      data: shapes.page([shapes.myEvent({ id: 9, title: '3月主题党日', place_name: '宝安区党群服务中心', my_state: 'none' })])
    });
    wx.__route('GET', '/api/v1/me/dues', { data: shapes.myDues({ owed: [{ month: '2026-02', amount_fen: 1500 }, { month: '2026-03', amount_fen: 1500 }] }) });
    const view = await loadPage('pages/index/index');
    expect(view.text('.member-name')).toBe('王建国 同志');
    expect(view.text('.mobile-branch')).toBe('金山镇流动党员党支部');
    expect(view.text('.home-branch')).toBe('金山镇杨庄村党支部');
    expect(view.text('.member-status')).toBe('正常');
    expect(view.text('.paid-through')).toBe('2026年1月');
    expect(view.text('.step-report')).toContain('本月还没有报到');
    expect(view.text('.step-meeting')).toContain('3月主题党日');
    expect(view.text('.step-meeting')).toContain('3月5日 周四 19:30');
    expect(view.text('.step-meeting')).toContain('宝安区党群服务中心');
    expect(view.text('.step-dues')).toContain('2 个月党费未交');
    expect(view.text('.step-dues')).toContain('30.00 元');
    expect(wx.__requests('GET', '/api/v1/me')[0].header.Authorization).toBe('Bearer t');
  });

  test('nothing to do once reported, checked in and paid up', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', { data: ME });
    wx.__route('GET', '/api/v1/me/reports', { data: shapes.page([shapes.report({ id: 2, created_at: new Date().toISOString() })]) });
    wx.__route('GET', '/api/v1/me/events', { data: shapes.page([
      shapes.myEvent({ id: 9, title: '会', starts_at: new Date().toISOString(), my_state: 'present' }),
      shapes.myEvent({ id: 10, title: '请了假的会', starts_at: new Date().toISOString(), my_state: 'leave_pending' })
    ]) });
    wx.__route('GET', '/api/v1/me/dues', { data: shapes.myDues({ paid_through: '2099-01', owed: [] }) });
    const view = await loadPage('pages/index/index');
    expect(view.exists('.all-done')).toBe(true);
    expect(view.all('.step')).toHaveLength(1);
  });

  test('an unbound account loads nothing (launch already sent it to bind)', async () => {
    const { wx } = setup({ token: 't', bound: false });
    const view = await loadPage('pages/index/index');
    expect(wx.__requests()).toHaveLength(0);
    expect(view.exists('.member-name')).toBe(false);
  });

  test('a failed launch login shows the error, and reload logs in again', async () => {
    const { wx } = setup();
    wx.__route('POST', '/api/v1/auth/login', { fail: 'request:fail timeout' });
    const view = await loadPage('pages/index/index');
    expect(view.text('.load-error')).toContain('网络不太好');
    wx.__route('POST', '/api/v1/auth/login', { data: { token: 'tok', bound: true, roles: ['member'] } });
    wx.__route('GET', '/api/v1/me', { data: ME });
    await view.tap('.retry');
    expect(view.text('.member-name')).toBe('王建国 同志');
  });

  test('a network failure offers a reload, which works', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', { fail: 'request:fail timeout' });
    const view = await loadPage('pages/index/index');
    await settle();
    expect(view.text('.load-error')).toContain('网络不太好，请稍后再试');
    expect(wx.__requests('GET', '/api/v1/me')).toHaveLength(3);
    wx.__route('GET', '/api/v1/me', { data: ME });
    await view.tap('.retry');
    expect(view.exists('.load-error')).toBe(false);
    expect(view.text('.member-name')).toBe('王建国 同志');
  });
});

describe('report-in page', () => {
  function routes(wx) {
    wx.__route('GET', '/api/v1/me/reports', { data: shapes.page([shapes.report()]) });
    wx.__route('POST', '/api/v1/me/reports', { status: 201, data: shapes.report({ id: 2 }) });
  }

  test('prefills last month and sends the location when allowed', async () => {
    const { wx } = setup({ token: 't', bound: true });
    routes(wx);
    wx.__script('getLocation', { success: { latitude: 22.55, longitude: 113.88, accuracy: 20 } });
    const view = await loadPage('pages/report/report');
    expect(view.texts('.history-item')[0]).toContain('深圳市');
    expect(view.data.employer).toBe('富士康');
    await view.tap('.submit');
    expect(wx.__calls('getLocation')[0].type).toBe('gcj02');
    expect(wx.__requests('POST', '/api/v1/me/reports')[0].data).toEqual({
      city: '深圳市', address: '宝安区西乡街道', employer: '富士康', lat: 22.55, lng: 113.88
    });
    expect(wx.__toasts()).toContain('报到成功');
    // After reporting in, a tap away from the reminder grant.
    wx.__script('requestSubscribeMessage', { success: { 'report-reminder-dev': 'reject', 'meeting-reminder-dev': 'reject' } });
    await view.tap('.ask-reminders');
    expect(wx.__calls('requestSubscribeMessage')).toHaveLength(1);
    expect(wx.__calls('requestSubscribeMessage')[0].tmplIds).toEqual(['report-reminder-dev', 'meeting-reminder-dev']);
    expect(wx.__requests('POST', '/api/v1/me/subscriptions')).toHaveLength(0);
    expect(wx.__toasts()).toContain('没有开启提醒');
  });

  test('after reporting in, an accepted report-in reminder is posted to the service, one POST per accepted template', async () => {
    const { wx, config } = setup({ token: 't', bound: true });
    routes(wx);
    wx.__route('POST', '/api/v1/me/subscriptions', { status: 201, data: { template_id: 'report-reminder-dev', remaining: 1 } });
    // The service's WECHAT_REPORT_REMINDER_TEMPLATE_ID default.
    expect(config.reportReminderTemplate.id).toBe('report-reminder-dev');
    const view = await loadPage('pages/report/report');
    expect(view.exists('.ask-reminders')).toBe(false); // offered only once the report went in
    await view.tap('.submit');
    wx.__script('requestSubscribeMessage', { success: { 'report-reminder-dev': 'accept', 'meeting-reminder-dev': 'reject' } });
    await view.tap('.ask-reminders');
    expect(wx.__requests('POST', '/api/v1/me/subscriptions').map(r => r.data)).toEqual([{ template_id: 'report-reminder-dev' }]);
    expect(wx.__toasts()).toContain('已开启提醒');
  });

  test('a second report in the month says it updated this month and marks the record', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/reports', { data: shapes.page([shapes.report({ updated_at: '2026-01-20T09:00:00+08:00' })]) });
    wx.__route('POST', '/api/v1/me/reports', { status: 200, data: shapes.report({ updated_at: '2026-01-20T09:00:00+08:00' }) });
    wx.__script('getLocation', { fail: { errMsg: 'getLocation:fail auth deny' } });
    const view = await loadPage('pages/report/report');
    expect(view.texts('.history-item')[0]).toContain('（已更新）');
    await view.tap('.submit');
    expect(wx.__toasts()).toContain('已更新本月报到');
  });

  test('location denied: explains, offers the settings page, and still reports without location', async () => {
    const { wx } = setup({ token: 't', bound: true });
    routes(wx);
    wx.__script('getLocation', { fail: 'getLocation:fail auth deny' });
    wx.__script('showModal', { success: { confirm: true } });
    wx.__script('openSetting', { success: { authSetting: { 'scope.userLocation': false } } });
    const view = await loadPage('pages/report/report');
    await view.tap('.submit');
    const modal = wx.__calls('showModal')[0];
    expect(modal.content).toContain('记录位置可以帮助支部确认您所在的城市');
    expect(modal.confirmText).toBe('去设置');
    expect(wx.__calls('openSetting')).toHaveLength(1);
    const sent = wx.__requests('POST', '/api/v1/me/reports')[0].data;
    expect(sent).toEqual({ city: '深圳市', address: '宝安区西乡街道', employer: '富士康' });
    expect(view.text('.location-note')).toContain('不影响报到');
  });

  test('location granted in the settings page is then used', async () => {
    const { wx } = setup({ token: 't', bound: true });
    routes(wx);
    wx.__script('getLocation', { fail: 'getLocation:fail auth deny' }, { success: { latitude: 1, longitude: 2, accuracy: 5 } });
    wx.__script('openSetting', { success: { authSetting: { 'scope.userLocation': true } } });
    const view = await loadPage('pages/report/report');
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/me/reports')[0].data).toMatchObject({ lat: 1, lng: 2 });
  });

  test('empty fields are caught on the page; server field errors shown', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/reports', { data: shapes.page([]) });
    wx.__route('POST', '/api/v1/me/reports', { status: 422, data: { code: 'validation_error', message: '填写有误', errors: { employer: ['工作单位太长'] } } });
    const view = await loadPage('pages/report/report');
    await view.tap('.submit');
    expect(view.text('.city-error')).toBe('请填写所在城市');
    expect(wx.__requests('POST', '/api/v1/me/reports')).toHaveLength(0);
    await view.input('.city-input', '东莞市');
    await view.input('.address-input', '长安镇');
    await view.input('.employer-input', '某某电子厂');
    await view.tap('.with-location');
    await view.tap('.submit');
    expect(wx.__calls('getLocation')).toHaveLength(0);
    expect(view.text('.employer-error')).toBe('工作单位太长');
  });
});
