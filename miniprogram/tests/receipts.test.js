// CONTRACT §11: the member's receipts, WeChat and offline, each opening as a PDF.
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

describe('receipts', () => {
  test('a reversed or refunded payment keeps its receipt, marked as such', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/dues/receipts', { data: { items: [
      shapes.receipt({ status: 'reversed' }), shapes.receipt({ receipt_no: 'R202602W000003', channel: 'wechat', status: 'refunded' }),
      shapes.receipt({ receipt_no: 'R202601X000001' })
    ] } });
    const view = await loadPage('pages/receipts/receipts');
    expect(view.texts('.receipt-status')).toEqual(['· 已冲正', '· 已退款']);
  });

  test('lists receipts with channel and amount; opens the PDF with the bearer header and the share menu', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/dues/receipts', { data: { items: [
      shapes.receipt(), shapes.receipt({ receipt_no: 'D2026020001', months: ['2026-02'], amount_fen: 1500, channel: 'wechat' })
    ] } });
    wx.__route('GET', '/api/v1/dues/receipts/R2026030001', { status: 200, tempFilePath: 'wxfile://tmp/r1.pdf' });
    const view = await loadPage('pages/receipts/receipts');
    expect(view.texts('.receipt-what')).toEqual(['2026年1月至2026年2月党费', '2026年2月党费']);
    expect(view.texts('.receipt-amount')).toEqual(['30.00 元', '15.00 元']);
    expect(view.texts('.receipt-item')[0]).toContain('交给支部');
    expect(view.texts('.receipt-item')[1]).toContain('微信支付');
    await view.tapNth('.open-receipt', 0);
    const download = wx.__calls('downloadFile')[0];
    expect(download.url).toBe('http://127.0.0.1:5000/api/v1/dues/receipts/R2026030001?format=pdf');
    expect(download.header.Authorization).toBe('Bearer t');
    expect(wx.__calls('openDocument')[0]).toMatchObject({ filePath: 'wxfile://tmp/r1.pdf', fileType: 'pdf', showMenu: true });
    expect(wx.__calls('hideLoading')).toHaveLength(1);
  });

  test('a receipt the server will not give is explained, and the phone failing to open it too', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/dues/receipts', { data: { items: [shapes.receipt()] } });
    wx.__route('GET', '/api/v1/dues/receipts/R2026030001', { status: 404 }, { status: 200 });
    const view = await loadPage('pages/receipts/receipts');
    await view.tap('.open-receipt');
    expect(wx.__toasts()).toEqual(['没有找到这个文件，或不在您的权限范围内']);
    expect(wx.__calls('openDocument')).toHaveLength(0);
    wx.__script('openDocument', { fail: 'openDocument:fail filetype not supported' });
    await view.tap('.open-receipt');
    expect(wx.__toasts()[1]).toBe('手机上打不开这个文件，请稍后再试');
    expect(wx.__calls('hideLoading')).toHaveLength(2);
  });

  test('none yet; the dues page links here', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/dues/receipts', { data: { items: [] } });
    const view = await loadPage('pages/receipts/receipts');
    expect(view.exists('.no-receipts')).toBe(true);
    wx.__route('GET', '/api/v1/me/dues', { data: shapes.myDues() });
    const dues = await loadPage('pages/dues/dues');
    await dues.tap('.receipts');
    expect(wx.__calls('navigateTo')[0].url).toBe('/pages/receipts/receipts');
  });
});
