// The secretary's meeting minutes screen: edit the record, add photos (chooseMedia + uploadFile), lock, print.
const { setup, loadPage } = require('./harness');

const BASE = '/api/v1/events/5/minutes';

function record(overrides = {}) {
  return Object.assign({
    event: { id: 5, title: '十一月主题党日', kind: 'theme_day', kind_label: '主题党日', branch_id: 2, status: 'scheduled' },
    chair: '王书记', recorder: '李委员', topic: '学习全会精神', content: null, decisions: null,
    status: 'open', version: 0, updated_by: null, updated_at: null, locked_by: null, locked_at: null, expected_count: 3,
    attendees: [{ member_id: 1, name: '张建国', kind: 'present', checked_in_at: '2026-11-20T09:05:00+08:00', late: false, manual: false, note: '' }],
    absentees: [
      { member_id: 2, name: '李春梅', kind: 'on_leave', reason: '请假：在深圳加班' },
      { member_id: 3, name: '王大山', kind: 'absent', reason: '未请假' }
    ],
    photos: []
  }, overrides);
}

function photo(id) {
  return { id, file_name: id + '.jpg', format: 'JPEG', width: 3000, height: 2000, size_bytes: 1000, phone_width: 1280,
    phone_height: 853, uploaded_by: 'jinshan-sj', uploaded_at: '2026-11-20T12:00:00+08:00' };
}

describe('meeting minutes', () => {
  test('shows the record with attendees and absentees with reasons, and saves what was typed', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', BASE, { data: record() });
    wx.__route('PUT', BASE, { data: Object.assign(record(), { version: 1 }) });
    const view = await loadPage('pages/staff/minutes/minutes', { query: { event_id: '5' } });
    expect(view.text('.meeting-title')).toBe('十一月主题党日');
    expect(view.texts('.attendee-name')).toEqual(['张建国']);
    expect(view.texts('.absentee-name')).toEqual(['李春梅', '王大山']);
    expect(view.texts('.absentee-reason')).toEqual(['请假 · 请假：在深圳加班', '缺席 · 未请假']);
    await view.input('.content-input', ' 传达学习文件 ');
    await view.input('.decisions-input', '开展志愿服务');
    await view.tap('.save');
    expect(wx.__requests('PUT', BASE)[0].data).toEqual({
      chair: '王书记', recorder: '李委员', topic: '学习全会精神', content: '传达学习文件', decisions: '开展志愿服务'
    });
    expect(wx.__toasts()).toContain('已保存');
  });

  test('adds the chosen photos one upload each, with the token, then shows them', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', BASE, { data: record({ photos: [photo(1)] }) }, { data: record({ photos: [photo(1), photo(2), photo(3)] }) });
    wx.__route('GET', BASE + '/photos/1', { tempFilePath: 'wxfile://tmp/1.jpg' });
    wx.__route('GET', BASE + '/photos/2', { tempFilePath: 'wxfile://tmp/2.jpg' });
    wx.__route('GET', BASE + '/photos/3', { tempFilePath: 'wxfile://tmp/3.jpg' });
    wx.__route('POST', BASE + '/photos', { status: 201, data: photo(2) }, { status: 201, data: photo(3) });
    wx.__script('chooseMedia', { success: { tempFiles: [{ tempFilePath: 'wxfile://a.jpg' }, { tempFilePath: 'wxfile://b.jpg' }] } });
    const view = await loadPage('pages/staff/minutes/minutes', { query: { event_id: '5' } });
    expect(view.text('.photo-count')).toBe('会议照片（1/9）');
    await view.tap('.add-photos');
    expect(wx.__calls('chooseMedia')[0].count).toBe(8);
    const uploads = wx.__calls('uploadFile');
    expect(uploads.map(u => u.filePath)).toEqual(['wxfile://a.jpg', 'wxfile://b.jpg']);
    expect(uploads[0].name).toBe('file');
    expect(uploads[0].header.Authorization).toBe('Bearer s');
    expect(view.text('.photo-count')).toBe('会议照片（3/9）');
    expect(view.texts('.photo-name')).toEqual(['1.jpg', '2.jpg', '3.jpg']);
  });

  test("a refused photo shows the service's message", async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', BASE, { data: record() });
    wx.__route('POST', BASE + '/photos', { status: 422, data: { code: 'not_an_image', message: '请上传 JPEG 或 PNG 格式的照片' } });
    wx.__script('chooseMedia', { success: { tempFiles: [{ tempFilePath: 'wxfile://a.gif' }] } });
    const view = await loadPage('pages/staff/minutes/minutes', { query: { event_id: '5' } });
    await view.tap('.add-photos');
    expect(wx.__toasts()).toContain('请上传 JPEG 或 PNG 格式的照片');
  });

  test('a locked record offers no editing, only the printout', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', BASE, { data: record({ status: 'locked', photos: [] }) });
    wx.__route('GET', BASE + '?format=pdf', { tempFilePath: 'wxfile://tmp/minutes.pdf' });
    const view = await loadPage('pages/staff/minutes/minutes', { query: { event_id: '5' } });
    expect(view.exists('.locked-note')).toBe(true);
    expect(view.exists('.save')).toBe(false);
    expect(view.exists('.add-photos')).toBe(false);
    expect(view.exists('.lock')).toBe(false);
    await view.tap('.open-pdf');
    expect(wx.__calls('openDocument')[0]).toMatchObject({ filePath: 'wxfile://tmp/minutes.pdf', fileType: 'pdf' });
  });

  test('locking asks first, then posts the lock', async () => {
    const { wx } = setup({ staffToken: 's' });
    wx.__route('GET', BASE, { data: record() });
    wx.__route('POST', BASE + '/lock', { data: Object.assign(record(), { status: 'locked' }) });
    const view = await loadPage('pages/staff/minutes/minutes', { query: { event_id: '5' } });
    await view.tap('.lock');
    expect(wx.__calls('showModal')[0].title).toBe('锁定会议记录');
    expect(wx.__requests('POST', BASE + '/lock')).toHaveLength(1);
    expect(view.exists('.save')).toBe(false);
  });
});
