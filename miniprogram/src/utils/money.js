// Money is integer fen everywhere; these are the only conversions to and from what people read and type.

// 1250 → "12.50 元"
function formatFen(fen) {
  if (typeof fen !== 'number' || !isFinite(fen) || Math.floor(fen) !== fen) return '—';
  var sign = fen < 0 ? '-' : '';
  var abs = Math.abs(fen);
  var yuan = Math.floor(abs / 100);
  var cents = abs % 100;
  return sign + yuan + '.' + (cents < 10 ? '0' : '') + cents + ' 元';
}

var FULL_WIDTH = { '０': '0', '１': '1', '２': '2', '３': '3', '４': '4', '５': '5', '６': '6', '７': '7', '８': '8', '９': '9', '．': '.', '。': '.' };
var MAX_FEN = 100000000; // one million yuan: far above any real payment, far below float trouble

// "12.5" → {fen: 1250}; bad input → {error: "中文说明"}. Works on the string, never on a float.
function parseYuanToFen(text) {
  var s = String(text === undefined || text === null ? '' : text).trim().replace(/[０-９．。]/g, function (c) { return FULL_WIDTH[c]; });
  if (!s) return { error: '请输入金额' };
  var m = /^(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) return { error: '金额只能填数字，例如 50 或 12.50' };
  var decimals = m[2] || '';
  if (decimals.length > 2) return { error: '金额最多精确到分（小数点后两位）' };
  var intPart = m[1].replace(/^0+(?=\d)/, '');
  if (intPart.length > 7) return { error: '金额太大了，请核对' };
  var fen = parseInt(intPart, 10) * 100 + parseInt((decimals + '00').slice(0, 2), 10);
  if (fen <= 0) return { error: '金额要大于 0' };
  if (fen > MAX_FEN) return { error: '金额太大了，请核对' };
  return { fen: fen };
}

module.exports = { formatFen: formatFen, parseYuanToFen: parseYuanToFen };
