// The secretary's organisational-life screen: each rule of the quarter and its year, what is still due, and
// every miss with the rule it breaks.
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

describe('staff compliance page', () => {
  beforeEach(() => { jest.useFakeTimers({ now: new Date('2026-03-10T02:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] }); });
  afterEach(() => { jest.useRealTimers(); });

  test('shows the rules, the yearly ones, what is due and each miss with its rule', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe();
    wx.__route('GET', '/api/v1/branches/2/compliance', { data: shapes.compliance() });
    const view = await loadPage('pages/staff/compliance/compliance');
    expect(wx.__requests('GET', '/api/v1/branches/2/compliance')[0].url).toContain('quarter=2026-Q1');
    expect(view.texts('.compliance-label')).toEqual(['主题党日', '党课', '组织生活会', '民主评议党员']);
    expect(view.text('.overall')).toBe('本季度：未达标');
    expect(view.texts('.miss-title')).toEqual(['主题党日 · 2026年2月']);
    expect(view.text('.miss-rule')).toBe('违反：每月至少开展 1 次主题党日（已开 0/1 次）');
    expect(view.texts('.due-title')).toEqual(['组织生活会 · 2026年度', '民主评议党员 · 2026年度']);
    expect(view.text('.due-card')).toContain('已评定 1/2 人');
    expect(view.text('.compliance-item')).toContain('2026年2月 0/1 未达标');
    expect(view.exists('.no-miss')).toBe(false);
  });

  test('a quarter without misses says so, and another quarter is asked for', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe();
    const clean = shapes.compliance({ status: 'pending', misses: [], due: [] });
    wx.__route('GET', '/api/v1/branches/2/compliance', { data: clean }, { data: clean });
    const view = await loadPage('pages/staff/compliance/compliance');
    expect(view.exists('.miss-card')).toBe(false);
    expect(view.exists('.no-miss')).toBe(true);
    await view.trigger('.quarter-picker', 'change', { value: '1' });
    expect(wx.__requests('GET', '/api/v1/branches/2/compliance')[1].url).toContain('quarter=2025-Q4');
  });
});
