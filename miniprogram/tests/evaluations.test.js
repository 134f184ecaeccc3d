// The secretary's yearly democratic evaluation screen (民主评议党员): the branch's members with their grades, one entered
// at a time with PUT /members/{id}/evaluations/{year}.
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

function secretary(wx) {
  wx.__storage.staff_me = shapes.staffMe();
}

describe('democratic evaluation', () => {
  beforeEach(() => { jest.useFakeTimers({ now: new Date('2026-03-10T02:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] }); });
  afterEach(() => { jest.useRealTimers(); });

  test('lists last year by default with the grades and who is not yet evaluated', async () => {
    const { wx } = setup({ staffToken: 's' });
    secretary(wx);
    wx.__route('GET', '/api/v1/branches/2/evaluations', { data: shapes.branchEvaluations() });
    const view = await loadPage('pages/staff/evaluations/evaluations');
    expect(wx.__requests('GET', '/api/v1/branches/2/evaluations')[0].url).toContain('year=2025');
    expect(view.text('.year-value')).toBe('2025年度民主评议');
    expect(view.texts('.member-name')).toEqual(['王建国', '李秀英']);
    expect(view.texts('.grade-label')).toEqual(['优秀', '未评议']);
    expect(view.text('.summary')).toBe('优秀 1 人 · 未评议 1 人');
    await view.trigger('.year-picker', 'change', { value: '0' });
    expect(wx.__requests('GET', '/api/v1/branches/2/evaluations')[1].url).toContain('year=2026');
  });

  test('records a grade with a note and the date, then shows the list again', async () => {
    const { wx } = setup({ staffToken: 's' });
    secretary(wx);
    const after = shapes.branchEvaluations({ grades: { '优秀': 1, '合格': 1 }, unrecorded: 0 });
    after.items[1].evaluation = { member_id: 8, year: 2025, grade: '合格', note: null, recorded_on: '2026-03-10' };
    wx.__route('GET', '/api/v1/branches/2/evaluations', { data: shapes.branchEvaluations() }, { data: after });
    wx.__route('PUT', '/api/v1/members/8/evaluations/2025', { data: after.items[1].evaluation });
    const view = await loadPage('pages/staff/evaluations/evaluations');
    await view.tapNth('.evaluate', 1);
    expect(view.text('.grade-value')).toBe('等次：合格');
    expect(view.text('.date-value')).toBe('评定日期：2026-03-10');
    await view.trigger('.grade-picker', 'change', { value: '2' });
    await view.input('.note-input', ' 学习不够主动 ');
    await view.tap('.save');
    expect(wx.__requests('PUT', '/api/v1/members/8/evaluations/2025')[0].data).toEqual({
      grade: '基本合格', recorded_on: '2026-03-10', note: '学习不够主动'
    });
    expect(wx.__toasts()).toContain('已保存');
    expect(view.texts('.grade-label')).toEqual(['优秀', '合格']);
    expect(view.text('.summary')).toBe('优秀 1 人 · 合格 1 人');
    expect(view.exists('.save')).toBe(false);
  });

  test("the service's field error is shown under the field and nothing is left half done", async () => {
    const { wx } = setup({ staffToken: 's' });
    secretary(wx);
    wx.__route('GET', '/api/v1/branches/2/evaluations', { data: shapes.branchEvaluations() });
    wx.__route('PUT', '/api/v1/members/7/evaluations/2025', { status: 422, data: {
      code: 'validation_error', message: '评定日期不正确', errors: { recorded_on: ['评定日期应在评议年度之内或之后，且不晚于今天'] } } });
    const view = await loadPage('pages/staff/evaluations/evaluations');
    await view.tapNth('.evaluate', 0);
    expect(view.text('.grade-value')).toBe('等次：优秀');
    await view.trigger('.date-picker', 'change', { value: '2024-12-01' });
    await view.tap('.save');
    expect(view.text('.date-error')).toContain('评定日期应在评议年度之内');
    expect(wx.__toasts()).toContain('评定日期不正确');
    expect(view.data.submitting).toBe(false);
    expect(view.exists('.save')).toBe(true);
  });

  test('a township or county account is asked to use the secretary account', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe({ role: 'township_admin', scope: { type: 'township', id: 1, name: '金山镇' } });
    const view = await loadPage('pages/staff/evaluations/evaluations');
    expect(view.exists('.branch-only')).toBe(true);
    expect(wx.__requests('GET')).toHaveLength(0);
  });
});
