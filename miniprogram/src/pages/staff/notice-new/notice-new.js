// Publishing a notice (CONTRACT §12): a secretary to their branch; a township admin to the township or one of
// its branches; the county to everyone, a township or a branch.
var noticesApi = require('../../../api/notices');
var orgsApi = require('../../../api/orgs');
var page = require('../../../utils/page');
var session = require('../../../utils/session');

// Who may be addressed, from the caller's scope and the townships they see.
function audiences(me, townships) {
  var scope = me.scope || {};
  if (scope.type === 'branch') return [{ label: scope.name, target: { branch_id: scope.id } }];
  var out = scope.type === 'county' ? [{ label: '全县所有党员', target: {} }] : [];
  townships.forEach(function (t) {
    out.push({ label: t.name + '（全乡镇）', target: { township_id: t.id } });
    (t.mobile_branches || []).forEach(function (b) {
      out.push({ label: t.name + ' · ' + b.name, target: { branch_id: b.id } });
    });
  });
  return out;
}

Page(page.staff({
  data: { title: '', body: '', audiences: [], audienceIndex: 0 },
  loadOn: 'load',

  load: function () {
    var self = this;
    var me = session.staffMe();
    var towns = me.scope && me.scope.type === 'branch' ? Promise.resolve({ items: [] }) : orgsApi.townships(true);
    return towns.then(function (body) {
      self.setData({ audiences: audiences(me, body.items), audienceIndex: 0 });
    });
  },

  onAudience: function (e) {
    this.setData({ audienceIndex: Number(e.detail.value) });
  },

  submit: function () {
    var d = this.data;
    var errors = {};
    if (!d.title.trim()) errors.title = '请填写标题';
    if (!d.body.trim()) errors.body = '请填写通知内容';
    if (!d.audiences.length) errors.audience = '没有可以发布的范围';
    this.setData({ errors: errors });
    if (Object.keys(errors).length) return Promise.resolve();
    var body = Object.assign({ title: d.title.trim(), body: d.body.trim() }, d.audiences[d.audienceIndex].target);
    return this.act(function () {
      return noticesApi.publish(body).then(function (notice) {
        wx.showToast({ title: '已发布', icon: 'success' });
        wx.redirectTo({ url: '/pages/staff/notice/notice?id=' + notice.id });
      });
    });
  }
}));
