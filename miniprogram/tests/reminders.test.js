// Issue 12 on the secretary's phone: who the worker reminded of dues and of the report-in, when, whether it
// arrived, and who cannot be reminded (no WeChat account, or no grant left).
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

const MEMBER = { id: 7, name: '王建国', phone_masked: '138****5678' };

function reminder(o) {
  return Object.assign({
    id: 1, member: MEMBER, kind: 'arrears_6', kind_label: '欠缴满6个月', period: '2026-03', status: 'sent',
    status_label: '已发送', errcode: null, created_at: '2026-09-03T10:00:05+08:00', sent_at: '2026-09-03T10:00:06+08:00'
  }, o);
}

function answer(items, withoutGrant) {
  return { data: shapes.page(items, { month: '2026-09', branch: { id: 2, name: '金山镇流动党员党支部' },
    without_grant: withoutGrant || [], per_page: 100 }) };
}

beforeEach(() => { jest.useFakeTimers({ now: new Date('2026-09-20T12:00:00+08:00') }); });
afterEach(() => { jest.useRealTimers(); });

test('lists this month\'s reminders with their outcome and who cannot be reminded', async () => {
  const { wx } = setup({ staffToken: 's' });
  wx.__storage.staff_me = shapes.staffMe();
  wx.__route('GET', '/api/v1/branches/2/dues/reminders', answer([
    reminder(),
    reminder({ id: 2, member: { id: 8, name: '李秀英', phone_masked: '139****0001' }, kind: 'report_in',
      kind_label: '本月报到', period: '2026-09', status: 'failed', status_label: '未送达', errcode: 43101, sent_at: null })
  ], [
    { member: { id: 9, name: '赵秀英', phone_masked: '137****2222' }, bound: true, dues_granted: false, report_granted: true },
    { member: { id: 10, name: '刘志强', phone_masked: null }, bound: false, dues_granted: false, report_granted: false }
  ]));
  const view = await loadPage('pages/staff/reminders/reminders');
  const call = wx.__requests('GET', '/api/v1/branches/2/dues/reminders')[0];
  expect(call.url).toContain('month=2026-09');
  expect(call.header.Authorization).toBe('Bearer s');
  expect(view.text('.month-value')).toBe('2026年9月');
  expect(view.text('.reminded-title')).toBe('已发提醒（2 条）');
  expect(view.texts('.reminder-item .what')).toEqual(['欠缴满6个月（2026年3月）', '本月报到（2026年9月）']);
  expect(view.texts('.reminder-item .outcome')).toEqual(['已发送', '未送达（微信错误码 43101）']);
  expect(view.texts('.reminder-item .when')[0]).toBe('9月3日 周四 10:00 · 138****5678');
  expect(view.text('.missing-title')).toBe('收不到提醒的党员（2 人）');
  expect(view.texts('.missing-item .why')).toEqual(['未授权：党费提醒', '未绑定微信，收不到任何提醒']);
  expect(view.exists('.no-reminders')).toBe(false);
});

test('another month is asked for when picked; an empty month says so', async () => {
  const { wx } = setup({ staffToken: 's' });
  wx.__storage.staff_me = shapes.staffMe();
  wx.__route('GET', '/api/v1/branches/2/dues/reminders', answer([]));
  const view = await loadPage('pages/staff/reminders/reminders');
  expect(view.exists('.no-reminders')).toBe(true);
  expect(view.exists('.no-missing')).toBe(true);
  await view.page.onMonth({ detail: { value: '2' } });
  const calls = wx.__requests('GET', '/api/v1/branches/2/dues/reminders');
  expect(calls[calls.length - 1].url).toContain('month=2026-07');
  expect(view.text('.month-value')).toBe('2026年7月');
});

test('a township admin is told to use a secretary\'s account', async () => {
  const { wx } = setup({ staffToken: 's' });
  wx.__storage.staff_me = shapes.staffMe({ role: 'township_admin', scope: { type: 'township', id: 1, name: '金山镇' } });
  const view = await loadPage('pages/staff/reminders/reminders');
  expect(view.exists('.branch-only')).toBe(true);
  expect(wx.__requests('GET', '/api/v1/branches/2/dues/reminders')).toHaveLength(0);
});
