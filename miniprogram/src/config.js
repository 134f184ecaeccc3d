// Where the service runs and how patient the app is on a slow network.
// For a real phone, change apiBase to the HTTPS address of the deployed service.
module.exports = {
  apiBase: 'http://127.0.0.1:5000',
  requestTimeoutMs: 10000,
  // Back-off before each retry of an idempotent request (GET, or a POST the server treats as idempotent).
  retryDelaysMs: [800, 2000],
  // How the app waits for the server to confirm a WeChat Pay payment.
  payPollIntervalMs: 2000,
  payPollMaxTries: 15,
  // The secretary's screens.
  attendancePollMs: 5000,
  checkinCodeRefreshMs: 30000,
  checkinCodeRetryMs: 3000,
  // Subscribe-message templates. The service sends meeting reminders with WECHAT_REMINDER_TEMPLATE_ID
  // (development default 'meeting-reminder-dev'); put the id from the WeChat admin console in both places.
  subscribeTemplates: [
    { id: 'meeting-reminder-dev', name: '会议提醒' }
  ],
  // The new-notice message: the service's WECHAT_NOTICE_TEMPLATE_ID (development default 'notice-dev').
  noticeTemplate: { id: 'notice-dev', name: '新通知提醒' },
  // Dues reminders (this month falling due, 3 and 6 months in arrears): the service's WECHAT_DUES_REMINDER_TEMPLATE_ID
  // (development default 'dues-reminder-dev'); asked for after a payment went through.
  duesReminderTemplate: { id: 'dues-reminder-dev', name: '党费缴纳提醒' },
  // The monthly report-in reminder: the service's WECHAT_REPORT_REMINDER_TEMPLATE_ID (default 'report-reminder-dev');
  // asked for after reporting in.
  reportReminderTemplate: { id: 'report-reminder-dev', name: '每月报到提醒' },
  // The registration-result template (the service's WECHAT_REGISTRATION_TEMPLATE_ID): asked for when a
  // registration is sent, so the member hears of the secretary's decision.
  registrationResultTemplate: 'registration-result-dev'
};
