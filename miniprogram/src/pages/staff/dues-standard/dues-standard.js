var duesApi = require('../../../api/dues');
var memberPicker = require('../../../utils/member-picker');
var page = require('../../../utils/page');
var money = require('../../../utils/money');

var CATEGORIES = [
  { value: 'salaried', label: '在职（工资、年薪、个体经营）', needsBase: true, baseLabel: '税后月收入' },
  { value: 'retired', label: '离退休', needsBase: true, baseLabel: '基本养老金' },
  { value: 'farmer', label: '农民', needsBase: false, amountLabel: '每月缴纳额（0.2 元至 1 元，由支部确定）' },
  { value: 'student', label: '学生', needsBase: false },
  { value: 'unemployed', label: '下岗失业、领取低保', needsBase: false },
  { value: 'hardship', label: '生活困难（需上级批准）', needsBase: false, amountLabel: '减免后每月缴纳额（可填 0）' }
];

// The service's rate is an exact decimal string ("0.005") or null for fixed amounts: "0.5%".
function percentText(rate) {
  if (typeof rate !== 'string' || !rate) return '';
  return (Number(rate) * 100).toFixed(1).replace(/\.0$/, '') + '%';
}

// What the secretary typed as yuan → fen; a hardship reduction may be 0.
function amountFen(category, text) {
  var s = String(text || '').trim();
  if (category.value === 'hardship' && /^0+(\.0{0,2})?$/.test(s)) return { fen: 0 };
  return money.parseYuanToFen(s);
}

Page(page.staff(Object.assign({}, memberPicker.methods, {
  data: Object.assign({
    year: new Date().getFullYear(), categories: CATEGORIES, categoryIndex: 0, base: '', amount: '', reason: '', resultText: ''
  }, memberPicker.data),
  loadOn: 'none',

  onCategory: function (e) {
    this.setData({ categoryIndex: Number(e.detail.value), errors: {}, resultText: '' });
  },

  onMemberPicked: function () {
    this.setData({ resultText: '' });
  },

  save: function () {
    var category = CATEGORIES[this.data.categoryIndex];
    var body = { year: this.data.year, category: category.value };
    var errors = {};
    if (category.needsBase) {
      var parsed = money.parseYuanToFen(this.data.base);
      if (parsed.error) errors.income_base_fen = parsed.error;
      else body.income_base_fen = parsed.fen;
    }
    if (category.amountLabel) {
      var amount = amountFen(category, this.data.amount);
      if (amount.error) errors.monthly_fen = amount.error;
      else body.monthly_fen = amount.fen;
    }
    if (this.data.reason.trim()) body.reason = this.data.reason.trim();
    else if (category.value === 'hardship') errors.reason = '生活困难减免须写明原因';
    this.setData({ errors: errors, resultText: '' });
    if (Object.keys(errors).length) return Promise.resolve();
    var self = this;
    return self.act(function () {
      return duesApi.setStandard(self.data.member.id, body).then(function (result) {
        var rate = percentText(result.rate) ? '，比例 ' + percentText(result.rate) : '';
        self.setData({ resultText: '已保存：每月 ' + money.formatFen(result.monthly_fen) + rate });
      });
    });
  }
})));
