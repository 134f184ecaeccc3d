var checkin = require('../../utils/checkin');
var page = require('../../utils/page');

// What each outcome means for the member, and whether scanning again can help.
function describe(q) {
  switch (q.status) {
    case 'success':
      return { ok: true, icon: 'success', title: '签到成功', message: '您已签到，谢谢参加！' };
    case 'already':
      return { ok: true, icon: 'success', title: '您已经签过到了', message: '不用重复签到。' };
    case 'outside':
      return {
        ok: false, icon: 'warn', title: '不在会场范围内', rescan: true,
        message: (q.distance ? '您距离会场约 ' + q.distance + ' 米，' : '') + '请到会场后再扫码签到。'
      };
    case 'expired':
      return { ok: false, icon: 'warn', title: '签到码已过期', rescan: true, message: '签到码每分钟更新一次，请重新扫一次书记手机上的签到码。' };
    case 'closed':
      return { ok: false, icon: 'warn', title: '现在不是签到时间', message: '签到时间已结束或还没开始。如有疑问请联系支部书记。' };
    case 'not_yours':
      return { ok: false, icon: 'warn', title: '不是您支部的会议', message: '这个签到码不属于您所在的支部，请联系支部书记。' };
    case 'busy':
      return { ok: false, icon: 'warn', title: '操作太频繁', rescan: true, message: '请稍等一分钟再扫码。' };
    default:
      return { ok: false, icon: 'warn', title: '签到没有成功', rescan: true, message: q.message || '请稍后再试。' };
  }
}

Page(page.open({
  data: { ok: false, icon: 'warn', title: '', message: '', rescan: false },
  loadOn: 'none',

  onLoad: function (query) {
    var q = {};
    Object.keys(query || {}).forEach(function (k) { q[k] = decodeURIComponent(query[k]); });
    var view = describe(q);
    this.setData({ ok: view.ok, icon: view.icon, title: view.title, message: view.message, rescan: !!view.rescan });
    if (view.ok && wx.vibrateShort) wx.vibrateShort({ type: 'medium' });
  },

  rescan: function () {
    wx.scanCode({
      onlyFromCamera: true,
      scanType: ['wxCode', 'qrCode'],
      success: function (res) {
        var token = checkin.tokenFromScan(res);
        if (token) wx.redirectTo({ url: '/pages/checkin/checkin?scene=' + encodeURIComponent(token) });
      }
    });
  },

  done: function () {
    wx.switchTab({ url: '/pages/events/events' });
  }
}));
