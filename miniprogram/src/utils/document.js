// Opening a file the service made (a receipt or letter PDF, an attendance sheet or ledger xlsx) in WeChat's
// viewer; its menu lets the secretary forward it to a chat or print it.
var wxp = require('./wxp');

var DOWNLOAD_MESSAGES = {
  403: '您的账号不能查看这个文件',
  404: '没有找到这个文件，或不在您的权限范围内'
};

// download: the promise of a request.download(); fileType: 'pdf' or 'xlsx'. Rejects {message} in Chinese.
function open(download, fileType) {
  wx.showLoading({ title: '正在打开…', mask: true });
  return download.then(function (res) {
    return wxp.call('openDocument', { filePath: res.tempFilePath, fileType: fileType, showMenu: true }).catch(function () {
      throw { message: '手机上打不开这个文件，请稍后再试' };
    });
  }, function (err) {
    throw { message: DOWNLOAD_MESSAGES[err.status] || err.message };
  }).then(function (res) {
    wx.hideLoading();
    return res;
  }, function (err) {
    wx.hideLoading();
    throw err;
  });
}

module.exports = { open: open };
