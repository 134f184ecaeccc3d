// Resident ID numbers (GB 11643-1999): the same pre-check the server does, with a message people understand.
var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
var CHECK = '10X98765432';

function normalize(value) {
  return String(value || '').replace(/\s+/g, '').toUpperCase();
}

function checkDigit(first17) {
  var sum = 0;
  for (var i = 0; i < 17; i++) sum += parseInt(first17.charAt(i), 10) * WEIGHTS[i];
  return CHECK.charAt(sum % 11);
}

function validBirthDate(value) {
  var y = parseInt(value.slice(6, 10), 10);
  var m = parseInt(value.slice(10, 12), 10);
  var d = parseInt(value.slice(12, 14), 10);
  var date = new Date(y, m - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== m - 1 || date.getDate() !== d) return false;
  return y >= 1900 && date.getTime() <= Date.now();
}

// '' when the number looks right, otherwise what is wrong, in Chinese.
function checkIdNumber(value) {
  var s = normalize(value);
  if (!s) return '请填写身份证号';
  if (s.length !== 18) return '身份证号应为18位，您填了' + s.length + '位';
  if (!/^\d{17}[\dX]$/.test(s)) return '身份证号前17位是数字，最后一位是数字或 X';
  if (!validBirthDate(s)) return '身份证号中的出生日期不对，请核对';
  if (checkDigit(s.slice(0, 17)) !== s.charAt(17)) return '身份证号有一位填错了（最后一位校验不对），请逐位核对';
  return '';
}

module.exports = { normalize: normalize, checkDigit: checkDigit, checkIdNumber: checkIdNumber };
