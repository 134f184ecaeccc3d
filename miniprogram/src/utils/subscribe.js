// Reminder subscriptions: each acceptance in WeChat allows the server exactly one message, so report each grant.
// WeChat shows the grant dialog only from a tap, so after paying or reporting in the pages offer a button for it.
var config = require('../config');
var meApi = require('../api/me');

function askForReminders() {
  return askFor(meetingIds());
}

// After a payment: the next dues reminders and meeting reminders (WeChat takes at most 3 templates per dialog).
function askAfterPaying() {
  return askFor([config.duesReminderTemplate.id].concat(meetingIds()).slice(0, 3));
}

// After reporting in: next month's report-in reminder and meeting reminders.
function askAfterReport() {
  return askFor([config.reportReminderTemplate.id].concat(meetingIds()).slice(0, 3));
}

function meetingIds() {
  return config.subscribeTemplates.map(function (t) { return t.id; });
}

// One more new-notice message (asked for on the notices screen).
function askForNotices() {
  return askFor([config.noticeTemplate.id]);
}

function askFor(ids) {
  return new Promise(function (resolve) {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: resolve,
      fail: function () { resolve({}); }
    });
  }).then(function (res) {
    var accepted = ids.filter(function (id) { return res[id] === 'accept'; });
    if (!accepted.length) {
      wx.showToast({ title: '没有开启提醒', icon: 'none' });
      return [];
    }
    return Promise.all(accepted.map(function (id) {
      return meApi.addSubscription(id);
    })).then(function () {
      wx.showToast({ title: '已开启提醒', icon: 'success' });
      return accepted;
    }, function (err) {
      wx.showToast({ title: err.message, icon: 'none', duration: 3000 });
      return [];
    });
  });
}

// One message with the decision on a registration: resolves to the template id when the member accepts, else null.
// Must be called from the tap that sends the request (WeChat shows the dialog only then).
function askForRegistrationResult() {
  var id = config.registrationResultTemplate;
  return new Promise(function (resolve) {
    wx.requestSubscribeMessage({
      tmplIds: [id],
      success: function (res) { resolve(res && res[id] === 'accept' ? id : null); },
      fail: function () { resolve(null); }
    });
  });
}

module.exports = { askForReminders: askForReminders, askForNotices: askForNotices,
  askAfterPaying: askAfterPaying, askAfterReport: askAfterReport,
  askForRegistrationResult: askForRegistrationResult };
