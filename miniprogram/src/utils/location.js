// Location with permission handling: explain why, and offer the settings page when it was refused.
var wxp = require('./wxp');

function isAuthDenied(err) {
  var msg = wxp.errMsgOf(err);
  return /auth den|auth deny|authorize|permission/i.test(msg) && !/system permission/i.test(msg);
}

function getLocation() {
  return wxp.call('getLocation', { type: 'gcj02', isHighAccuracy: true, highAccuracyExpireTime: 4000 });
}

// Resolves {lat, lng, accuracy}; rejects {denied: true} or {off: true} after telling the person what to do.
// `why` is shown when permission is missing, e.g. "签到需要确认您在会场附近".
function locate(why) {
  return getLocation().then(toPosition, function (err) {
    if (!isAuthDenied(err)) {
      wx.showModal({
        title: '没有拿到位置',
        content: '请打开手机的定位（GPS）开关，然后再试一次。',
        showCancel: false,
        confirmText: '知道了'
      });
      return Promise.reject({ off: true });
    }
    return wxp.call('showModal', {
      title: '需要您的位置',
      content: why + '。请在设置中打开“位置信息”。',
      confirmText: '去设置',
      cancelText: '暂不'
    }).then(function (res) {
      if (!res.confirm) return Promise.reject({ denied: true });
      return wxp.call('openSetting', {}).then(function (setting) {
        var auth = (setting && setting.authSetting) || {};
        if (!auth['scope.userLocation']) return Promise.reject({ denied: true });
        return getLocation().then(toPosition, function () { return Promise.reject({ denied: true }); });
      }, function () { return Promise.reject({ denied: true }); });
    });
  });
}

function toPosition(res) {
  return { lat: res.latitude, lng: res.longitude, accuracy: res.accuracy };
}

module.exports = { locate: locate };
