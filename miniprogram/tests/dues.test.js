const { setup, loadPage, flush } = require('./harness');
const shapes = require('./shapes');

const PAY_PARAMS = { timeStamp: '1767225600', nonceStr: 'n0nce', package: 'prepay_id=wx123', signType: 'MD5', paySign: 'ABC' };

function duesRoutes(wx, dues) {
  wx.__route('GET', '/api/v1/me/dues', { data: dues || shapes.myDues({
    owed: [{ month: '2026-03', amount_fen: 1500 }, { month: '2026-02', amount_fen: 1500 }]
  }) });
}

// OrderCreatedOut: the order plus wx.requestPayment's argument.
function created(orderNo, amountFen) {
  return Object.assign(shapes.order({ order_no: orderNo, amount_fen: amountFen }), { pay_params: PAY_PARAMS });
}

afterEach(() => { jest.useRealTimers(); });

describe('my dues', () => {
  test('shows the standard, paid_through, owed months; tapping a month selects it and those before it', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-10T04:00:00Z') });
    const { wx } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    const view = await loadPage('pages/dues/dues');
    expect(view.text('.monthly')).toBe('15.00 元');
    expect(view.text('.paid-through')).toBe('2026年1月');
    expect(view.text('.owed-count')).toBe('2 个月');
    const months = view.data.choices.map(c => c.month);
    expect(months).toEqual(['2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09']);
    expect(view.text('.pay')).toBe('缴纳 30.00 元（2个月）');
    expect(view.texts('.month-choice')[0]).toContain('☑ 2026年2月（欠交）');
    await view.tapNth('.month-choice', 3);
    expect(view.text('.pay')).toBe('缴纳 60.00 元（4个月）');
    expect(view.texts('.month-choice')[3]).toContain('☑ 2026年5月');
    expect(view.texts('.month-choice')[4]).toContain('☐ 2026年6月');
    await view.tapNth('.month-choice', 3);
    expect(view.text('.pay')).toBe('缴纳 45.00 元（3个月）');
    await view.tapNth('.month-choice', 0);
    await view.tapNth('.month-choice', 0);
    expect(view.text('.pay')).toBe('请选择月份');
    expect(view.data.selectedCount).toBe(0);
  });
});

describe('pay flow', () => {
  test('pays, then polls the server until it says paid', async () => {
    jest.useFakeTimers();
    const { wx, config } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 201, data: created('D202603001', 3000) });
    wx.__route('GET', '/api/v1/dues/orders/D202603001',
      { data: shapes.order({ order_no: 'D202603001' }) },
      { data: shapes.order({ order_no: 'D202603001' }) },
      { data: shapes.order({ order_no: 'D202603001', status: 'paid', paid_at: '2026-03-10T12:00:00+08:00' }) });
    const view = await loadPage('pages/dues/dues');
    const paying = view.page.pay();
    await flush();
    expect(wx.__requests('POST', '/api/v1/dues/orders')[0].data).toEqual({ months: ['2026-02', '2026-03'] });
    expect(wx.__calls('requestPayment')[0]).toMatchObject(PAY_PARAMS);
    expect(view.data.payState).toBe('confirming');
    expect(view.text('.pay-state')).toContain('正在确认');
    jest.advanceTimersByTime(config.payPollIntervalMs);
    await flush();
    expect(view.data.payState).toBe('confirming');
    jest.advanceTimersByTime(config.payPollIntervalMs);
    await flush();
    await paying;
    expect(wx.__requests('GET', '/api/v1/dues/orders/D202603001')).toHaveLength(3);
    expect(view.data.payState).toBe('paid');
    expect(view.text('.pay-state')).toBe('缴费成功，谢谢您！');
    expect(wx.__requests('GET', '/api/v1/me/dues')).toHaveLength(2);
    // The natural moment for the reminder grant; WeChat shows its dialog only from a tap.
    expect(wx.__calls('requestSubscribeMessage')).toHaveLength(0);
    // It asks for the dues reminder (the service's WECHAT_DUES_REMINDER_TEMPLATE_ID) and meeting reminders.
    wx.__script('requestSubscribeMessage', { success: { 'dues-reminder-dev': 'accept', 'meeting-reminder-dev': 'accept' } });
    wx.__route('POST', '/api/v1/me/subscriptions', { status: 201, data: { template_id: 'dues-reminder-dev', remaining: 1 } });
    await view.tap('.ask-reminders');
    expect(wx.__calls('requestSubscribeMessage')[0].tmplIds).toEqual(['dues-reminder-dev', 'meeting-reminder-dev']);
    expect(wx.__requests('POST', '/api/v1/me/subscriptions').map(r => r.data)).toEqual([
      { template_id: 'dues-reminder-dev' }, { template_id: 'meeting-reminder-dev' }]);
    expect(wx.__toasts()).toContain('已开启提醒');
  });

  test('WeChat\'s success callback alone never marks the order paid', async () => {
    jest.useFakeTimers();
    const { wx, config } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 201, data: created('D1', 3000) });
    wx.__route('GET', '/api/v1/dues/orders/D1', { data: shapes.order({ order_no: 'D1', status: 'pending' }) });
    wx.__script('requestPayment', { success: { errMsg: 'requestPayment:ok' } });
    const view = await loadPage('pages/dues/dues');
    const paying = view.page.pay();
    for (let i = 0; i < config.payPollMaxTries + 2; i++) {
      await flush();
      jest.advanceTimersByTime(config.payPollIntervalMs);
    }
    await flush();
    await paying;
    expect(wx.__requests('GET', '/api/v1/dues/orders/D1')).toHaveLength(config.payPollMaxTries);
    expect(view.data.payState).toBe('unconfirmed');
    expect(view.text('.pay-state')).toContain('正在确认');
    expect(view.text('.pay-state')).toContain('请不要重复付款');
    expect(view.exists('.check-again')).toBe(true);

    wx.__route('GET', '/api/v1/dues/orders/D1', { data: shapes.order({ order_no: 'D1', status: 'paid' }) });
    const again = view.page.checkAgain();
    await flush();
    await again;
    expect(view.data.payState).toBe('paid');
  });

  test('network trouble while confirming keeps polling instead of failing', async () => {
    jest.useFakeTimers();
    const { wx, config } = setup({ token: 't', bound: true, retryDelaysMs: [] });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 201, data: created('D2', 3000) });
    wx.__route('GET', '/api/v1/dues/orders/D2', { fail: 'request:fail timeout' }, { data: shapes.order({ order_no: 'D2', status: 'paid' }) });
    const view = await loadPage('pages/dues/dues');
    const paying = view.page.pay();
    await flush();
    jest.advanceTimersByTime(config.payPollIntervalMs);
    await flush();
    await paying;
    expect(view.data.payState).toBe('paid');
  });

  test('the member cancelling WeChat Pay is said plainly and nothing is polled', async () => {
    const { wx } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 201, data: created('D3', 3000) });
    wx.__script('requestPayment', { fail: 'requestPayment:fail cancel' });
    const view = await loadPage('pages/dues/dues');
    await view.page.pay();
    await flush();
    expect(view.data.payState).toBe('cancelled');
    expect(view.text('.pay-state')).toContain('取消');
    expect(wx.__requests('GET', '/api/v1/dues/orders/D3')).toHaveLength(0);
  });

  test('a closed order after a failed payment is reported as not paid', async () => {
    const { wx } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 201, data: created('D4', 3000) });
    wx.__route('GET', '/api/v1/dues/orders/D4', { data: shapes.order({ order_no: 'D4', status: 'closed' }) });
    wx.__script('requestPayment', { fail: 'requestPayment:fail' });
    const view = await loadPage('pages/dues/dues');
    await view.page.pay();
    expect(view.data.payState).toBe('failed');
  });

  // The real 409 body (server/dues/orders.py): the blocking order's number, months, amount and whether it can be resumed.
  const PENDING = { code: 'order_pending', message: '这些月份已有待支付的订单，请先完成或等待其过期', order_no: 'D5', months: ['2026-02'], amount_fen: 1500, resumable: true };

  test('409 order_pending: looks at that order once, never pays twice, offers to finish it', async () => {
    const { wx } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 409, data: PENDING });
    wx.__route('GET', '/api/v1/dues/orders/D5', { data: shapes.order({ order_no: 'D5', months: ['2026-02'], amount_fen: 1500 }) });
    const view = await loadPage('pages/dues/dues');
    await view.page.pay();
    expect(wx.__requests('GET', '/api/v1/dues/orders/D5')).toHaveLength(1);
    expect(wx.__calls('requestPayment')).toHaveLength(0);
    expect(view.data.payState).toBe('pending_elsewhere');
    expect(view.text('.pay-state')).toContain('请不要重复付款');
    expect(wx.__toasts()).toEqual([]);
    expect(view.text('.resume')).toBe('继续支付未完成的那笔（2026年2月，15.00 元）');

    // Resuming orders exactly the blocking months: the service answers 200 with that order and fresh pay_params.
    wx.__route('POST', '/api/v1/dues/orders', { status: 200, data: Object.assign(shapes.order({ order_no: 'D5', months: ['2026-02'], amount_fen: 1500 }), { pay_params: PAY_PARAMS }) });
    wx.__route('GET', '/api/v1/dues/orders/D5', { data: shapes.order({ order_no: 'D5', months: ['2026-02'], amount_fen: 1500, status: 'paid' }) });
    await view.tap('.resume');
    expect(wx.__requests('POST', '/api/v1/dues/orders')[1].data).toEqual({ months: ['2026-02'] });
    expect(wx.__calls('requestPayment')).toHaveLength(1);
    expect(view.data.payState).toBe('paid');
    expect(view.exists('.resume')).toBe(false);
  });

  test('409 order_pending for an order already paid elsewhere says paid', async () => {
    const { wx } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 409, data: PENDING });
    wx.__route('GET', '/api/v1/dues/orders/D5', { data: shapes.order({ order_no: 'D5', status: 'paid' }) });
    const view = await loadPage('pages/dues/dues');
    await view.page.pay();
    expect(view.data.payState).toBe('paid');
    expect(wx.__calls('requestPayment')).toHaveLength(0);
  });

  test('409 order_pending that cannot be resumed offers only to check again', async () => {
    const { wx } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 409, data: Object.assign({}, PENDING, { resumable: false }) });
    wx.__route('GET', '/api/v1/dues/orders/D5', { data: shapes.order({ order_no: 'D5' }) });
    const view = await loadPage('pages/dues/dues');
    await view.page.pay();
    expect(view.data.payState).toBe('pending_elsewhere');
    expect(view.exists('.resume')).toBe(false);
    expect(view.exists('.check-again')).toBe(true);
  });

  test('arrears older than the 6-month window are sent to the branch', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-10T04:00:00Z') });
    const { wx } = setup({ token: 't', bound: true });
    duesRoutes(wx, shapes.myDues({ paid_through: '2025-06', owed: ['2025-07', '2025-08', '2025-09'].map(month => ({ month, amount_fen: 1500 })) }));
    const view = await loadPage('pages/dues/dues');
    expect(view.data.choices).toEqual([]);
    expect(view.text('.too-old')).toContain('请与支部联系');
  });

  test('409 order_pending without an order number still explains itself', async () => {
    const { wx } = setup({ token: 't', bound: true });
    duesRoutes(wx);
    wx.__route('POST', '/api/v1/dues/orders', { status: 409, data: { code: 'order_pending', message: '有一笔缴费正在处理中' } });
    const view = await loadPage('pages/dues/dues');
    await view.page.pay();
    expect(view.data.payState).toBe('pending_elsewhere');
    expect(wx.__calls('requestPayment')).toHaveLength(0);
  });
});

describe('history and special dues', () => {
  test('payment history with a receipt', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', { data: { member: shapes.member(), roles: ['member'] } });
    wx.__route('GET', '/api/v1/me/dues/orders', { data: { page: 1, per_page: 20, orders: [
      shapes.order({ order_no: 'D9', status: 'paid', amount_fen: 4500, months: ['2026-03', '2026-01', '2026-02'], paid_at: '2026-03-10T12:00:00+08:00' }),
      shapes.order({ order_no: 'S1', kind: 'special', status: 'paid', amount_fen: 10050, months: [], campaign_id: 4, paid_at: '2026-03-11T09:00:00+08:00' })
    ] } });
    const view = await loadPage('pages/dues-orders/dues-orders');
    expect(view.texts('.order-what')).toEqual(['2026年1月至2026年3月党费', '特殊党费']);
    expect(view.texts('.order-amount')).toEqual(['45.00 元', '100.50 元']);
    expect(view.exists('.receipt')).toBe(false);
    await view.tap('.order-item');
    expect(view.text('.receipt')).toContain('D9');
    expect(view.text('.receipt')).toContain('王建国');
  });

  test('special dues: yuan typed as text becomes exact fen; bad amounts are refused on the page', async () => {
    jest.useFakeTimers();
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/dues/campaigns', { data: [shapes.campaign()] });
    wx.__route('POST', '/api/v1/dues/orders', { status: 201, data: created('S2', 1015) });
    wx.__route('GET', '/api/v1/dues/orders/S2', { data: shapes.order({ order_no: 'S2', status: 'paid' }) });
    const view = await loadPage('pages/campaigns/campaigns');
    expect(view.data.selectedId).toBe(4);
    await view.input('.amount-input', '12.345');
    await view.tap('.pay');
    expect(view.text('.amount-error')).toContain('小数点后两位');
    expect(wx.__requests('POST')).toHaveLength(0);
    await view.input('.amount-input', '10.15');
    expect(view.text('.amount-text')).toBe('将交纳 10.15 元');
    const paying = view.page.pay();
    await flush();
    await paying;
    expect(wx.__requests('POST', '/api/v1/dues/orders')[0].data).toEqual({ campaign_id: 4, amount_fen: 1015 });
    expect(view.data.payState).toBe('paid');
  });
});
