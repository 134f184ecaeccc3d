// The secretary's other screens: transfers and their letter (CONTRACT §13), 补签 and the attendance sheet,
// lost-contact flags, the quarterly compliance view, and the staff home leading to all of them.
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

const STAFF_ME = shapes.staffMe();

function secretary() {
  const ctx = setup({ staffToken: 's' });
  ctx.wx.__storage.staff_me = STAFF_ME;
  return ctx;
}

function lastUrl(wx, api) {
  const calls = wx.__calls(api);
  return calls.length ? calls[calls.length - 1].url : '';
}

describe('transfer out or return home', () => {
  test('records a transfer_out with its destination, then opens the letter PDF to share', async () => {
    const { wx } = secretary();
    wx.__route('GET', '/api/v1/members', { data: shapes.page([shapes.member()]) });
    wx.__route('POST', '/api/v1/members/7/transfers', { status: 201, data: { transfer: shapes.transfer() } });
    wx.__route('GET', '/api/v1/transfers/41/letter', { status: 200, tempFilePath: 'wxfile://tmp/letter.pdf' });
    const view = await loadPage('pages/staff/transfer/transfer');
    await view.input('.search-input', '王建国');
    await view.tap('.search');
    expect(wx.__requests('GET', '/api/v1/members')[0].url).toContain('q=%E7%8E%8B%E5%BB%BA%E5%9B%BD');
    await view.tap('.member-result');
    await view.tap('.submit');
    expect(view.text('.reason-error')).toBe('请写明原因');
    expect(view.text('.destination-error')).toBe('请填写转往的党组织');
    await view.trigger('.effective-picker', 'change', { value: '2026-03-10' });
    await view.input('.destination-input', '深圳市宝安区西乡街道党工委');
    await view.input('.reason-input', '在深圳落户');
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/members/7/transfers')[0].data).toEqual({
      kind: 'transfer_out', reason: '在深圳落户', effective_on: '2026-03-10', destination: '深圳市宝安区西乡街道党工委'
    });
    expect(view.text('.letter-no')).toBe('金转〔2026〕3号');
    expect(view.text('.letter-paid-through')).toBe('2026年2月');
    await view.tap('.open-letter');
    expect(wx.__calls('downloadFile')[0].url).toBe('http://127.0.0.1:5000/api/v1/transfers/41/letter?format=pdf');
    expect(wx.__calls('downloadFile')[0].header.Authorization).toBe('Bearer s');
    expect(wx.__calls('openDocument')[0]).toMatchObject({ filePath: 'wxfile://tmp/letter.pdf', fileType: 'pdf', showMenu: true });
  });

  test('return_home needs no destination; a server refusal is shown', async () => {
    const { wx } = secretary();
    wx.__route('GET', '/api/v1/members', { data: shapes.page([shapes.member()]) });
    wx.__route('POST', '/api/v1/members/7/transfers', { status: 409, data: { code: 'already_transferred', message: '该党员已办理转出，不能重复办理' } });
    const view = await loadPage('pages/staff/transfer/transfer');
    await view.tap('.search');
    await view.tap('.member-result');
    await view.trigger('.kind-picker', 'change', { value: '1' });
    expect(view.exists('.destination-input')).toBe(false);
    await view.input('.reason-input', '回乡务农');
    await view.tap('.submit');
    const sent = wx.__requests('POST', '/api/v1/members/7/transfers')[0].data;
    expect(sent.kind).toBe('return_home');
    expect(sent.destination).toBeUndefined();
    expect(wx.__toasts()).toContain('该党员已办理转出，不能重复办理');
    expect(view.exists('.transfer-done')).toBe(false);
  });
});

describe('attendance: the sheet and 补签', () => {
  function attendanceRoutes(wx) {
    wx.__route('GET', '/api/v1/events/31/attendance', { data: shapes.attendance({ absent: [shapes.attendee({ member: { id: 3, name: '张伟', phone_masked: null } })] }) });
    wx.__route('GET', '/api/v1/events/31/leaves', { data: { items: [] } });
  }

  test('the attendance sheet opens as xlsx with the share menu', async () => {
    const { wx } = secretary();
    attendanceRoutes(wx);
    wx.__route('GET', '/api/v1/events/31/attendance', { data: shapes.attendance() });
    const view = await loadPage('pages/staff/attendance/attendance', { query: { event_id: '31' } });
    wx.__route('GET', /\/api\/v1\/events\/31\/attendance\?format=xlsx/, { status: 200, tempFilePath: 'wxfile://tmp/sheet.xlsx' });
    await view.tap('.share-sheet');
    expect(wx.__calls('downloadFile')[0].url).toBe('http://127.0.0.1:5000/api/v1/events/31/attendance?format=xlsx');
    expect(wx.__calls('openDocument')[0]).toMatchObject({ filePath: 'wxfile://tmp/sheet.xlsx', fileType: 'xlsx', showMenu: true });
    view.page.onUnload();
  });

  test('an absent member is checked in by the secretary with a reason', async () => {
    const { wx } = secretary();
    attendanceRoutes(wx);
    const view = await loadPage('pages/staff/attendance/attendance', { query: { event_id: '31' } });
    await view.tap('.manual');
    expect(lastUrl(wx, 'navigateTo')).toBe('/pages/staff/manual-checkin/manual-checkin?event_id=31&member_id=3&name=' + encodeURIComponent('张伟'));
    view.page.onUnload();

    wx.__route('POST', '/api/v1/events/31/manual-checkins', { status: 201, data: { checkin: shapes.checkin({ manual: true, reason: '手机没电' }) } });
    const manual = await loadPage('pages/staff/manual-checkin/manual-checkin', { query: { event_id: '31', member_id: '3', name: encodeURIComponent('张伟') } });
    expect(manual.text('.member-name')).toBe('张伟');
    await manual.tap('.submit');
    expect(manual.text('.reason-error')).toBe('请写明补签的原因');
    await manual.input('.reason-input', '到场但手机没电');
    await manual.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/events/31/manual-checkins')[0].data).toEqual({ member_id: 3, reason: '到场但手机没电' });
    expect(wx.__toasts()).toContain('已补签');
    expect(wx.__calls('navigateBack')).toHaveLength(1);
  });

  test('a refused 补签 (already checked in) keeps the page and says why', async () => {
    const { wx } = secretary();
    wx.__route('POST', '/api/v1/events/31/manual-checkins', { status: 409, data: { code: 'already_checked_in', message: '该党员已经签到' } });
    const manual = await loadPage('pages/staff/manual-checkin/manual-checkin', { query: { event_id: '31', member_id: '3', name: 'x' } });
    await manual.input('.reason-input', '补录');
    await manual.tap('.submit');
    expect(wx.__toasts()).toEqual(['该党员已经签到']);
    expect(wx.__calls('navigateBack')).toHaveLength(0);
    expect(manual.exists('.manual-done')).toBe(false);
  });
});

describe('lost-contact flags', () => {
  test('lists the branch\'s open flags; confirm and dismiss each need a reason', async () => {
    const { wx } = secretary();
    wx.__route('GET', '/api/v1/lost-contact',
      { data: shapes.page([shapes.flag(), shapes.flag({ id: 52, member: Object.assign(shapes.flag().member, { id: 8, name: '李秀英' }) })]) },
      { data: shapes.page([shapes.flag({ id: 52, member: Object.assign(shapes.flag().member, { id: 8, name: '李秀英' }) })]) });
    wx.__route('POST', '/api/v1/lost-contact/7/dismiss', { data: shapes.flag({ state: 'dismissed' }) });
    const view = await loadPage('pages/staff/lost-contact/lost-contact');
    expect(wx.__requests('GET', '/api/v1/lost-contact')[0].url).toContain('branch_id=2&page=1');
    expect(view.texts('.flag-item')[0]).toContain('最后一次活动：2025年8月20日');
    await view.tapNth('.dismiss', 0);
    await view.tap('.confirm-action');
    expect(view.text('.reason-error')).toBe('请写明原因');
    await view.input('.reason-input', '已电话联系，在东莞打工');
    await view.tap('.confirm-action');
    expect(wx.__requests('POST', '/api/v1/lost-contact/7/dismiss')[0].data).toEqual({ reason: '已电话联系，在东莞打工' });
    expect(wx.__toasts()).toContain('已排除');
    expect(view.all('.flag-item')).toHaveLength(1);
  });

  test('confirming sends to confirm; a flag already handled says so', async () => {
    const { wx } = secretary();
    wx.__route('GET', '/api/v1/lost-contact', { data: shapes.page([shapes.flag()]) });
    wx.__route('POST', '/api/v1/lost-contact/7/confirm', { status: 409, data: { code: 'flag_already_resolved', message: '这条提醒已经处理过了' } });
    const view = await loadPage('pages/staff/lost-contact/lost-contact');
    await view.tap('.confirm');
    expect(view.text('.confirm-action')).toBe('确认失联');
    await view.input('.reason-input', '电话停机');
    await view.tap('.confirm-action');
    expect(wx.__requests('POST', '/api/v1/lost-contact/7/confirm')[0].data).toEqual({ reason: '电话停机' });
    expect(wx.__toasts()).toEqual(['这条提醒已经处理过了']);
  });
});

describe('quarterly compliance', () => {
  test('shows this quarter rule by rule, and another quarter on request', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-20T04:00:00Z') });
    const { wx } = secretary();
    wx.__route('GET', '/api/v1/branches/2/compliance', { data: shapes.compliance() });
    const view = await loadPage('pages/staff/compliance/compliance');
    expect(wx.__requests('GET', '/api/v1/branches/2/compliance')[0].url).toContain('?quarter=2026-Q1');
    expect(view.text('.quarter-value')).toBe('2026年第一季度');
    expect(view.text('.overall')).toBe('本季度：未达标');
    expect(view.texts('.compliance-item')[0]).toContain('主题党日');
    expect(view.texts('.compliance-item')[0]).toContain('2026年2月 0/1 未达标');
    expect(view.texts('.compliance-item')[1]).toContain('2026年第一季度 1/1 已达标');
    await view.trigger('.quarter-picker', 'change', { value: '1' });
    expect(wx.__requests('GET', '/api/v1/branches/2/compliance')[1].url).toContain('?quarter=2025-Q4');
    jest.useRealTimers();
  });
});

test('compliance out of reach shows the server\'s message with a reload', async () => {
  const { wx } = secretary();
  wx.__route('GET', '/api/v1/branches/2/compliance', { status: 404, data: { code: 'not_found', message: '没有找到这个支部' } },
    { data: shapes.compliance({ status: 'met' }) });
  const view = await loadPage('pages/staff/compliance/compliance');
  expect(view.text('.load-error')).toContain('没有找到这个支部');
  await view.tap('.retry');
  expect(view.exists('.load-error')).toBe(false);
  expect(view.text('.overall')).toBe('本季度：已达标');
});

describe('staff home', () => {
  test('a secretary sees every tool; a township admin only those for their scope', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', '/api/v1/staff/me', { data: STAFF_ME });
    wx.__route('GET', '/api/v1/events', { data: shapes.page([]) });
    const view = await loadPage('pages/staff/home/home');
    ['.new-event', '.go-registrations', '.go-lost-contact', '.go-transfer', '.go-notice-new', '.go-payment', '.go-ledger', '.go-compliance']
      .forEach(sel => expect([sel, view.exists(sel)]).toEqual([sel, true]));
    await view.tap('.go-payment');
    expect(lastUrl(wx, 'navigateTo')).toBe('/pages/staff/payment/payment');
    wx.__route('GET', '/api/v1/staff/me', { data: shapes.staffMe({ role: 'township_admin', scope: { type: 'township', id: 1, name: '金山镇' } }) });
    await view.page.reload();
    expect(view.exists('.go-payment')).toBe(false);
    expect(view.exists('.new-event')).toBe(false);
    expect(view.exists('.go-registrations')).toBe(true);
  });
});
