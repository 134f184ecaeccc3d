// Renders a real page (its .wxml through miniprogram-simulate, its .js through a Page() that hands the
// definition to j-component) with a stubbed `wx`, so tests click, type and read what a person would see.
const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');
const { createWx } = require('./wx-mock');

const SRC = path.resolve(__dirname, '..', 'src');

// Fresh modules, a fresh wx and a fast config for every test.
function setup(options = {}) {
  jest.resetModules();
  const wx = createWx();
  global.wx = wx;
  const app = { globalData: {}, ready: Promise.resolve(null) };
  global.getApp = () => app;
  global.__pages = [];
  global.getCurrentPages = () => global.__pages;
  const config = require(path.join(SRC, 'config'));
  config.retryDelaysMs = options.retryDelaysMs || [5, 10];
  if (options.token !== undefined) wx.__storage.token = options.token;
  if (options.bound !== undefined) wx.__storage.bound = options.bound;
  if (options.staffToken !== undefined) wx.__storage.staff_token = options.staffToken;
  return { wx, app, config };
}

// Lets pending promise chains (mocked wx callbacks are microtasks) run to the end; works under fake timers.
async function flush(rounds = 60) {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

// For real-timer tests that go through retry back-offs (config.retryDelaysMs is a few ms in tests).
async function settle(ms = 40) {
  await flush();
  await new Promise(resolve => setTimeout(resolve, ms));
  await flush();
}

function loadApp() {
  let definition = null;
  global.App = def => { definition = def; };
  require(path.join(SRC, 'app'));
  const app = Object.assign({}, definition);
  global.getApp = () => app;
  return app;
}

async function loadPage(route, options = {}) {
  let definition = null;
  global.Page = def => { definition = def; };
  require(path.join(SRC, route));
  if (!definition) throw new Error(route + ' did not call Page()');

  const methods = {};
  Object.keys(definition).forEach(k => { if (typeof definition[k] === 'function') methods[k] = definition[k]; });
  const template = fs.readFileSync(path.join(SRC, route + '.wxml'), 'utf8');
  const id = simulate.load({ template, data: JSON.parse(JSON.stringify(definition.data || {})), methods });
  const comp = simulate.render(id);
  comp.attach(document.createElement('parent-wrapper'));
  const page = comp.instance;
  Object.keys(definition).forEach(k => {
    if (typeof definition[k] !== 'function' && k !== 'data') page[k] = definition[k];
  });
  page.route = route;
  global.__pages.push(page);
  if (page.onLoad) page.onLoad(options.query || {});
  if (page.onShow && options.show !== false) page.onShow();
  await flush();
  return new PageView(comp, page);
}

class PageView {
  constructor(comp, page) {
    this.comp = comp;
    this.page = page;
  }

  get data() { return this.page.data; }

  find(selector) { return this.comp.querySelector(selector); }

  all(selector) { return this.comp.querySelectorAll(selector); }

  exists(selector) { return !!this.find(selector); }

  text(selector) {
    const node = selector ? this.find(selector) : this.comp;
    if (!node) throw new Error('no element ' + selector);
    return node.dom.textContent.replace(/\s+/g, ' ').trim();
  }

  texts(selector) { return this.all(selector).map(n => n.dom.textContent.replace(/\s+/g, ' ').trim()); }

  async tap(selector, detail) {
    const node = this.find(selector);
    if (!node) throw new Error('no element ' + selector);
    node.dispatchEvent('tap', { detail: detail || {} });
    await flush();
  }

  async tapNth(selector, index) {
    const node = this.all(selector)[index];
    if (!node) throw new Error('no element ' + selector + ' #' + index);
    node.dispatchEvent('tap', { detail: {} });
    await flush();
  }

  async trigger(selector, eventName, detail) {
    const node = this.find(selector);
    if (!node) throw new Error('no element ' + selector);
    node.dispatchEvent(eventName, { detail: detail || {} });
    await flush();
  }

  async input(selector, value) {
    return this.trigger(selector, 'input', { value });
  }
}

module.exports = { setup, flush, settle, loadApp, loadPage, SRC };
