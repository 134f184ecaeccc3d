// CONTRACT §10: a member not on the roster asks to be registered; the secretary approves or denies.
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

const TOWNSHIPS = { items: [{ id: 1, name: '金山镇', member_count: 0, mobile_branches: [] }, { id: 4, name: '西斗铺镇', member_count: 0, mobile_branches: [] }] };
const BRANCHES = { items: [{ id: 9, name: '西斗铺镇流动党员党支部', kind: 'mobile', township: { id: 4, name: '西斗铺镇' }, member_count: 0 }] };

function lastUrl(wx, api) {
  const calls = wx.__calls(api);
  return calls.length ? calls[calls.length - 1].url : '';
}

async function fillRegistration(view) {
  await view.trigger('.township-picker', 'change', { value: '1' });
  await view.trigger('.branch-picker', 'change', { value: '0' });
  await view.input('.home-branch-input', '杨庄村党支部');
  await view.trigger('.left-on-picker', 'change', { value: '2025-06-01' });
  await view.input('.destination-input', '深圳市');
  await view.input('.employer-input', '某某电子厂');
}

describe('from the bind page to a registration', () => {
  test('roster_no_match offers 申请登记, which opens the form with what was typed', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('POST', '/api/v1/auth/bind', { status: 404, data: { code: 'roster_no_match', message: '未找到' } });
    const view = await loadPage('pages/bind/bind');
    expect(view.exists('.go-register')).toBe(false);
    await view.input('.name-input', '刘芳');
    await view.input('.id-input', '11010519491231002x');
    await view.tap('.plain-bind');
    expect(view.text('.bind-message')).toContain('可以申请登记');
    await view.tap('.go-register');
    expect(lastUrl(wx, 'navigateTo')).toBe('/pages/register/register?name=' + encodeURIComponent('刘芳') + '&id_number=11010519491231002X');
  });

  test('an account with a registration already sent sees its status on the bind page', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/auth/registrations/mine', { data: { registration: shapes.registration() } });
    const view = await loadPage('pages/bind/bind');
    expect(view.text('.registration-status')).toBe('已提交，等待支部书记审核');
    await view.tap('.registration-card');
    expect(lastUrl(wx, 'navigateTo')).toBe('/pages/registration/registration');
  });
});

describe('registration form', () => {
  test('townships and their mobile branches in pickers; the body carries the contract\'s fields', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/townships', { data: TOWNSHIPS });
    wx.__route('GET', '/api/v1/branches', { data: BRANCHES });
    wx.__route('POST', '/api/v1/auth/registrations', { status: 201, data: { registration: shapes.registration() } });
    const view = await loadPage('pages/register/register', { query: { name: encodeURIComponent('刘芳'), id_number: '11010519491231002X' } });
    expect(view.data.name).toBe('刘芳');
    expect(wx.__requests('GET', '/api/v1/townships')[0].header.Authorization).toBe('Bearer t');
    await fillRegistration(view);
    expect(wx.__requests('GET', '/api/v1/branches')[0].url).toContain('?township_id=4&kind=mobile');
    expect(view.text('.township-value')).toBe('西斗铺镇');
    expect(view.text('.branch-value')).toBe('西斗铺镇流动党员党支部');
    await view.trigger('.phone-button', 'getphonenumber', { code: 'phone-1', errMsg: 'getPhoneNumber:ok' });
    expect(view.exists('.phone-granted')).toBe(true);
    await view.input('.certificate-input', ' 流证2025001 ');
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/auth/registrations')[0].data).toEqual({
      name: '刘芳', id_number: '11010519491231002X', phone_code: 'phone-1', township_id: 4, mobile_branch_id: 9,
      home_branch: '杨庄村党支部', left_on: '2025-06-01', destination: '深圳市', employer: '某某电子厂',
      certificate_no: '流证2025001'
    });
    expect(lastUrl(wx, 'redirectTo')).toBe('/pages/registration/registration');
  });

  test('a member who allows the result message sends its template with the request', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/townships', { data: TOWNSHIPS });
    wx.__route('GET', '/api/v1/branches', { data: BRANCHES });
    wx.__route('POST', '/api/v1/auth/registrations', { status: 201, data: { registration: shapes.registration() } });
    wx.__script('requestSubscribeMessage', { success: { 'registration-result-dev': 'accept' } });
    const view = await loadPage('pages/register/register', { query: { name: '刘芳', id_number: '11010519491231002X' } });
    await fillRegistration(view);
    await view.tap('.submit');
    expect(wx.__calls('requestSubscribeMessage')[0].tmplIds).toEqual(['registration-result-dev']);
    expect(wx.__requests('POST', '/api/v1/auth/registrations')[0].data.subscribe_template_id).toBe('registration-result-dev');
  });

  test('every missing field and a wrong ID number are said in Chinese before anything is sent', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/townships', { data: TOWNSHIPS });
    const view = await loadPage('pages/register/register');
    await view.input('.id-input', '110105194912310021');
    await view.input('.phone-input', '1380000');
    await view.tap('.submit');
    expect(view.text('.name-error')).toBe('请填写姓名');
    expect(view.text('.id-error')).toContain('校验不对');
    expect(view.text('.phone-error')).toBe('手机号应为11位数字');
    expect(view.text('.township-error')).toBe('请选择乡镇');
    expect(view.text('.branch-error')).toBe('请选择流动党员党支部');
    expect(view.text('.home-branch-error')).toBe('请填写原村党支部');
    expect(view.text('.left-on-error')).toBe('请选择外出时间');
    expect(view.text('.destination-error')).toBe('请填写流入地');
    expect(view.text('.employer-error')).toBe('请填写工作单位');
    expect(wx.__requests('POST')).toHaveLength(0);
  });

  test('a typed phone is sent as phone; the server\'s 422 errors land under their fields', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/townships', { data: TOWNSHIPS });
    wx.__route('GET', '/api/v1/branches', { data: BRANCHES });
    wx.__route('POST', '/api/v1/auth/registrations', { status: 422, data: { code: 'validation_error', message: '填写的内容有误',
      errors: { left_on: ['外出时间不能晚于今天'], mobile_branch_id: ['该支部不属于所选乡镇'] } } });
    const view = await loadPage('pages/register/register', { query: { name: '刘芳', id_number: '11010519491231002X' } });
    await fillRegistration(view);
    await view.input('.phone-input', '13800000000');
    await view.tap('.submit');
    const sent = wx.__requests('POST', '/api/v1/auth/registrations')[0].data;
    expect(sent.phone).toBe('13800000000');
    expect(sent.phone_code).toBeUndefined();
    expect(sent.certificate_no).toBeUndefined();
    expect(view.text('.left-on-error')).toBe('外出时间不能晚于今天');
    expect(view.text('.branch-error')).toBe('该支部不属于所选乡镇');
    expect(view.text('.register-message')).toBe('填写的内容有误');
    expect(wx.__calls('redirectTo')).toEqual([]);
  });

  test('409 registration_pending says so and leads to the status page', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/townships', { data: TOWNSHIPS });
    wx.__route('GET', '/api/v1/branches', { data: BRANCHES });
    wx.__route('POST', '/api/v1/auth/registrations', { status: 409, data: { code: 'registration_pending', message: 'x' } });
    const view = await loadPage('pages/register/register', { query: { name: '刘芳', id_number: '11010519491231002X' } });
    await fillRegistration(view);
    await view.tap('.submit');
    expect(view.text('.register-message')).toContain('正在等待支部书记审核');
    await view.tap('.go-status');
    expect(lastUrl(wx, 'redirectTo')).toBe('/pages/registration/registration');
  });

  test('when members may not list townships, the numbers are typed', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/townships', { status: 403, data: { code: 'forbidden', message: '无权访问' } });
    wx.__route('POST', '/api/v1/auth/registrations', { status: 201, data: { registration: shapes.registration() } });
    const view = await loadPage('pages/register/register', { query: { name: '刘芳', id_number: '11010519491231002X' } });
    expect(view.exists('.typed-ids-hint')).toBe(true);
    expect(view.exists('.load-error')).toBe(false);
    await view.input('.township-id-input', '4');
    await view.input('.branch-id-input', '9');
    await view.input('.home-branch-input', '杨庄村党支部');
    await view.trigger('.left-on-picker', 'change', { value: '2025-06-01' });
    await view.input('.destination-input', '深圳市');
    await view.input('.employer-input', '灵活就业');
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/auth/registrations')[0].data).toMatchObject({ township_id: 4, mobile_branch_id: 9 });
  });
});

describe('registration status', () => {
  test.each([
    ['pending', null, '已提交，等待支部书记审核'],
    ['approved', null, '已通过，您已登记为流动党员'],
    ['denied', '身份证号与档案不符', '没有通过']
  ])('%s is shown in plain words', async (status, note, label) => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/auth/registrations/mine', { data: { registration: shapes.registration({ status, note, decided_at: note ? '2026-03-03T09:00:00+08:00' : null }) } });
    const view = await loadPage('pages/registration/registration');
    expect(view.text('.registration-status')).toBe(label);
    expect(view.text('.submitted-at')).toBe('2026年3月2日');
    expect(view.exists('.deny-reason')).toBe(status === 'denied');
    if (note) expect(view.text('.deny-reason')).toBe('原因：' + note);
    expect(view.exists('.go-home')).toBe(status === 'approved');
    expect(view.exists('.register-again')).toBe(status === 'denied');
  });

  test('approved: a fresh login finds the account bound and goes home', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/auth/registrations/mine', { data: { registration: shapes.registration({ status: 'approved' }) } });
    wx.__route('POST', '/api/v1/auth/login', { data: { token: 'fresh', expires_in: 7200, bound: true, roles: ['member'] } });
    const view = await loadPage('pages/registration/registration');
    await view.tap('.go-home');
    expect(wx.__storage.token).toBe('fresh');
    expect(wx.__storage.bound).toBe(true);
    expect(lastUrl(wx, 'reLaunch')).toBe('/pages/index/index');
  });

  test('404: nothing sent yet, offers the form', async () => {
    const { wx } = setup({ token: 't', bound: false });
    wx.__route('GET', '/api/v1/auth/registrations/mine', { status: 404, data: { code: 'not_found', message: '没有登记申请' } });
    const view = await loadPage('pages/registration/registration');
    expect(view.exists('.none')).toBe(true);
    expect(view.exists('.load-error')).toBe(false);
    await view.tap('.none .register-again');
    expect(lastUrl(wx, 'redirectTo')).toBe('/pages/register/register');
  });
});

describe('secretary: pending registrations', () => {
  const PENDING = shapes.page([shapes.registration(), shapes.registration({ id: 12, name: '陈强', phone_masked: null })]);

  test('lists pending requests masked, approves one', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/registrations', { data: PENDING }, { data: shapes.page([shapes.registration({ id: 12, name: '陈强' })]) });
    wx.__route('POST', '/api/v1/registrations/11/decision', { data: { registration: shapes.registration({ status: 'approved' }) } });
    const view = await loadPage('pages/staff/registrations/registrations');
    const sent = wx.__requests('GET', '/api/v1/registrations')[0];
    expect(sent.url).toContain('?status=pending&page=1');
    expect(sent.header.Authorization).toBe('Bearer s');
    expect(view.texts('.registration-item')[0]).toContain('1101**********002X');
    expect(view.texts('.registration-item')[1]).toContain('未留手机号');
    await view.tapNth('.approve', 0);
    expect(wx.__requests('POST', '/api/v1/registrations/11/decision')[0].data).toEqual({ approve: true });
    expect(wx.__toasts()).toContain('已通过');
    expect(view.all('.registration-item')).toHaveLength(1);
  });

  test('a roster near-match is shown to the secretary with the request', async () => {
    const { wx } = setup({ staffToken: 's' });
    const match = { member_id: 7, reason: 'same_id_number', name: '张三', township: { id: 1, name: '金山镇' },
      village_branch: { id: 3, name: '红星村党支部' }, bound: false, text: '与金山镇红星村党支部的张三身份证号相同：通过后将直接绑定该党员' };
    wx.__route('GET', '/api/v1/registrations', { data: shapes.page([shapes.registration({ roster_match: match }), shapes.registration({ id: 12 })]) });
    const view = await loadPage('pages/staff/registrations/registrations');
    expect(view.all('.roster-match')).toHaveLength(1);
    expect(view.text('.roster-match')).toBe(match.text);
  });

  test('a denial needs a note, which is sent', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/registrations', { data: PENDING });
    wx.__route('POST', '/api/v1/registrations/12/decision', { data: { registration: shapes.registration({ id: 12, status: 'denied' }) } });
    const view = await loadPage('pages/staff/registrations/registrations');
    await view.tapNth('.deny', 1);
    await view.tap('.confirm-deny');
    expect(view.text('.note-error')).toContain('请写明不通过的原因');
    expect(wx.__requests('POST')).toHaveLength(0);
    await view.input('.note-input', '不是本县党员');
    await view.tap('.confirm-deny');
    expect(wx.__requests('POST', '/api/v1/registrations/12/decision')[0].data).toEqual({ approve: false, note: '不是本县党员' });
  });

  test('409 already_decided shows the server\'s message and refreshes the list', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/registrations', { data: PENDING }, { data: shapes.page([]) });
    wx.__route('POST', '/api/v1/registrations/11/decision', { status: 409, data: { code: 'already_decided', message: '这条申请已经处理过了' } });
    const view = await loadPage('pages/staff/registrations/registrations');
    await view.tapNth('.approve', 0);
    expect(wx.__toasts()).toContain('这条申请已经处理过了');
    expect(view.exists('.no-registrations')).toBe(true);
  });
});
