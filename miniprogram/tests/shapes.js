// The service's response shapes, field for field from its marshmallow schemas (server/*/schemas.py), so the
// scripted answers in these tests are what the real server sends. Each builder takes overrides.
// tests/contract-shapes.test.js checks the same shapes against fixtures generated from the running server.
const BRANCH = { id: 2, name: '金山镇流动党员党支部' };

// PageOut of every paged list: {items, total, page, per_page}.
function page(items, extra) {
  return Object.assign({ items, total: items.length, page: 1, per_page: 20 }, extra);
}

// server/members/schemas.py MemberOut
function member(o) {
  return Object.assign({
    id: 7, name: '王建国', id_number_masked: '4211**********1234', phone_masked: '138****5678',
    township: { id: 1, name: '金山镇' }, branch: { id: 3, name: '金山村党支部' }, mobile_branch: BRANCH,
    status: 'active', paid_through: '2026-01'
  }, o);
}

// server/members/schemas.py ReportOut
function report(o) {
  return Object.assign({
    id: 1, month: '2026-01', city: '深圳市', address: '宝安区西乡街道', employer: '富士康',
    lat: null, lng: null, created_at: '2026-01-03T10:00:00+08:00', updated_at: null
  }, o);
}

// server/checkins/schemas.py EventOut
function event(o) {
  return Object.assign({
    id: 3, branch: BRANCH, kind: 'theme_day', kind_label: '主题党日', title: '3月主题党日', topic: null,
    place_name: null, location: { lat: 30.5928, lng: 114.3055, radius_m: 200 },
    starts_at: '2026-03-05T19:30:00+08:00', ends_at: '2026-03-05T21:30:00+08:00', chair: null, recorder: null,
    status: 'scheduled', phase: 'upcoming', phase_label: '未开始', cancelled_at: null, cancel_reason: null,
    expected_frozen_at: null, created_at: '2026-03-01T09:00:00+08:00'
  }, o);
}

// server/checkins/schemas.py MyEventOut: the event plus the member's own my_state, my_checkin, my_leave.
function myEvent(o) {
  return event(Object.assign({ my_state: 'none', my_checkin: null, my_leave: null }, o));
}

// server/checkins/schemas.py CheckinOut
function checkin(o) {
  return Object.assign({
    id: 5, event_id: 12, member_id: 7, checked_in_at: '2026-03-05T19:31:00+08:00', late: false, manual: false,
    reason: null, distance_m: 12.5, accuracy_m: 30
  }, o);
}

// server/checkins/schemas.py MyCheckinOut: a check-in with its EventBrief.
function myCheckin(o) {
  const ev = Object.assign({ id: 12, kind: 'theme_day', kind_label: '主题党日', title: '2月主题党日', place_name: null,
    starts_at: '2026-02-05T19:30:00+08:00' }, (o || {}).event);
  return Object.assign(checkin(), o, { event: ev });
}

// server/checkins/schemas.py AttendeeOut
function attendee(o) {
  return Object.assign({
    member: { id: 3, name: '张伟', phone_masked: '139****0001' }, checked_in_at: null, late: null, manual: null,
    manual_reason: null, leave_reason: null, leave_status: null
  }, o);
}

// server/checkins/schemas.py AttendanceOut
function attendance(o) {
  return Object.assign({ event: event({ id: 31 }), expected_count: 0, expected_frozen: false, present: [], on_leave: [], absent: [] }, o);
}

// server/checkins/schemas.py LeaveOut
function leave(o) {
  return Object.assign({
    id: 70, event_id: 31, member: { id: 3, name: '张伟', phone_masked: '139****0001' }, reason: '加班',
    status: 'pending', note: null, decided_at: null, created_at: '2026-03-01T09:00:00+08:00'
  }, o);
}

// server/dues/schemas.py OrderOut (OrderCreatedOut adds pay_params)
function order(o) {
  return Object.assign({
    order_no: 'D1', kind: 'monthly', status: 'pending', amount_fen: 3000, months: ['2026-02', '2026-03'],
    campaign_id: null, forward_upward: false, created_at: '2026-03-10T11:59:00+08:00',
    expires_at: '2026-03-10T13:59:00+08:00', paid_at: null, refunded_at: null
  }, o);
}

// server/dues/schemas.py MyDuesOut
function myDues(o) {
  return Object.assign({
    monthly_fen: 1500, category: 'salaried', standard_pending: false, paid_through: '2026-01',
    owed: [], payable_from: '2025-09', payable_to: '2026-09', orders: []
  }, o);
}

// server/dues/schemas.py StandardOut
function standard(o) {
  return Object.assign({
    id: 1, member_id: 7, year: 2026, version: 1, category: 'salaried', income_base_fen: 450000, rate: '0.01',
    monthly_fen: 4500, reason: null, set_by: 'jinshan-sj', set_at: '2026-03-01T09:00:00+08:00', approved: true,
    approved_by: 'jinshan-sj', approved_at: '2026-03-01T09:00:00+08:00'
  }, o);
}

// server/dues/schemas.py ArrearsMember
function arrearsRow(o) {
  return Object.assign({ member_id: 7, name: '王建国', paid_through: '2025-08', unpaid_since: '2025-09', months_unpaid: 7 }, o);
}

// server/dues/schemas.py CampaignOut
function campaign(o) {
  return Object.assign({ id: 4, title: '抗洪救灾特殊党费', starts_on: '2026-03-01', ends_on: '2026-04-30', active: true }, o);
}

// server/auth/schemas.py StaffMeOut
function staffMe(o) {
  return Object.assign({
    id: 1, username: 'jinshan-sj', display_name: null, role: 'branch_secretary',
    scope: { type: 'branch', id: 2, name: '金山镇流动党员党支部' }
  }, o);
}

// The shapes below follow CONTRACT.md §10–§13 (the server side is built alongside): fields the contract names,
// plus the few the pages assume, listed in miniprogram/README.md.

// §10 a registration as the member sees it (GET /auth/registrations/mine) and as staff list it (masked).
function registration(o) {
  return Object.assign({
    id: 11, status: 'pending', submitted_at: '2026-03-02T09:00:00+08:00', decided_at: null, note: null,
    name: '刘芳', id_number_masked: '1101**********002X', phone_masked: '138****0000',
    township: { id: 1, name: '金山镇' }, mobile_branch: BRANCH, home_branch: '金山村党支部', left_on: '2025-06-01',
    destination: '深圳市', employer: '某某电子厂', certificate_no: null, roster_match: null
  }, o);
}

// §11 GET /me/dues/receipts items
function receipt(o) {
  return Object.assign({ receipt_no: 'R2026030001', months: ['2026-01', '2026-02'], amount_fen: 3000,
    paid_at: '2026-03-05T10:00:00+08:00', channel: 'offline', status: 'paid' }, o);
}

// §11 GET /members/{id}/dues (staff): the standard and the unpaid months.
function memberDues(o) {
  return Object.assign({ monthly_fen: 1500, paid_through: '2025-12', owed: [
    { month: '2026-01', amount_fen: 1500 }, { month: '2026-02', amount_fen: 1500 }, { month: '2026-03', amount_fen: 1500 }
  ] }, o);
}

// §11 POST /branches/{id}/dues/payments → {payment}
function payment(o) {
  return Object.assign({ id: 21, receipt_no: 'R2026030007', member_id: 7, months: ['2026-01'], amount_fen: 1500,
    paid_on: '2026-03-05', method: 'cash', note: null }, o);
}

// §12 GET /me/notices items
function myNotice(o) {
  return Object.assign({ id: 31, title: '关于召开3月主题党日的通知', body: '3月5日晚7点半在党群服务中心召开。',
    created_at: '2026-03-01T09:00:00+08:00', read: false }, o);
}

// §12 GET /notices/{id} (staff)
function staffNotice(o) {
  return Object.assign({ id: 31, title: '关于召开3月主题党日的通知', body: '3月5日晚7点半在党群服务中心召开。',
    created_at: '2026-03-01T09:00:00+08:00', audience: { type: 'branch', id: 2, name: '金山镇流动党员党支部' },
    read_count: 3, unread_count: 1 }, o);
}

// §12 GET /notices/{id}/unread items
function unreadMember(o) {
  return Object.assign({ id: 7, name: '王建国', phone_masked: '138****5678',
    mobile_branch: { id: 2, name: '金山镇流动党员党支部' }, bound: true }, o);
}

// GET /branches/{id}/evaluations
function branchEvaluations(o) {
  return Object.assign({ branch: { id: 2, name: '金山镇流动党员党支部' }, year: 2025, grades: { '优秀': 1 }, unrecorded: 1,
    items: [
      { member: { id: 7, name: '王建国' }, evaluation: { member_id: 7, year: 2025, grade: '优秀', note: '带头参加志愿服务',
        recorded_on: '2025-12-20', recorded_by: 'jinshan-sj', recorded_at: '2025-12-20T10:00:00+08:00' } },
      { member: { id: 8, name: '李秀英' }, evaluation: null }
    ] }, o);
}

// §13 POST /members/{id}/transfers → {transfer}
function transfer(o) {
  return Object.assign({ id: 41, letter_no: '金转〔2026〕3号', paid_through: '2026-02', kind: 'transfer_out',
    effective_on: '2026-03-10', destination: '深圳市宝安区西乡街道党工委', reason: '在深圳落户' }, o);
}

// server/dashboard/schemas.py FlagOut
function flag(o) {
  return Object.assign({ id: 51, member: { id: 7, name: '王建国', phone_masked: '138****5678', mobile_branch: BRANCH,
    status: 'active', paid_through: '2025-08', last_activity_at: '2025-08-20T10:00:00+08:00', url: '/dashboard/members/7' },
  state: 'open', last_seen_at: '2025-08-20T10:00:00+08:00', flagged_at: '2026-02-20T03:00:00+08:00',
  resolved_at: null, resolved_by: null, reason: null }, o);
}

// server/checkins/schemas.py ComplianceOut
function compliance(o) {
  return Object.assign({ branch: BRANCH, quarter: '2026-Q1', year: 2026, status: 'missed', items: [
    { kind: 'theme_day', label: '主题党日', rule: '每月至少开展 1 次主题党日', cycle: 'month', held: 2, status: 'missed', periods: [
      { period: '2026-01', held: 1, required: 1, status: 'met' }, { period: '2026-02', held: 0, required: 1, status: 'missed' },
      { period: '2026-03', held: 1, required: 1, status: 'met' }] },
    { kind: 'lecture', label: '党课', rule: '每季度至少上 1 次党课', cycle: 'quarter', held: 1, status: 'met', periods: [
      { period: '2026-Q1', held: 1, required: 1, status: 'met' }] },
    { kind: 'life_meeting', label: '组织生活会', rule: '每年至少召开 1 次组织生活会', cycle: 'year', held: 0, status: 'pending',
      periods: [{ period: '2026', held: 0, required: 1, status: 'pending' }] },
    { kind: 'evaluation', label: '民主评议党员', rule: '每年开展 1 次民主评议党员，本支部党员均应评定等次', cycle: 'year', held: 1,
      status: 'pending', periods: [{ period: '2026', held: 1, required: 2, status: 'pending' }] }
  ], misses: [
    { kind: 'theme_day', label: '主题党日', rule: '每月至少开展 1 次主题党日', period: '2026-02', held: 0, required: 1 }
  ], due: [
    { kind: 'life_meeting', label: '组织生活会', rule: '每年至少召开 1 次组织生活会', period: '2026', held: 0, required: 1 },
    { kind: 'evaluation', label: '民主评议党员', rule: '每年开展 1 次民主评议党员，本支部党员均应评定等次', period: '2026', held: 1,
      required: 2 }
  ] }, o);
}

module.exports = {
  page, member, report, event, myEvent, checkin, myCheckin, attendee, attendance, leave, order, myDues, standard,
  arrearsRow, campaign, staffMe, registration, receipt, memberDues, payment, myNotice, staffNotice, unreadMember, branchEvaluations, transfer, flag,
  compliance
};
