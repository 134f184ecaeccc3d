var eventsApi = require('../../api/events');
var page = require('../../utils/page');
var checkin = require('../../utils/checkin');
var location = require('../../utils/location');

var OUTCOMES = {
  checkin_outside_area: 'outside',
  checkin_token_invalid: 'expired',
  checkin_window_closed: 'closed',
  not_found: 'not_yours',
  rate_limited: 'busy'
};

// Opened by scanning with the WeChat camera (options.scene) or from the scan button (options.scene as well).
Page(page.member({
  data: { stepText: '', detail: '', canRetry: false, needScan: false, eventId: null },
  loadOn: 'load',

  onLoad: function (options) {
    this.useToken(options.scene);
  },

  useToken: function (scene) {
    this.token = checkin.decodeScene(scene);
    this.eventId = checkin.eventIdOf(this.token);
    this.setData({ eventId: this.eventId });
  },

  load: function () {
    if (this.eventId === null) {
      this.setData({ stepText: '没有读到签到码', detail: '请对准书记手机上显示的签到码扫码。', needScan: true, canRetry: false });
      return Promise.resolve();
    }
    return this.start();
  },

  start: function () {
    var self = this;
    self.setData({ stepText: '正在确认您的位置…', detail: '请稍等，不要离开这个页面', canRetry: false, needScan: false });
    return location.locate('签到需要确认您在会场附近').then(function (pos) {
      self.setData({ stepText: '正在签到…' });
      return self.submit(pos);
    }, function (why) {
      self.setData({
        stepText: '没有获取到位置，暂时不能签到',
        detail: why && why.denied ? '签到需要确认您在会场附近。请允许使用位置信息后再试。' : '请打开手机的定位（GPS）后再试。',
        canRetry: true
      });
    });
  },

  submit: function (pos) {
    var self = this;
    var body = { token: self.token, lat: pos.lat, lng: pos.lng };
    if (typeof pos.accuracy === 'number') body.accuracy = pos.accuracy;
    return eventsApi.checkIn(self.eventId, body, 'checkin-' + self.token).then(function (res) {
      var record = (res.data && res.data.checkin) || {};
      self.showResult({ status: res.statusCode === 201 ? 'success' : 'already', at: record.checked_in_at || '' });
    }, function (err) {
      if (err.network) {
        self.setData({ stepText: '网络不太好，签到没有完成', detail: '请稍后点“再试一次”。', canRetry: true });
        return;
      }
      var outcome = OUTCOMES[err.code] || (err.status === 404 ? 'not_yours' : 'error');
      var params = { status: outcome };
      if (outcome === 'outside' && typeof err.body.distance_m === 'number') params.distance = Math.round(err.body.distance_m);
      if (outcome === 'error') params.message = err.message;
      self.showResult(params);
    });
  },

  showResult: function (params) {
    params.event_id = this.eventId;
    var query = Object.keys(params).map(function (k) { return k + '=' + encodeURIComponent(params[k]); }).join('&');
    wx.redirectTo({ url: '/pages/checkin-result/checkin-result?' + query });
  },

  rescan: function () {
    var self = this;
    wx.scanCode({
      onlyFromCamera: true,
      scanType: ['wxCode', 'qrCode'],
      success: function (res) {
        self.useToken(checkin.tokenFromScan(res));
        self.reload();
      }
    });
  }
}));
