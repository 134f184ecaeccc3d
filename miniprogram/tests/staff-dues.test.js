// CONTRACT §11 on the secretary's phone: cash payments with the months the member owes, their reversal, and the
// dues ledger as a spreadsheet.
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

const STAFF_ME = shapes.staffMe();

function secretary() {
  const ctx = setup({ staffToken: 's' });
  ctx.wx.__storage.staff_me = STAFF_ME;
  ctx.wx.__route('GET', '/api/v1/members', { data: shapes.page([shapes.member(), shapes.member({ id: 8, name: '李秀英', paid_through: null })]) });
  ctx.wx.__route('GET', '/api/v1/members/7/dues', { data: shapes.memberDues() });
  return ctx;
}

describe('record a cash payment', () => {
  test('lists the branch\'s members, offers their owed months, sends the sum in fen', async () => {
    const { wx } = secretary();
    wx.__route('POST', '/api/v1/branches/2/dues/payments', { status: 201, data: { payment: shapes.payment({ months: ['2026-01', '2026-02'], amount_fen: 3000 }) } });
    const view = await loadPage('pages/staff/payment/payment');
    const list = wx.__requests('GET', '/api/v1/members')[0];
    expect(list.url).toContain('branch_id=2');
    expect(list.header.Authorization).toBe('Bearer s');
    expect(view.texts('.member-result')[1]).toContain('无记录');
    await view.tapNth('.member-result', 0);
    expect(wx.__requests('GET', '/api/v1/members/7/dues')).toHaveLength(1);
    expect(view.text('.monthly')).toBe('15.00 元');
    expect(view.texts('.month-choice')).toEqual(['☑ 2026年1月15.00 元', '☑ 2026年2月15.00 元', '☑ 2026年3月15.00 元']);
    expect(view.text('.total')).toBe('45.00 元（3个月）');
    await view.tapNth('.month-choice', 1);
    expect(view.text('.total')).toBe('30.00 元（2个月）');
    await view.trigger('.method-picker', 'change', { value: '1' });
    await view.trigger('.paid-on-picker', 'change', { value: '2026-03-04' });
    await view.input('.note-input', '转账尾号1234');
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/branches/2/dues/payments')[0].data).toEqual({
      member_id: 7, months: ['2026-01', '2026-02'], amount_fen: 3000, paid_on: '2026-03-04', method: 'bank_transfer',
      note: '转账尾号1234'
    });
    expect(view.text('.receipt-no')).toBe('R2026030007');
    expect(view.text('.payment-done')).toContain('王建国 30.00 元（2个月）');
  });

  test.each([
    [422, 'amount_mismatch', '金额与这几个月的党费标准不一致'],
    [409, 'month_already_paid', '有已经交过的月份'],
    [409, 'order_pending', '正在用微信支付']
  ])('%p %s is explained on the page', async (status, code, text) => {
    const { wx } = secretary();
    wx.__route('POST', '/api/v1/branches/2/dues/payments', { status, data: { code, message: 'x' } });
    const view = await loadPage('pages/staff/payment/payment');
    await view.tapNth('.member-result', 0);
    await view.tap('.submit');
    expect(view.text('.payment-message')).toContain(text);
    expect(view.exists('.payment-done')).toBe(false);
  });

  test('no month chosen is caught; a member who owes nothing is said so', async () => {
    const { wx } = secretary();
    wx.__route('GET', '/api/v1/members/8/dues', { data: shapes.memberDues({ owed: [] }) });
    const view = await loadPage('pages/staff/payment/payment');
    await view.tapNth('.member-result', 0);
    await view.tapNth('.month-choice', 0);
    await view.tapNth('.month-choice', 0);
    await view.tap('.submit');
    expect(view.text('.months-error')).toBe('请选择交了哪几个月');
    expect(wx.__requests('POST')).toHaveLength(0);
    await view.tap('.unpick');
    await view.tap('.search');
    await view.tapNth('.member-result', 1);
    expect(view.exists('.no-owed')).toBe(true);
  });

  test('a recorded payment is reversed with a reason, never edited', async () => {
    const { wx } = secretary();
    wx.__route('POST', '/api/v1/branches/2/dues/payments', { status: 201, data: { payment: shapes.payment() } });
    wx.__route('POST', '/api/v1/dues/payments/21/reverse', { data: { payment: shapes.payment() } });
    const view = await loadPage('pages/staff/payment/payment');
    await view.tapNth('.member-result', 0);
    await view.tap('.submit');
    await view.tap('.reverse');
    expect(view.text('.reason-error')).toBe('请写明冲正的原因');
    await view.input('.reason-input', '月份选错了');
    await view.tap('.reverse');
    expect(wx.__requests('POST', '/api/v1/dues/payments/21/reverse')[0].data).toEqual({ reason: '月份选错了' });
    expect(view.exists('.reversed')).toBe(true);
  });

  test('a township account is told to use the secretary\'s', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe({ role: 'township_admin', scope: { type: 'township', id: 1, name: '金山镇' } });
    const view = await loadPage('pages/staff/payment/payment');
    expect(view.exists('.branch-only')).toBe(true);
    expect(wx.__requests()).toHaveLength(0);
  });

  test('no staff token: straight to the staff login', async () => {
    const { wx } = setup();
    await loadPage('pages/staff/payment/payment');
    expect(wx.__calls('redirectTo')[0].url).toBe('/pages/staff/login/login');
    expect(wx.__requests()).toHaveLength(0);
  });
});

describe('dues ledger sheet', () => {
  test('opens the year\'s ledger xlsx with the staff token, ready to forward', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = STAFF_ME;
    wx.__route('GET', '/api/v1/branches/2/dues/ledger', { status: 200, tempFilePath: 'wxfile://tmp/ledger.xlsx' });
    const view = await loadPage('pages/staff/ledger/ledger');
    const year = String(new Date().getFullYear());
    expect(view.text('.year-value')).toBe(year + ' 年');
    await view.trigger('.year-picker', 'change', { value: '1' });
    await view.tap('.open-ledger');
    const download = wx.__calls('downloadFile')[0];
    expect(download.url).toBe('http://127.0.0.1:5000/api/v1/branches/2/dues/ledger?year=' + (Number(year) - 1) + '&format=xlsx');
    expect(download.header.Authorization).toBe('Bearer s');
    expect(wx.__calls('openDocument')[0]).toMatchObject({ filePath: 'wxfile://tmp/ledger.xlsx', fileType: 'xlsx', showMenu: true });
  });

  test('a staff 401 on the download goes back to the staff login', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = STAFF_ME;
    wx.__route('GET', '/api/v1/branches/2/dues/ledger', { status: 401 });
    const view = await loadPage('pages/staff/ledger/ledger');
    await view.tap('.open-ledger');
    expect(wx.__storage.staff_token).toBeUndefined();
    expect(wx.__calls('redirectTo')[0].url).toBe('/pages/staff/login/login');
    expect(wx.__calls('openDocument')).toHaveLength(0);
  });
});
