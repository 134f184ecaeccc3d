/* County dashboard: staff log in with a password, then read /api/v1/dashboard/*. Plain JS, no build. */
(function () {
  "use strict";

  var TOKEN_KEY = "dashboard.token";
  var STATUS_NAMES = { active: "正常", returned: "已返乡", transferred: "已转出", lost_contact: "失联", suspended: "停止党籍活动" };
  var state = { month: null, townshipId: null, charts: {} };

  function $(id) { return document.getElementById(id); }
  function show(el, visible) { el.hidden = !visible; }
  function percent(rate) { return (rate * 100).toFixed(1) + "%"; }
  function yuan(fen) { return (fen / 100).toFixed(2); }
  function thisMonth() {
    var now = new Date(Date.now() + 8 * 3600 * 1000);  // Beijing time
    return now.toISOString().slice(0, 7);
  }
  function shortDate(iso) { return iso ? iso.slice(0, 10) : "无记录"; }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  // ---- API ------------------------------------------------------------------------------------
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function api(path, options) {
    options = options || {};
    var headers = { "Accept": "application/json" };
    if (token()) { headers.Authorization = "Bearer " + token(); }
    if (options.body) { headers["Content-Type"] = "application/json"; }
    return fetch(path, { method: options.method || "GET", headers: headers, body: options.body ? JSON.stringify(options.body) : undefined })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          if (resp.status === 401 && path.indexOf("/staff/login") < 0) { logout(); }
          if (!resp.ok) {
            var err = new Error(body.message || ("请求失败（" + resp.status + "）"));
            err.status = resp.status; err.code = body.code;
            throw err;
          }
          return body;
        });
      });
  }

  // ---- login ----------------------------------------------------------------------------------
  function showLogin() {
    show($("login-view"), true); show($("board"), false); show($("who"), false);
    $("username").focus();
  }

  function logout() {
    if (token()) { fetch("/api/v1/staff/logout", { method: "POST", headers: { Authorization: "Bearer " + token() } }).catch(function () {}); }
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin();
  }

  function onLogin(event) {
    event.preventDefault();
    var error = $("login-error");
    show(error, false);
    $("login-submit").disabled = true;
    api("/api/v1/staff/login", { method: "POST", body: { username: $("username").value.trim(), password: $("password").value } })
      .then(function (body) {
        sessionStorage.setItem(TOKEN_KEY, body.token);
        $("password").value = "";
        start();
      })
      .catch(function (err) {
        error.textContent = err.code === "bad_credentials" ? "用户名或密码不正确" : err.message;
        show(error, true);
      })
      .then(function () { $("login-submit").disabled = false; });
  }

  // ---- board ----------------------------------------------------------------------------------
  function start() {
    show($("login-view"), false); show($("board"), true); show($("who"), true);
    $("month").value = state.month = state.month || thisMonth();
    api("/api/v1/staff/me").then(function (me) {
      $("who-name").textContent = (me.scope && me.scope.name ? me.scope.name + " · " : "") + me.username;
      if (me.role === "township_admin" && me.scope) {
        state.homeTownship = me.scope.id;
        $("board-name").textContent = "乡镇看板";
        document.title = "流动党员之家 · 乡镇看板";
      }
    }).catch(function () { $("who-name").textContent = "工作人员"; }).then(route);
  }

  function route() {
    var match = /^#\/townships\/(\d+)$/.exec(location.hash);
    if (match) { loadTownship(Number(match[1])); }
    else if (state.homeTownship) { loadTownship(state.homeTownship); }
    else { loadCounty(); }
    var member = /^\/dashboard\/members\/(\d+)$/.exec(location.pathname);
    if (member && !state.memberShown) { state.memberShown = true; openMember({ id: Number(member[1]) }); }
  }

  function boardError(err) {
    var box = $("board-error");
    box.textContent = err ? (err.status === 403 ? "此账号没有查看该看板的权限" : err.message) : "";
    show(box, !!err);
  }

  function loadCounty() {
    state.townshipId = null;
    boardError(null);
    api("/api/v1/dashboard/county?month=" + state.month).then(renderCounty).catch(boardError);
  }

  function loadTownship(id) {
    state.townshipId = id;
    boardError(null);
    api("/api/v1/dashboard/townships/" + id + "?month=" + state.month).then(renderTownship).catch(boardError);
  }

  function setCard(field, text, value) {
    var node = document.querySelector('[data-field="' + field + '"]');
    node.textContent = text;
    if (value !== undefined) { node.setAttribute("data-value", String(value)); }
  }

  function renderCards(t) {
    var everyone = 0;
    Object.keys(t.members_by_status).forEach(function (k) { everyone += t.members_by_status[k]; });
    setCard("members", t.members, t.members);
    setCard("members_note", "名册共 " + everyone + " 人");
    setCard("reported", t.reported, t.reported);
    setCard("report_rate", "报到率 " + percent(t.report_rate));
    setCard("checkin_rate", percent(t.checkin_rate), t.checkin_rate);
    setCard("checkin_note", t.checkin_members + " 人签到，共 " + t.checkins + " 人次");
    setCard("dues_paid_rate", percent(t.dues_paid_rate), t.dues_paid_rate);
    setCard("paid_note", "本月收缴 " + yuan(t.paid_fen) + " 元");
    setCard("arrears_6m", t.arrears_6m, t.arrears_6m);
    setCard("lost_contact", t.lost_contact, t.lost_contact);
    setCard("flagged_note", "待确认 " + t.lost_contact_flagged + " 人");
  }

  function chart(id) {
    if (!window.echarts) { return null; }
    if (!state.charts[id]) { state.charts[id] = window.echarts.init($(id), null, { renderer: "canvas" }); }
    return state.charts[id];
  }

  var AXIS_FONT = { fontSize: 15, color: "#222" };

  function renderCharts(units, series, unitLabel) {
    var months = series.map(function (p) { return p.month.slice(2).replace("-", "/"); });
    var bars = chart("chart-members");
    if (!bars) { return; }
    $("chart-members-title").textContent = "各" + unitLabel + "党员人数";
    bars.setOption({
      grid: { left: 48, right: 16, top: 24, bottom: 80 },
      tooltip: { trigger: "axis", textStyle: { fontSize: 16 } },
      xAxis: { type: "category", data: units.map(function (u) { return u.name; }),
        axisLabel: Object.assign({ rotate: units.length > 5 ? 35 : 0, interval: 0 }, AXIS_FONT) },
      yAxis: { type: "value", minInterval: 1, axisLabel: AXIS_FONT },
      series: [{ type: "bar", name: "党员", data: units.map(function (u) { return u.members; }),
        barMaxWidth: 64, itemStyle: { color: "#a8141b" }, label: { show: units.length <= 12, position: "top", fontSize: 15 } }]
    }, true);
    chart("chart-rates").setOption({
      grid: { left: 56, right: 16, top: 48, bottom: 36 },
      tooltip: { trigger: "axis", textStyle: { fontSize: 16 }, valueFormatter: function (v) { return v.toFixed(1) + "%"; } },
      legend: { top: 0, textStyle: { fontSize: 16 } },
      xAxis: { type: "category", data: months, axisLabel: AXIS_FONT },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: Object.assign({ formatter: "{value}%" }, AXIS_FONT) },
      series: [
        { type: "line", name: "报到率", data: series.map(function (p) { return p.report_rate * 100; }),
          lineStyle: { width: 4 }, symbolSize: 9, itemStyle: { color: "#a8141b" } },
        { type: "line", name: "签到率", data: series.map(function (p) { return p.checkin_rate * 100; }),
          lineStyle: { width: 4, type: "dashed" }, symbol: "rect", symbolSize: 9, itemStyle: { color: "#1f4e9c" } }
      ]
    }, true);
    chart("chart-dues").setOption({
      grid: { left: 72, right: 16, top: 24, bottom: 36 },
      tooltip: { trigger: "axis", textStyle: { fontSize: 16 }, valueFormatter: function (v) { return v.toFixed(2) + " 元"; } },
      xAxis: { type: "category", data: months, axisLabel: AXIS_FONT },
      yAxis: { type: "value", axisLabel: AXIS_FONT },
      series: [{ type: "bar", name: "党费", data: series.map(function (p) { return p.paid_fen / 100; }),
        barMaxWidth: 48, itemStyle: { color: "#c77700" } }]
    }, true);
  }

  function fillTable(id, rows, emptyText, columns) {
    var body = $(id).querySelector("tbody");
    body.textContent = "";
    if (!rows.length) {
      var tr = el("tr"); var td = el("td", emptyText, "empty");
      td.colSpan = $(id).querySelectorAll("thead th").length; tr.appendChild(td); body.appendChild(tr);
      return;
    }
    rows.forEach(function (row) {
      var tr = el("tr");
      columns(row).forEach(function (cell) {
        if (cell instanceof Node) { var td = el("td"); td.appendChild(cell); tr.appendChild(td); }
        else { tr.appendChild(el("td", cell[0], cell[1])); }
      });
      if (row.id !== undefined) { tr.setAttribute("data-id", row.id); }
      body.appendChild(tr);
    });
  }

  function unitColumns(withDrill) {
    return function (u) {
      var cells = [[u.name], [u.members, "num"], [u.reported, "num"], [percent(u.checkin_rate), "num"],
        [percent(u.dues_paid_rate), "num"], [u.arrears_6m, "num"], [u.lost_contact, "num"]];
      if (withDrill) {
        var button = el("button", "查看", "btn btn-link btn-small");
        button.type = "button";
        button.setAttribute("data-township", u.id);
        button.addEventListener("click", function () { location.hash = "#/townships/" + u.id; });
        cells.push(button);
      } else {
        cells.push([u.lost_contact_flagged ? "待确认 " + u.lost_contact_flagged : "—"]);
      }
      return cells;
    };
  }

  function memberLink(m) {
    var a = el("a", m.name);
    a.href = m.url;
    a.setAttribute("data-member-id", m.id);
    a.addEventListener("click", function (event) { event.preventDefault(); openMember(m); });
    return a;
  }

  function renderCounty(data) {
    $("board-title").textContent = "全县";
    show($("back-county"), false);
    renderCards(data.totals);
    renderCharts(data.townships, data.series, "乡镇");
    $("units-title").textContent = "各乡镇情况";
    $("units-name-col").textContent = "乡镇";
    $("units-action-col").textContent = "详情";
    fillTable("units", data.townships, "暂无乡镇", unitColumns(true));
    show($("arrears-panel"), false);
    api("/api/v1/lost-contact?per_page=50").then(function (page) {
      $("lost-total").textContent = "（待书记确认 " + page.total + " 人）";
      fillTable("lost", page.items, "暂无待确认的失联标记", function (f) {
        return [memberLink(f.member), [f.member.mobile_branch.name], [f.member.phone_masked || ""],
          [shortDate(f.last_seen_at)], ["待确认"]];
      });
    }).catch(function () { fillTable("lost", [], "失联名单暂不可用", null); });
  }

  function renderTownship(data) {
    $("board-title").textContent = data.township.name;
    show($("back-county"), !state.homeTownship);
    renderCards(data.totals);
    renderCharts(data.branches, data.series, "支部");
    $("units-title").textContent = "各流动党员党支部";
    $("units-name-col").textContent = "支部";
    $("units-action-col").textContent = "失联标记";
    fillTable("units", data.branches, "暂无支部", unitColumns(false));
    show($("arrears-panel"), true);
    $("arrears-total").textContent = "（共 " + data.arrears.total + " 人）";
    fillTable("arrears", data.arrears.items, "没有欠缴满 6 个月的党员", function (m) {
      return [memberLink(m), [m.mobile_branch.name], [m.phone_masked || ""], [m.paid_through || "从未缴纳"],
        [m.months_owed + " 个月", "num"]];
    });
    var lost = data.lost_contact.items.map(function (m) { return Object.assign({ note: "已确认失联" }, m); })
      .concat(data.flagged.items.map(function (m) { return Object.assign({ note: "待书记确认" }, m); }));
    $("lost-total").textContent = "（已确认 " + data.lost_contact.total + " 人，待确认 " + data.flagged.total + " 人）";
    fillTable("lost", lost, "没有失联党员", function (m) {
      return [memberLink(m), [m.mobile_branch.name], [m.phone_masked || ""],
        [shortDate(m.last_seen_at || m.last_activity_at)], [m.note]];
    });
  }

  // ---- member detail --------------------------------------------------------------------------
  function openMember(m) {
    var dialog = $("member-dialog");
    var list = $("member-fields");
    function render(member) {
      list.textContent = "";
      [["姓名", member.name], ["身份证号", member.id_number_masked], ["手机", member.phone_masked],
        ["乡镇", member.township && member.township.name], ["流动党员党支部", member.mobile_branch && member.mobile_branch.name],
        ["状态", STATUS_NAMES[member.status] || member.status], ["党费缴至", member.paid_through || "从未缴纳"],
        ["最后活动", member.last_activity_at ? shortDate(member.last_activity_at) : undefined]]
        .forEach(function (pair) {
          if (pair[1] === undefined || pair[1] === null) { return; }
          list.appendChild(el("dt", pair[0])); list.appendChild(el("dd", pair[1]));
        });
    }
    render(m);
    show($("member-error"), false);
    if (!dialog.open) { dialog.showModal(); }
    api("/api/v1/members/" + m.id).then(function (body) { render(Object.assign({}, m, body.member || body)); })
      .catch(function (err) {
        if (!m.name) { $("member-error").textContent = err.message; show($("member-error"), true); }
      });
    renderLetters(m.id);
  }

  // A transfer's letter (介绍信 / 返乡回执) is fetched with the staff token and opened as a PDF to print.
  function renderLetters(memberId) {
    var box = $("member-letters");
    box.textContent = "";
    api("/api/v1/members/" + memberId + "/transfers").then(function (body) {
      body.items.forEach(function (t) {
        var label = (t.kind === "transfer_out" ? "打印介绍信 " : "打印返乡回执 ") + t.letter_no +
          (t.status === "cancelled" ? "（已撤销）" : "");
        var button = el("button", label, "btn letter-link");
        button.type = "button";
        button.setAttribute("data-transfer-id", t.id);
        button.addEventListener("click", function () { openLetter(t.letter_url); });
        box.appendChild(button);
      });
    }).catch(function () { box.textContent = ""; });
  }

  function openLetter(url) {
    fetch(url, { headers: { Authorization: "Bearer " + token() } }).then(function (resp) {
      if (!resp.ok) { throw new Error("介绍信暂时打不开（" + resp.status + "）"); }
      return resp.blob();
    }).then(function (blob) { window.open(URL.createObjectURL(blob), "_blank"); })
      .catch(function (err) { $("member-error").textContent = err.message; show($("member-error"), true); });
  }

  // ---- wiring ---------------------------------------------------------------------------------
  function init() {
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", logout);
    $("refresh").addEventListener("click", route);
    $("back-county").addEventListener("click", function () { location.hash = ""; });
    $("month").addEventListener("change", function () {
      if (/^\d{4}-\d{2}$/.test($("month").value)) { state.month = $("month").value; route(); }
    });
    window.addEventListener("hashchange", route);
    window.addEventListener("resize", function () {
      Object.keys(state.charts).forEach(function (k) { state.charts[k].resize(); });
    });
    if (token()) { start(); } else { showLogin(); }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
