const path = require('path');
const { SRC } = require('./harness');

const money = require(path.join(SRC, 'utils/money'));
const idcard = require(path.join(SRC, 'utils/idcard'));
const checkin = require(path.join(SRC, 'utils/checkin'));
const format = require(path.join(SRC, 'utils/format'));

describe('fen formatting', () => {
  test.each([
    [1250, '12.50 元'], [0, '0.00 元'], [1, '0.01 元'], [10, '0.10 元'], [100000, '1000.00 元'],
    [1500, '15.00 元'], [41851400, '418514.00 元'], [-250, '-2.50 元']
  ])('%p → %p', (fen, text) => {
    expect(money.formatFen(fen)).toBe(text);
  });

  test('refuses what is not integer fen', () => {
    expect(money.formatFen(12.5)).toBe('—');
    expect(money.formatFen('1250')).toBe('—');
    expect(money.formatFen(undefined)).toBe('—');
    expect(money.formatFen(NaN)).toBe('—');
  });
});

describe('yuan → fen parsing (on the string, no float errors)', () => {
  test.each([
    ['0.1', 10], ['0.01', 1], ['12.5', 1250], ['12.50', 1250], ['1000.00', 100000], ['1000', 100000],
    [' 50 ', 5000], ['0.29', 29], ['1.15', 115], ['4.35', 435], ['12.', 1200], ['００７．５', 750], ['19.99', 1999]
  ])('%p → %p fen', (text, fen) => {
    expect(money.parseYuanToFen(text)).toEqual({ fen });
  });

  test.each([
    ['12.345', '小数点后两位'], ['', '请输入金额'], ['abc', '只能填数字'], ['-5', '只能填数字'], ['1e3', '只能填数字'],
    ['.5', '只能填数字'], ['0', '大于 0'], ['0.00', '大于 0'], ['12,5', '只能填数字'], ['99999999', '太大'], ['1.2.3', '只能填数字']
  ])('%p is refused', (text, why) => {
    const result = money.parseYuanToFen(text);
    expect(result.fen).toBeUndefined();
    expect(result.error).toContain(why);
  });

  test('round trip for every cent amount up to 20 yuan', () => {
    for (let fen = 1; fen <= 2000; fen++) {
      const text = money.formatFen(fen).replace(' 元', '');
      expect(money.parseYuanToFen(text).fen).toBe(fen);
    }
  });
});

describe('ID number pre-check', () => {
  // 11010519491231002X is the standard's own example.
  test('accepts a valid number, lower-case x and spaces', () => {
    expect(idcard.checkIdNumber('11010519491231002X')).toBe('');
    expect(idcard.checkIdNumber('11010519491231002x')).toBe('');
    expect(idcard.checkIdNumber(' 110105 19491231 002X ')).toBe('');
    expect(idcard.normalize('11010519491231002x')).toBe('11010519491231002X');
  });

  test('explains each kind of mistake in Chinese', () => {
    expect(idcard.checkIdNumber('')).toBe('请填写身份证号');
    expect(idcard.checkIdNumber('1101051949123100')).toContain('18位');
    expect(idcard.checkIdNumber('11010519491231002A')).toContain('最后一位是数字或 X');
    expect(idcard.checkIdNumber('110105194902300021')).toContain('出生日期');
    expect(idcard.checkIdNumber('110105194912310021')).toContain('校验');
  });

  test('the check digit follows GB 11643', () => {
    expect(idcard.checkDigit('11010519491231002')).toBe('X');
    expect(idcard.checkDigit('44052418800101001')).toBe('4');
  });
});

describe('check-in token from the scene', () => {
  test('decodes the URL-encoded scene and reads the event id before the first dot', () => {
    expect(checkin.decodeScene('42.Ab3_x-9')).toBe('42.Ab3_x-9');
    expect(checkin.decodeScene('42%2EAb3.x')).toBe('42.Ab3.x');
    expect(checkin.decodeScene('42%252EAb3')).toBe('42.Ab3');
    expect(checkin.eventIdOf('42.Ab3.x')).toBe(42);
    expect(checkin.eventIdOf('Ab3')).toBeNull();
    expect(checkin.eventIdOf('.Ab3')).toBeNull();
    expect(checkin.eventIdOf('')).toBeNull();
  });

  test('reads the token from a scanned mini-program code path', () => {
    expect(checkin.tokenFromScan({ path: 'pages/checkin/checkin?scene=17.k9Zq', scanType: 'WX_CODE' })).toBe('17.k9Zq');
    expect(checkin.tokenFromScan({ path: 'pages/checkin/checkin?x=1&scene=17%2Ek9Zq' })).toBe('17.k9Zq');
    expect(checkin.tokenFromScan({ result: '17.k9Zq' })).toBe('17.k9Zq');
    expect(checkin.tokenFromScan({ result: 'https://example.com/whatever' })).toBe('');
    expect(checkin.tokenFromScan({ path: 'pages/index/index' })).toBe('');
  });
});

describe('dates in Beijing time', () => {
  test('formats instants whatever their offset', () => {
    expect(format.formatDateTime('2026-03-05T11:30:00Z')).toBe('3月5日 周四 19:30');
    expect(format.formatDateTime('2026-03-05T19:30:00+08:00')).toBe('3月5日 周四 19:30');
    expect(format.formatMonth('2026-03')).toBe('2026年3月');
    expect(format.monthOf('2026-01-31T17:00:00Z')).toBe('2026-02');
    expect(format.monthAdd('2026-11', 3)).toBe('2027-02');
    expect(format.monthAdd('2026-01', -1)).toBe('2025-12');
    expect(format.beijingIso('2026-03-05', '09:00')).toBe('2026-03-05T09:00:00+08:00');
  });

  test('today and the quarters are Beijing\'s, also just after midnight there', () => {
    expect(format.today(new Date('2026-03-31T16:30:00Z'))).toBe('2026-04-01');
    expect(format.recentQuarters(3, new Date('2026-03-31T16:30:00Z'))).toEqual([
      { value: '2026-Q2', label: '2026年第二季度' }, { value: '2026-Q1', label: '2026年第一季度' },
      { value: '2025-Q4', label: '2025年第四季度' }
    ]);
  });
});
