// Registration requests waiting for this secretary (or township / county): approve, or deny with a note.
var registrationsApi = require('../../../api/registrations');
var page = require('../../../utils/page');
var format = require('../../../utils/format');

// A masked registration of GET /registrations.
function toItem(r) {
  return {
    id: r.id, name: r.name, idNumber: r.id_number_masked, phone: r.phone_masked || '未留手机号',
    township: r.township ? r.township.name : '', mobileBranch: r.mobile_branch ? r.mobile_branch.name : '',
    homeBranch: r.home_branch || '', leftOn: r.left_on || '', destination: r.destination || '', employer: r.employer || '',
    certificateNo: r.certificate_no || '', submittedAt: format.formatDate(r.submitted_at),
    // Staff only: a roster member who may be this person (same ID number, or same name and birth date).
    rosterMatch: r.roster_match ? r.roster_match.text : ''
  };
}

Page(page.staff({
  data: { items: [], total: 0, denyingId: null, note: '' },

  load: function () {
    var self = this;
    return registrationsApi.list('pending', 1).then(function (body) {
      self.setData({ items: body.items.map(toItem), total: body.total });
    });
  },

  approve: function (e) {
    return this.decide(e.currentTarget.dataset.id, true, '');
  },

  // Denying asks for the reason first; the member sees it.
  startDeny: function (e) {
    this.setData({ denyingId: e.currentTarget.dataset.id, note: '', errors: {} });
  },

  cancelDeny: function () {
    this.setData({ denyingId: null, note: '' });
  },

  confirmDeny: function () {
    var note = this.data.note.trim();
    if (!note) {
      this.setData({ errors: { note: '请写明不通过的原因，申请人会看到' } });
      return Promise.resolve();
    }
    return this.decide(this.data.denyingId, false, note);
  },

  decide: function (id, approve, note) {
    var self = this;
    return self.act(function () {
      return registrationsApi.decide(id, approve, note).then(function () {
        wx.showToast({ title: approve ? '已通过' : '已退回', icon: 'success' });
        self.setData({ denyingId: null, note: '' });
      }, function (err) {
        // Someone else decided it meanwhile: the list is stale.
        if (err.code === 'already_decided') self.reload();
        throw err;
      }).then(function () {
        return self.reload();
      });
    });
  }
}));
