// src/api/: one module per feature; each function is one request with the right verb, path, body and token.
const path = require('path');
const { setup } = require('./harness');

const api = name => require(path.join(SRC_API, name));
const SRC_API = path.resolve(__dirname, '..', 'src', 'api');

// [module, call, method, path with query, body, staff token?]
const CASES = [
  ['auth', m => m.bind({ name: '王建国', id_number: 'X' }), 'POST', '/api/v1/auth/bind', { name: '王建国', id_number: 'X' }, false],
  ['me', m => m.profile(), 'GET', '/api/v1/me', undefined, false],
  ['me', m => m.reports(2), 'GET', '/api/v1/me/reports?page=2', undefined, false],
  ['me', m => m.addSubscription('tpl'), 'POST', '/api/v1/me/subscriptions', { template_id: 'tpl' }, false],
  ['events', m => m.myEvents(true), 'GET', '/api/v1/me/events?upcoming=1', undefined, false],
  ['events', m => m.requestLeave(3, '加班'), 'POST', '/api/v1/events/3/leave', { reason: '加班' }, false],
  ['events', m => m.list(true), 'GET', '/api/v1/events?upcoming=1', undefined, true],
  ['events', m => m.manualCheckin(3, 7, '补'), 'POST', '/api/v1/events/3/manual-checkins', { member_id: 7, reason: '补' }, true],
  ['events', m => m.compliance(2, '2026-Q1'), 'GET', '/api/v1/branches/2/compliance?quarter=2026-Q1', undefined, true],
  ['events', m => m.decideLeave(70, false), 'POST', '/api/v1/leaves/70/decision', { approve: false }, true],
  ['dues', m => m.mine(), 'GET', '/api/v1/me/dues', undefined, false],
  ['dues', m => m.receipts(), 'GET', '/api/v1/me/dues/receipts', undefined, false],
  ['dues', m => m.order('D 1'), 'GET', '/api/v1/dues/orders/D%201', undefined, false],
  ['dues', m => m.memberDues(7), 'GET', '/api/v1/members/7/dues', undefined, true],
  ['dues', m => m.recordPayment(2, { member_id: 7 }), 'POST', '/api/v1/branches/2/dues/payments', { member_id: 7 }, true],
  ['dues', m => m.reversePayment(21, '错'), 'POST', '/api/v1/dues/payments/21/reverse', { reason: '错' }, true],
  ['dues', m => m.arrears(2), 'GET', '/api/v1/branches/2/dues/arrears', undefined, true],
  ['staff', m => m.me(), 'GET', '/api/v1/staff/me', undefined, true],
  ['orgs', m => m.townships(), 'GET', '/api/v1/townships', undefined, false],
  ['orgs', m => m.branches(4, 'mobile', true), 'GET', '/api/v1/branches?township_id=4&kind=mobile', undefined, true],
  ['members', m => m.search({ q: '王', branch_id: null }), 'GET', '/api/v1/members?q=%E7%8E%8B', undefined, true],
  ['registrations', m => m.submit({ name: 'x' }), 'POST', '/api/v1/auth/registrations', { name: 'x' }, false],
  ['registrations', m => m.mine(), 'GET', '/api/v1/auth/registrations/mine', undefined, false],
  ['registrations', m => m.list('pending', 1), 'GET', '/api/v1/registrations?status=pending&page=1', undefined, true],
  ['registrations', m => m.decide(11, true), 'POST', '/api/v1/registrations/11/decision', { approve: true }, true],
  ['notices', m => m.mine(), 'GET', '/api/v1/me/notices?page=1', undefined, false],
  ['notices', m => m.markRead(31), 'POST', '/api/v1/me/notices/31/read', undefined, false],
  ['notices', m => m.publish({ title: 't' }), 'POST', '/api/v1/notices', { title: 't' }, true],
  ['notices', m => m.get(31), 'GET', '/api/v1/notices/31', undefined, true],
  ['transfers', m => m.record(7, { kind: 'return_home' }), 'POST', '/api/v1/members/7/transfers', { kind: 'return_home' }, true],
  ['lostcontact', m => m.flags(null, 1), 'GET', '/api/v1/lost-contact?page=1', undefined, true],
  ['lostcontact', m => m.confirm(7, '停机'), 'POST', '/api/v1/lost-contact/7/confirm', { reason: '停机' }, true],
  ['lostcontact', m => m.dismiss(7, '联系上'), 'POST', '/api/v1/lost-contact/7/dismiss', { reason: '联系上' }, true]
];

test.each(CASES)('%s: %p', async (name, call, method, url, body, staff) => {
  const { wx } = setup({ token: 'member', staffToken: 'staff' });
  wx.__route(method, url.split('?')[0], { status: 200, data: { items: [] } });
  await call(api(name));
  const sent = wx.__calls('request')[0];
  expect(sent.method).toBe(method);
  expect(sent.url).toBe('http://127.0.0.1:5000' + url);
  expect(sent.data).toEqual(body);
  expect(sent.header.Authorization).toBe('Bearer ' + (staff ? 'staff' : 'member'));
});

test.each([
  ['events', m => m.downloadCheckinCode(3), '/api/v1/events/3/checkin-code?format=png'],
  ['events', m => m.downloadAttendanceSheet(3), '/api/v1/events/3/attendance?format=xlsx'],
  ['dues', m => m.downloadLedger(2, 2026), '/api/v1/branches/2/dues/ledger?year=2026&format=xlsx'],
  ['transfers', m => m.downloadLetter(41), '/api/v1/transfers/41/letter?format=pdf']
])('%s: staff download %p', async (name, call, url) => {
  const { wx } = setup({ token: 'member', staffToken: 'staff' });
  await call(api(name));
  const sent = wx.__calls('downloadFile')[0];
  expect(sent.url).toBe('http://127.0.0.1:5000' + url);
  expect(sent.header.Authorization).toBe('Bearer staff');
});

test('the receipt PDF is fetched with the member\'s own token', async () => {
  const { wx } = setup({ token: 'member', staffToken: 'staff' });
  await api('dues').downloadReceipt('R 1');
  expect(wx.__calls('downloadFile')[0]).toMatchObject({
    url: 'http://127.0.0.1:5000/api/v1/dues/receipts/R%201?format=pdf', header: { Authorization: 'Bearer member' }
  });
});

test('login goes without a token and is never retried (a WeChat code works once)', async () => {
  const { wx } = setup({ token: 'old' });
  wx.__route('POST', '/api/v1/auth/login', { fail: 'request:fail timeout' });
  await expect(api('auth').login('c')).rejects.toMatchObject({ network: true });
  expect(wx.__calls('request')).toHaveLength(1);
  expect(wx.__calls('request')[0].header.Authorization).toBeUndefined();
});

test('marking a notice read is retried (it is repeatable)', async () => {
  const { wx } = setup({ token: 'member' });
  wx.__route('POST', '/api/v1/me/notices/31/read', { fail: 'request:fail timeout' }, { status: 204, data: '' });
  await api('notices').markRead(31);
  expect(wx.__calls('request')).toHaveLength(2);
});
