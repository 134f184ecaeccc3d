const { setup, loadPage, settle } = require('./harness');
const shapes = require('./shapes');

function lastRedirect(wx) {
  const calls = wx.__calls('redirectTo');
  return calls.length ? calls[calls.length - 1].url : '';
}

function queryOf(url) {
  const out = {};
  url.split('?')[1].split('&').forEach(kv => { const [k, v] = kv.split('='); out[k] = decodeURIComponent(v); });
  return out;
}

describe('scan to check in', () => {
  test('the scan button reads the code path and opens the check-in page with the token', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/events', { data: shapes.page([]) });
    wx.__script('scanCode', { success: { scanType: 'WX_CODE', path: 'pages/checkin/checkin?scene=12%2Eq7Lm_x', result: '' } });
    const view = await loadPage('pages/events/events');
    await view.tap('.scan');
    expect(wx.__calls('scanCode')[0].onlyFromCamera).toBe(true);
    expect(wx.__calls('navigateTo')[0].url).toBe('/pages/checkin/checkin?scene=12.q7Lm_x');
  });

  test('each meeting says whether it is on now or already over', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/events', { data: shapes.page([
      shapes.myEvent({ id: 1, phase: 'ongoing', phase_label: '进行中' }),
      shapes.myEvent({ id: 2, phase: 'ended', phase_label: '已结束', my_state: 'absent' })
    ]) });
    const view = await loadPage('pages/events/events');
    expect(view.texts('.event-phase')).toEqual(['进行中', '已结束']);
  });

  test('a code that is not a check-in code is explained', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/events', { data: shapes.page([]) });
    wx.__script('scanCode', { success: { scanType: 'QR_CODE', result: 'https://example.com/' } });
    const view = await loadPage('pages/events/events');
    await view.tap('.scan');
    expect(wx.__calls('navigateTo')).toEqual([]);
    expect(wx.__calls('showModal')[0].title).toBe('不是签到码');
  });

  test('opened by the WeChat camera: decodes options.scene, locates, checks in, shows success', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__script('getLocation', { success: { latitude: 22.5431, longitude: 114.0579, accuracy: 25 } });
    wx.__route('POST', '/api/v1/events/12/checkins', { status: 201, data: { checkin: shapes.checkin() } });
    await loadPage('pages/checkin/checkin', { query: { scene: '12%2Eq7Lm_x' } });
    const sent = wx.__requests('POST', '/api/v1/events/12/checkins')[0];
    expect(sent.data).toEqual({ token: '12.q7Lm_x', lat: 22.5431, lng: 114.0579, accuracy: 25 });
    expect(sent.header.Authorization).toBe('Bearer t');
    expect(sent.header['Idempotency-Key']).toBe('checkin-12.q7Lm_x');
    expect(wx.__calls('getLocation')[0].type).toBe('gcj02');
    const url = lastRedirect(wx);
    expect(url.indexOf('/pages/checkin-result/checkin-result?')).toBe(0);
    expect(queryOf(url).status).toBe('success');

    const result = await loadPage('pages/checkin-result/checkin-result', { query: queryOf(url) });
    expect(result.text('.result-title')).toBe('签到成功');
    expect(result.exists('.rescan')).toBe(false);
  });

  test('a repeat (200) says already checked in', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('POST', '/api/v1/events/12/checkins', { status: 200, data: { checkin: shapes.checkin() } });
    await loadPage('pages/checkin/checkin', { query: { scene: '12.abc' } });
    const result = await loadPage('pages/checkin-result/checkin-result', { query: queryOf(lastRedirect(wx)) });
    expect(result.text('.result-title')).toBe('您已经签过到了');
  });

  test('a lost answer is retried with the same idempotency key', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('POST', '/api/v1/events/12/checkins', { fail: 'request:fail timeout' }, { status: 200, data: { checkin: shapes.checkin() } });
    await loadPage('pages/checkin/checkin', { query: { scene: '12.abc' } });
    await settle();
    expect(wx.__requests('POST', '/api/v1/events/12/checkins')).toHaveLength(2);
    expect(queryOf(lastRedirect(wx)).status).toBe('already');
  });

  test.each([
    ['checkin_outside_area', { distance_m: 1234, radius_m: 200 }, '不在会场范围内', '您距离会场约 1234 米', true],
    ['checkin_token_invalid', {}, '签到码已过期', '请重新扫一次', true],
    ['checkin_window_closed', {}, '现在不是签到时间', '签到时间已结束', false]
  ])('422 %s → a clear result page', async (code, extra, title, message, rescan) => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('POST', '/api/v1/events/12/checkins', { status: 422, data: Object.assign({ code, message: '服务器说明' }, extra) });
    await loadPage('pages/checkin/checkin', { query: { scene: '12.abc' } });
    expect(wx.__toasts()).toEqual([]);
    const result = await loadPage('pages/checkin-result/checkin-result', { query: queryOf(lastRedirect(wx)) });
    expect(result.text('.result-title')).toBe(title);
    expect(result.text('.result-message')).toContain(message);
    expect(result.exists('.rescan')).toBe(rescan);
  });

  test('404: not an event of the member\'s branch', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('POST', '/api/v1/events/12/checkins', { status: 404, data: { code: 'not_found', message: '未找到' } });
    await loadPage('pages/checkin/checkin', { query: { scene: '12.abc' } });
    const result = await loadPage('pages/checkin-result/checkin-result', { query: queryOf(lastRedirect(wx)) });
    expect(result.text('.result-title')).toBe('不是您支部的会议');
  });

  test('an expired code offers a rescan that checks in again', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('POST', '/api/v1/events/12/checkins', { status: 422, data: { code: 'checkin_token_invalid', message: '签到码无效' } });
    await loadPage('pages/checkin/checkin', { query: { scene: '12.old' } });
    const result = await loadPage('pages/checkin-result/checkin-result', { query: queryOf(lastRedirect(wx)) });
    wx.__script('scanCode', { success: { path: 'pages/checkin/checkin?scene=12.new' } });
    await result.tap('.rescan');
    expect(lastRedirect(wx)).toBe('/pages/checkin/checkin?scene=12.new');
  });

  test('location denied: explains why, offers settings, does not submit', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__script('getLocation', { fail: 'getLocation:fail auth deny' });
    wx.__script('showModal', { success: { confirm: false, cancel: true } });
    const view = await loadPage('pages/checkin/checkin', { query: { scene: '12.abc' } });
    expect(wx.__calls('showModal')[0].content).toContain('签到需要确认您在会场附近');
    expect(wx.__calls('showModal')[0].confirmText).toBe('去设置');
    expect(wx.__requests('POST')).toHaveLength(0);
    expect(view.text('.step-text')).toContain('没有获取到位置');
    expect(view.exists('.retry')).toBe(true);
  });

  test('GPS switched off: asks to switch it on', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__script('getLocation', { fail: 'getLocation:fail:ERROR_NOCELL&WIFI_LOCATIONSWITCHOFF' });
    const view = await loadPage('pages/checkin/checkin', { query: { scene: '12.abc' } });
    expect(wx.__calls('showModal')[0].content).toContain('定位（GPS）');
    expect(wx.__calls('openSetting')).toHaveLength(0);
    expect(view.text('.detail')).toContain('定位');
  });

  test('a page opened without a usable scene asks to scan', async () => {
    const { wx } = setup({ token: 't', bound: true });
    const view = await loadPage('pages/checkin/checkin', { query: { scene: 'garbage' } });
    expect(view.text('.step-text')).toBe('没有读到签到码');
    expect(view.exists('.rescan')).toBe(true);
    expect(wx.__calls('getLocation')).toHaveLength(0);
  });
});

describe('meetings list, leave, history and reminders', () => {
  const EVENTS = shapes.page([
    shapes.myEvent({ id: 3, title: '3月主题党日', place_name: '党群服务中心', my_state: 'none' }),
    shapes.myEvent({ id: 4, title: '第一季度党课', kind: 'lecture', kind_label: '党课', starts_at: '2026-03-20T19:30:00+08:00',
      ends_at: '2026-03-20T21:30:00+08:00', my_state: 'present', my_checkin: shapes.checkin({ event_id: 4 }) }),
    shapes.myEvent({ id: 5, title: '组织生活会', kind: 'life_meeting', kind_label: '组织生活会', starts_at: '2026-03-25T19:30:00+08:00',
      my_state: 'leave_pending', my_leave: { id: 9, reason: '出差', status: 'pending', note: null, decided_at: null } })
  ]);

  test('lists upcoming meetings with Chinese kinds and the member\'s own state', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/events', { data: EVENTS });
    const view = await loadPage('pages/events/events');
    expect(wx.__requests('GET')[0].url).toBe('http://127.0.0.1:5000/api/v1/me/events?upcoming=1');
    expect(view.texts('.event-title')).toEqual(['3月主题党日', '第一季度党课', '组织生活会']);
    expect(view.text('.event-item')).toContain('主题党日 · 3月5日 周四 19:30');
    expect(view.text('.event-item')).toContain('地点：党群服务中心');
    expect(view.texts('.event-state')).toEqual(['还未签到', '已签到', '请假待批']);
    expect(view.all('.ask-leave')).toHaveLength(1);
  });

  test('asks for leave with a reason', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('POST', '/api/v1/events/3/leave', { status: 201, data: { leave: shapes.leave({ id: 1, event_id: 3, reason: '当天加班' }) } });
    const view = await loadPage('pages/leave/leave', { query: { event_id: '3', title: encodeURIComponent('3月主题党日') } });
    expect(view.text('.event-title')).toBe('3月主题党日');
    await view.tap('.submit');
    expect(view.text('.reason-error')).toBe('请写一下请假原因');
    await view.input('.reason-input', '当天加班');
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/events/3/leave')[0].data).toEqual({ reason: '当天加班' });
    expect(view.exists('.leave-done')).toBe(true);
  });

  test('my attendance history', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/checkins', { data: shapes.page([shapes.myCheckin({ id: 1, checked_in_at: '2026-02-05T19:35:00+08:00' })], { total: 21 }) });
    const view = await loadPage('pages/my-checkins/my-checkins');
    expect(view.text('.checkin-item')).toContain('2月主题党日');
    expect(view.text('.checkin-item')).toContain('2月5日');
    expect(view.data.more).toBe(true);
  });

  test('reminders: one POST per accepted template only', async () => {
    const { wx, config } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/events', { data: shapes.page([]) });
    wx.__route('POST', '/api/v1/me/subscriptions', { status: 201, data: { template_id: 'meeting-reminder-dev', remaining: 1 } });
    const ids = config.subscribeTemplates.map(t => t.id);
    expect(ids).toEqual(['meeting-reminder-dev']); // the service's WECHAT_REMINDER_TEMPLATE_ID default
    config.subscribeTemplates.push({ id: 'other-template', name: '另一个' });
    const meeting = ids[0];
    wx.__script('requestSubscribeMessage', { success: { [meeting]: 'accept', 'other-template': 'reject', errMsg: 'requestSubscribeMessage:ok' } });
    const view = await loadPage('pages/events/events');
    await view.tap('.subscribe');
    expect(wx.__calls('requestSubscribeMessage')[0].tmplIds).toEqual([meeting, 'other-template']);
    expect(wx.__requests('POST', '/api/v1/me/subscriptions').map(r => r.data)).toEqual([{ template_id: meeting }]);
    expect(wx.__toasts()).toContain('已开启提醒');
  });
});
