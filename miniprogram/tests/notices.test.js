// CONTRACT §12: notices on the member's home page and their read marks; staff publish and see who read.
const { setup, loadPage } = require('./harness');
const shapes = require('./shapes');

function lastUrl(wx, api) {
  const calls = wx.__calls(api);
  return calls.length ? calls[calls.length - 1].url : '';
}

function homeRoutes(wx, notices) {
  wx.__route('GET', '/api/v1/me', { data: { member: shapes.member(), roles: ['member'] } });
  wx.__route('GET', '/api/v1/me/notices', { data: shapes.page(notices) });
}

describe('member notices', () => {
  test('home shows the newest notices with an unread badge; tapping opens the notice', async () => {
    const { wx } = setup({ token: 't', bound: true });
    homeRoutes(wx, [
      shapes.myNotice({ id: 33, title: '4月党费收缴通知', created_at: '2026-04-01T09:00:00+08:00' }),
      shapes.myNotice({ id: 32, title: '3月学习安排', read: true }),
      shapes.myNotice({ id: 31 })
    ]);
    const view = await loadPage('pages/index/index');
    expect(wx.__requests('GET', '/api/v1/me/notices')[0].url).toContain('?page=1');
    expect(view.texts('.notice-line-title')).toEqual(['●4月党费收缴通知', '3月学习安排', '●关于召开3月主题党日的通知']);
    expect(view.text('.unread-badge')).toBe('2 条未读');
    await view.tapNth('.notice-item', 0);
    expect(lastUrl(wx, 'navigateTo')).toBe('/pages/notice/notice?id=33');
  });

  test('the badge counts every unread notice the service reports, not only those on the first page', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me', { data: { member: shapes.member(), roles: ['member'] } });
    wx.__route('GET', '/api/v1/me/notices', { data: Object.assign(shapes.page([shapes.myNotice()], { total: 25 }), { unread: 12 }) });
    const view = await loadPage('pages/index/index');
    expect(view.text('.unread-badge')).toBe('12 条未读');
  });

  test('the notices screen asks for one new-notice message and reports the grant', async () => {
    const { wx, config } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/notices', { data: shapes.page([]) });
    wx.__route('POST', '/api/v1/me/subscriptions', { status: 201, data: { template_id: 'notice-dev', remaining: 1 } });
    expect(config.noticeTemplate.id).toBe('notice-dev'); // the service's WECHAT_NOTICE_TEMPLATE_ID default
    wx.__script('requestSubscribeMessage', { success: { 'notice-dev': 'accept', errMsg: 'requestSubscribeMessage:ok' } });
    const view = await loadPage('pages/notices/notices');
    await view.tap('.subscribe-notices');
    expect(wx.__calls('requestSubscribeMessage')[0].tmplIds).toEqual(['notice-dev']);
    expect(wx.__requests('POST', '/api/v1/me/subscriptions').map(r => r.data)).toEqual([{ template_id: 'notice-dev' }]);
  });

  test('no unread notice, no badge; no notice at all says so', async () => {
    const { wx } = setup({ token: 't', bound: true });
    homeRoutes(wx, [shapes.myNotice({ read: true })]);
    const view = await loadPage('pages/index/index');
    expect(view.exists('.unread-badge')).toBe(false);
    homeRoutes(wx, []);
    await view.page.reload();
    expect(view.exists('.no-notices')).toBe(true);
  });

  test('the detail shows the notice from the list and marks it read once', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/notices', { data: shapes.page([shapes.myNotice()]) });
    wx.__route('POST', '/api/v1/me/notices/31/read', { status: 204, data: '' });
    const list = await loadPage('pages/notices/notices');
    await list.tap('.notice-item');
    expect(lastUrl(wx, 'navigateTo')).toBe('/pages/notice/notice?id=31');
    const view = await loadPage('pages/notice/notice', { query: { id: '31' } });
    expect(view.text('.notice-title')).toBe('关于召开3月主题党日的通知');
    expect(view.text('.notice-body')).toContain('党群服务中心');
    expect(view.text('.notice-when')).toBe('3月1日 周日 09:00');
    expect(wx.__requests('GET', '/api/v1/me/notices')).toHaveLength(1);
    expect(wx.__requests('POST', '/api/v1/me/notices/31/read')).toHaveLength(1);
  });

  test('opened directly (from a message), the notice is looked up; a read one is not marked again', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/notices', { data: shapes.page([shapes.myNotice({ read: true })]) });
    const view = await loadPage('pages/notice/notice', { query: { id: '31' } });
    expect(view.text('.notice-title')).toBe('关于召开3月主题党日的通知');
    expect(wx.__requests('POST')).toHaveLength(0);
  });

  test('a notice no longer listed says so', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/notices', { data: shapes.page([shapes.myNotice()]) });
    const view = await loadPage('pages/notice/notice', { query: { id: '99' } });
    expect(view.exists('.notice-missing')).toBe(true);
    expect(view.exists('.notice-title')).toBe(false);
  });

  test('the full list pages on and shows read and unread', async () => {
    const { wx } = setup({ token: 't', bound: true });
    wx.__route('GET', '/api/v1/me/notices',
      { data: shapes.page([shapes.myNotice()], { total: 21, per_page: 20 }) },
      { data: shapes.page([shapes.myNotice({ id: 1, title: '旧通知', read: true })], { total: 21, page: 2, per_page: 20 }) });
    const view = await loadPage('pages/notices/notices');
    expect(view.text('.notice-item')).toContain('未读');
    await view.tap('.load-more');
    expect(wx.__requests('GET', '/api/v1/me/notices')[1].url).toContain('?page=2');
    expect(view.texts('.notice-item')[1]).toContain('旧通知');
    expect(view.texts('.notice-item')[1]).toContain('已读');
    expect(view.exists('.load-more')).toBe(false);
  });
});

describe('staff notices', () => {
  const TOWNSHIPS = { items: [{ id: 1, name: '金山镇', member_count: 80, mobile_branches: [{ id: 2, name: '金山镇流动党员党支部' }] }] };

  test('a secretary publishes to their branch and sees the read counts', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe();
    wx.__route('POST', '/api/v1/notices', { status: 201, data: shapes.staffNotice({ id: 35 }) });
    wx.__route('GET', '/api/v1/notices/35', { data: shapes.staffNotice({ id: 35 }) });
    wx.__route('GET', '/api/v1/notices/35/unread', { data: shapes.page([shapes.unreadMember()]) });
    const view = await loadPage('pages/staff/notice-new/notice-new');
    expect(wx.__requests('GET', '/api/v1/townships')).toHaveLength(0);
    expect(view.text('.audience-value')).toBe('金山镇流动党员党支部');
    await view.tap('.submit');
    expect(view.text('.title-error')).toBe('请填写标题');
    expect(view.text('.body-error')).toBe('请填写通知内容');
    await view.input('.title-input', '关于召开3月主题党日的通知');
    await view.input('.body-input', '3月5日晚7点半在党群服务中心召开。');
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/notices')[0].data).toEqual({
      title: '关于召开3月主题党日的通知', body: '3月5日晚7点半在党群服务中心召开。', branch_id: 2
    });
    expect(lastUrl(wx, 'redirectTo')).toBe('/pages/staff/notice/notice?id=35');
    const detail = await loadPage('pages/staff/notice/notice', { query: { id: '35' } });
    expect(detail.text('.read-count')).toBe('3');
    expect(detail.text('.unread-count')).toBe('1');
    expect(detail.text('.read-percent')).toBe('75%');
    expect(detail.text('.notice-audience')).toBe('金山镇流动党员党支部');
  });

  test('the county picks the whole county, a township or a branch', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe({ role: 'county_admin', scope: { type: 'county', id: 1, name: '某某县' } });
    wx.__route('GET', '/api/v1/townships', { data: TOWNSHIPS });
    wx.__route('POST', '/api/v1/notices', { status: 201, data: shapes.staffNotice() });
    const view = await loadPage('pages/staff/notice-new/notice-new');
    expect(view.data.audiences.map(a => a.label)).toEqual(['全县所有党员', '金山镇（全乡镇）', '金山镇 · 金山镇流动党员党支部']);
    await view.input('.title-input', '通知');
    await view.input('.body-input', '内容');
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/notices')[0].data).toEqual({ title: '通知', body: '内容' });
    await view.trigger('.audience-picker', 'change', { value: '1' });
    await view.tap('.submit');
    expect(wx.__requests('POST', '/api/v1/notices')[1].data).toEqual({ title: '通知', body: '内容', township_id: 1 });
  });

  test('out of scope (404) is said, nothing is left half done', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe();
    wx.__route('POST', '/api/v1/notices', { status: 404, data: { code: 'not_found', message: '没有找到这个支部' } });
    const view = await loadPage('pages/staff/notice-new/notice-new');
    await view.input('.title-input', '通知');
    await view.input('.body-input', '内容');
    await view.tap('.submit');
    expect(wx.__toasts()).toContain('没有找到这个支部');
    expect(wx.__calls('redirectTo')).toEqual([]);
    expect(view.data.submitting).toBe(false);
  });
});

describe('staff follow-up of a notice', () => {
  test('who has not read: masked phones, members without WeChat marked, more on request', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe();
    wx.__route('GET', '/api/v1/notices/31', { data: shapes.staffNotice() });
    wx.__route('GET', '/api/v1/notices/31/unread',
      { data: shapes.page([shapes.unreadMember(), shapes.unreadMember({ id: 8, name: '李秀英', bound: false })], { total: 3, per_page: 2 }) },
      { data: shapes.page([shapes.unreadMember({ id: 9, name: '赵六', phone_masked: null })], { total: 3, page: 2, per_page: 2 }) });
    const view = await loadPage('pages/staff/notice/notice', { query: { id: '31' } });
    expect(view.texts('.unread-name')).toEqual(['王建国', '李秀英']);
    expect(view.texts('.unread-phone')[0]).toBe('138****5678');
    expect(view.all('.not-bound')).toHaveLength(1);
    expect(view.texts('.unread-member')[1]).toContain('未绑定微信');
    await view.tap('.load-more-unread');
    expect(wx.__requests('GET', '/api/v1/notices/31/unread')[1].url).toContain('page=2');
    expect(view.texts('.unread-name')).toEqual(['王建国', '李秀英', '赵六']);
    expect(view.texts('.unread-phone')[2]).toBe('无手机号');
    expect(view.exists('.load-more-unread')).toBe(false);
  });

  test('everyone has read it', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe();
    wx.__route('GET', '/api/v1/notices/31', { data: shapes.staffNotice({ read_count: 4, unread_count: 0 }) });
    wx.__route('GET', '/api/v1/notices/31/unread', { data: shapes.page([]) });
    const view = await loadPage('pages/staff/notice/notice', { query: { id: '31' } });
    expect(view.exists('.all-read')).toBe(true);
    expect(view.text('.read-percent')).toBe('100%');
  });

  test('the list of published notices with their counts opens one', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__storage.staff_me = shapes.staffMe();
    wx.__route('GET', '/api/v1/notices', { data: shapes.page([shapes.staffNotice({ id: 35, title: '4月党费收缴通知' }),
      shapes.staffNotice({ audience: { type: 'county', id: 1, name: '某某县' } })]) });
    const view = await loadPage('pages/staff/notices/notices');
    expect(wx.__requests('GET', '/api/v1/notices')[0].url).toContain('page=1');
    expect(view.texts('.staff-notice-title')).toEqual(['4月党费收缴通知', '关于召开3月主题党日的通知']);
    expect(view.texts('.staff-notice-counts')[0]).toBe('已读 3 · 未读 1');
    expect(view.texts('.staff-notice')[1]).toContain('发给 全县');
    await view.tapNth('.staff-notice', 0);
    expect(lastUrl(wx, 'navigateTo')).toBe('/pages/staff/notice/notice?id=35');
    await view.tap('.go-publish');
    expect(lastUrl(wx, 'navigateTo')).toBe('/pages/staff/notice-new/notice-new');
  });
});
