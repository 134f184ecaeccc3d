// The activity certificate (流动党员活动证): number and valid-until on the member's home page; the secretary's
// certificates-due page records 年审 and renews after a pass.
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

const ME = { member: { id: 7, name: '王建国', id_number_masked: '1101**********002X', phone_masked: '139****0001',
  township: { id: 1, name: '金山镇' }, branch: { id: 3, name: '红星村党支部' }, mobile_branch: { id: 2, name: '金山镇流动党员党支部' },
  status: 'active', paid_through: '2026-02' }, roles: ['member'] };

function certificate(fields) {
  return Object.assign({ id: 5, number: 'JS-2026-0001', issued_on: '2025-03-20', valid_from: '2025-03-20',
    valid_until: '2026-03-19', status: 'valid', review_passed: false, period: 1, source: 'secretary',
    member: { id: 7, name: '王建国', id_number_masked: '1101**********002X' }, mobile_branch: { id: 2, name: '金山镇流动党员党支部' },
    periods: [], reviews: [] }, fields || {});
}

describe('the member home page', () => {
  test('shows the certificate number and valid-until', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', { data: ME });
    wx.__route('GET', '/api/v1/me/certificate', { data: { certificate: certificate() } });
    const view = await loadPage('pages/index/index');
    expect(view.text('.certificate-no')).toBe('JS-2026-0001');
    expect(view.text('.certificate-until')).toBe('2026-03-19');
  });

  test('an expired certificate says so; none registered shows no rows', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', { data: ME }, { data: ME });
    wx.__route('GET', '/api/v1/me/certificate', { data: { certificate: certificate({ status: 'expired' }) } },
      { status: 404, data: { code: 'no_certificate', message: '尚未登记流动党员活动证，请联系支部书记' } });
    const view = await loadPage('pages/index/index');
    expect(view.text('.certificate-until')).toBe('2026-03-19（已过期，请联系书记年审）');
    await view.page.reload();
    expect(view.exists('.certificate-no')).toBe(false);
    expect(view.exists('.member-name')).toBe(true);
  });
});

describe('the secretary certificates-due page', () => {
  beforeEach(() => { jest.useFakeTimers({ now: new Date('2026-03-10T02:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] }); });
  afterEach(() => { jest.useRealTimers(); });

  test('lists this month, records a passed review, then renews', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe();
    const due = { items: [certificate()], total: 1, page: 1, per_page: 20 };
    const passed = { items: [certificate({ review_passed: true })], total: 1, page: 1, per_page: 20 };
    wx.__route('GET', '/api/v1/branches/2/certificates', { data: due }, { data: passed }, { data: due }, { data: due });
    wx.__route('POST', '/api/v1/certificates/5/reviews', { status: 201, data: { certificate: certificate({ review_passed: true }) } });
    wx.__route('POST', '/api/v1/certificates/5/renewals', { status: 201, data: { certificate: certificate({ valid_until: '2027-03-19' }) } });
    const view = await loadPage('pages/staff/certificates/certificates');
    expect(wx.__requests('GET', '/api/v1/branches/2/certificates')[0].url).toContain('due=this_month');
    expect(view.texts('.member-name')).toEqual(['王建国']);
    expect(view.text('.number')).toBe('JS-2026-0001');
    expect(view.text('.total')).toBe('共 1 本');
    await view.tap('.pass');
    expect(wx.__requests('POST', '/api/v1/certificates/5/reviews')[0].data).toEqual({ reviewed_on: '2026-03-10', result: '通过' });
    expect(view.text('.message')).toBe('年审已登记：通过');
    expect(view.exists('.renew')).toBe(true);
    await view.tap('.renew');
    expect(wx.__requests('POST', '/api/v1/certificates/5/renewals')).toHaveLength(1);
    expect(view.text('.message')).toBe('已换发，有效期至 2027-03-19');
    await view.tapNth('.tab', 1);
    expect(wx.__requests('GET', '/api/v1/branches/2/certificates')[3].url).toContain('due=expired');
  });
});
