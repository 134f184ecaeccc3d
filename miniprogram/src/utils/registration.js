// A registration request as people read it, and the checks the form makes before sending it (CONTRACT §10).
var format = require('./format');
var idcard = require('./idcard');

var STATUS = {
  pending: { label: '已提交，等待支部书记审核', tone: '' },
  approved: { label: '已通过，您已登记为流动党员', tone: 'ok' },
  denied: { label: '没有通过', tone: 'warn' }
};

// {id, status, submitted_at, note?, decided_at?, …} → what the status page and the bind page show.
function describe(r) {
  if (!r) return null;
  var s = STATUS[r.status] || { label: r.status, tone: '' };
  return {
    id: r.id,
    status: r.status,
    statusLabel: s.label,
    tone: s.tone,
    submittedAt: format.formatDate(r.submitted_at),
    decidedAt: r.decided_at ? format.formatDate(r.decided_at) : '',
    note: r.note || ''
  };
}

var PHONE = /^1\d{10}$/;

// form: the page's fields → {errors: {field: 中文}, body} in the contract's field names.
function check(form) {
  var errors = {};
  var text = function (v) { return String(v || '').trim(); };
  if (!text(form.name)) errors.name = '请填写姓名';
  var idProblem = idcard.checkIdNumber(form.idNumber);
  if (idProblem) errors.id_number = idProblem;
  if (!form.phoneCode && text(form.phone) && !PHONE.test(text(form.phone))) errors.phone = '手机号应为11位数字';
  if (!form.townshipId) errors.township_id = '请选择乡镇';
  if (!form.mobileBranchId) errors.mobile_branch_id = '请选择流动党员党支部';
  if (!text(form.homeBranch)) errors.home_branch = '请填写原村党支部';
  if (!form.leftOn) errors.left_on = '请选择外出时间';
  if (!text(form.destination)) errors.destination = '请填写流入地';
  if (!text(form.employer)) errors.employer = '请填写工作单位';
  var body = {
    name: text(form.name),
    id_number: idcard.normalize(form.idNumber),
    township_id: form.townshipId,
    mobile_branch_id: form.mobileBranchId,
    home_branch: text(form.homeBranch),
    left_on: form.leftOn,
    destination: text(form.destination),
    employer: text(form.employer)
  };
  if (form.phoneCode) body.phone_code = form.phoneCode;
  else if (text(form.phone)) body.phone = text(form.phone);
  if (text(form.certificateNo)) body.certificate_no = text(form.certificateNo);
  return { errors: errors, body: body };
}

module.exports = { describe: describe, check: check };
