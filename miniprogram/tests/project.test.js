// The project as WeChat DevTools sees it: every page is complete, compiles with the official WXML/WXSS
// compilers (wcc/wcsc from miniprogram-compiler) and renders without a server.
const fs = require('fs');
const os = require('os');
const path = require('path');
const compiler = require('miniprogram-compiler');
const { setup, loadPage, SRC } = require('./harness');

const ROOT = path.resolve(__dirname, '..');
const appJson = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'));

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((out, d) => {
    const p = path.join(dir, d.name);
    return out.concat(d.isDirectory() ? walk(p) : [p]);
  }, []);
}

test('project.config.json points DevTools at src/ with the placeholder appid', () => {
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'project.config.json'), 'utf8'));
  expect(project.appid).toBe('wxdev0000000000000');
  expect(project.miniprogramRoot).toBe('src/');
  expect(fs.existsSync(path.join(SRC, 'sitemap.json'))).toBe(true);
  expect(require(path.join(SRC, 'config')).apiBase).toBe('http://127.0.0.1:5000');
});

test('window title and a Chinese tab bar', () => {
  expect(appJson.window.navigationBarTitleText).toBe('流动党员之家');
  expect(appJson.tabBar.list.map(t => t.text)).toEqual(['首页', '会议签到', '交党费', '我的']);
  appJson.tabBar.list.forEach(t => expect(appJson.pages).toContain(t.pagePath));
  expect(appJson.permission['scope.userLocation'].desc).toMatch(/签到/);
});

test('every tab has a grey and a red icon: small PNGs of 81×81 that tools/tab-icons.js draws', () => {
  appJson.tabBar.list.forEach(t => {
    [t.iconPath, t.selectedIconPath].forEach(icon => {
      const bytes = fs.readFileSync(path.join(SRC, icon));
      expect(bytes.slice(1, 4).toString('ascii')).toBe('PNG');
      expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([81, 81]);
      expect(bytes.length).toBeLessThan(40 * 1024); // WeChat's limit for tab icons
    });
  });
});

test.each(appJson.pages)('%s has its four files and valid JSON', page => {
  ['js', 'wxml', 'json'].forEach(ext => expect(fs.existsSync(path.join(SRC, page + '.' + ext))).toBe(true));
  expect(() => JSON.parse(fs.readFileSync(path.join(SRC, page + '.json'), 'utf8'))).not.toThrow();
});

test.each(appJson.pages)('%s renders with no server answering', async page => {
  const { wx } = setup({ token: 't', bound: true, staffToken: 's', retryDelaysMs: [] });
  wx.__storage.staff_me = { scope: { type: 'branch', id: 2, name: '支部' } };
  const view = await loadPage(page, { query: { event_id: '1', scene: '1.x' } });
  expect(view.comp.dom).toBeTruthy();
  if (view.page.onHide) view.page.onHide();
  if (view.page.onUnload) view.page.onUnload();
});

test('all WXML compiles with the official compiler (wcc) — and the check does catch a broken template', () => {
  expect(() => compiler.wxmlToJs(SRC)).not.toThrow();
  const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'wxml-'));
  fs.writeFileSync(path.join(broken, 'a.wxml'), '<view><text>{{name}</view>');
  expect(() => compiler.wxmlToJs(broken)).toThrow();
});

test('all WXSS compiles with the official compiler (wcsc); base type is large enough for older eyes', () => {
  expect(() => compiler.wxssToJs(SRC)).not.toThrow();
  const wxss = fs.readFileSync(path.join(SRC, 'app.wxss'), 'utf8');
  const base = /page\s*{[^}]*font-size:\s*(\d+)rpx/.exec(wxss);
  expect(Number(base[1])).toBeGreaterThanOrEqual(34);
  const btn = /\.btn\s*{[^}]*min-height:\s*(\d+)rpx/.exec(wxss);
  expect(Number(btn[1])).toBeGreaterThanOrEqual(96);
});

test('the mini-program has no runtime npm dependency and stays ES2017 (no ?. ?? or object spread)', () => {
  walk(SRC).filter(f => f.endsWith('.js')).forEach(file => {
    const text = fs.readFileSync(file, 'utf8');
    const requires = text.match(/require\(['"]([^'"]+)['"]\)/g) || [];
    requires.forEach(r => expect(r).toMatch(/require\(['"]\.\.?\//));
    expect(text).not.toMatch(/\?\.|\?\?|\{\s*\.\.\./);
  });
});

describe('the layout: pages → api/ → utils/request → utils/session, never back', () => {
  const files = walk(SRC).filter(f => f.endsWith('.js'));
  const requiresOf = file => (fs.readFileSync(file, 'utf8').match(/require\(['"](\.[^'"]+)['"]\)/g) || [])
    .map(r => path.resolve(path.dirname(file), /require\(['"]([^'"]+)['"]\)/.exec(r)[1]) + '.js');

  test('no import circle anywhere in src/', () => {
    const graph = {};
    files.forEach(f => { graph[f] = requiresOf(f); });
    const state = {};
    const cycles = [];
    function visit(node, trail) {
      if (state[node] === 'done') return;
      if (state[node] === 'open') { cycles.push(trail.slice(trail.indexOf(node)).concat(node).map(f => path.relative(SRC, f))); return; }
      state[node] = 'open';
      (graph[node] || []).forEach(next => visit(next, trail.concat(node)));
      state[node] = 'done';
    }
    files.forEach(f => visit(f, []));
    expect(cycles).toEqual([]);
  });

  test('only api/ modules name service paths; request and session sit at the bottom', () => {
    files.filter(f => f.indexOf(path.join(SRC, 'pages')) === 0).forEach(f => {
      expect([path.relative(SRC, f), fs.readFileSync(f, 'utf8').indexOf('/api/v1')]).toEqual([path.relative(SRC, f), -1]);
    });
    ['utils/request.js', 'utils/session.js'].forEach(low => {
      const deps = requiresOf(path.join(SRC, low)).map(f => path.relative(SRC, f));
      deps.forEach(d => expect(d).toMatch(/^(config|utils\/(session|wxp))\.js$/));
    });
  });

  test('no source file over 400 lines', () => {
    walk(SRC).filter(f => /\.(js|wxml|wxss|json)$/.test(f)).forEach(f => {
      const lines = fs.readFileSync(f, 'utf8').split('\n').length;
      expect([path.relative(SRC, f), lines <= 400]).toEqual([path.relative(SRC, f), true]);
    });
  });

  test('every page is built with the shared page helper', () => {
    appJson.pages.forEach(p => {
      expect([p, /Page\(page\.(member|guest|staff|open)\(/.test(fs.readFileSync(path.join(SRC, p + '.js'), 'utf8'))]).toEqual([p, true]);
    });
  });
});
