/* County dashboard: staff log in with a password, then read /api/v1/dashboard/*. Plain JS, no build. */
(function () {
  "use strict";

  var TOKEN_KEY = "dashboard.token";
  var STATUS_NAMES = { active: "正常", returned: "已返乡", transferred: "已转出", lost_contact: "失联", suspended: "停止党籍活动" };
  var state = { month: null, months: null, view: { kind: "county" } };

  function $(id) { return document.getElementById(id); }
  function show(el, visible) { el.hidden = !visible; }
  function percent(rate) { return (rate * 100).toFixed(1) + "%"; }
  function yuan(fen) { return (fen / 100).toFixed(2); }
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

  // ---- months ---------------------------------------------------------------------------------
  function monthLabel(m) { return m ? Number(m.slice(0, 4)) + "年" + Number(m.slice(5, 7)) + "月" : ""; }
  window.dashboardMonthLabel = monthLabel;
  function addMonths(m, n) {
    var total = Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1 + n;
    return Math.floor(total / 12) + "-" + ("0" + (total % 12 + 1)).slice(-2);
  }

  function fillMonths() {
    var select = $("month");
    select.textContent = "";
    for (var i = 0; i < 24; i++) {
      var m = addMonths(state.months.current, -i);
      var option = el("option", monthLabel(m) + (state.months.months_with_data.indexOf(m) < 0 ? "（无数据）" : ""));
      option.value = m;
      select.appendChild(option);
    }
    if (state.month < addMonths(state.months.current, -23)) {
      var older = el("option", monthLabel(state.month)); older.value = state.month; select.appendChild(older);
    }
    select.value = state.month;
    $("next-month").disabled = state.month >= state.months.current;
  }

  function monthLink(text, month) {
    var a = el("a", text); a.href = "#"; a.setAttribute("data-month", month);
    a.addEventListener("click", function (event) { event.preventDefault(); setMonth(month); });
    return a;
  }

  function monthNote() {
    var note = $("month-note"), info = state.months;
    note.textContent = "";
    var hasData = info.months_with_data.indexOf(state.month) >= 0;
    if (hasData && state.month === info.current) { show(note, false); return; }
    if (hasData && state.autoMonth) {
      note.appendChild(document.createTextNode("本月（" + monthLabel(info.current) + "）还没有报到、签到或缴费数据，下面显示最近有数据的 "
        + monthLabel(state.month) + "。"));
      note.appendChild(monthLink("查看本月", info.current));
    } else if (!hasData) {
      note.appendChild(document.createTextNode(monthLabel(state.month) + (state.month === info.current ? "（本月）" : "")
        + "还没有报到、签到或缴费数据。"));
      var back = info.latest_with_data && info.latest_with_data !== state.month ? info.latest_with_data : addMonths(state.month, -1);
      note.appendChild(monthLink("查看" + monthLabel(back), back));
    } else { show(note, false); return; }
    show(note, true);
  }

  function setMonth(m) {
    if (!/^\d{4}-\d{2}$/.test(m) || m > state.months.current) { return; }
    state.month = m; state.autoMonth = false;
    fillMonths(); route();
  }

  // ---- board ----------------------------------------------------------------------------------
  var BOARD_NAMES = { county_admin: "县级看板", township_admin: "乡镇看板", branch_secretary: "支部看板" };

  function start() {
    show($("login-view"), false); show($("board"), true); show($("who"), true);
    api("/api/v1/staff/me").then(function (me) {
      $("who-name").textContent = (me.scope && me.scope.name ? me.scope.name + " · " : "") + me.username;
      state.role = me.role;
      if (me.role === "township_admin" && me.scope) { state.homeTownship = me.scope.id; }
      if (me.role === "branch_secretary" && me.scope) { state.homeBranch = me.scope.id; }
      $("board-name").textContent = BOARD_NAMES[me.role] || "看板";
      return api("/api/v1/dashboard/months");
    }).then(function (months) {
      state.months = months;
      if (!state.month) { state.month = months.latest_with_data || months.current; state.autoMonth = true; }
      fillMonths();
    }).catch(function (err) { boardError(err); }).then(function () { if (state.months) { route(); } });
  }

  function route() {
    var town = /^#\/townships\/(\d+)$/.exec(location.hash), branch = /^#\/branches\/(\d+)$/.exec(location.hash);
    if (!state.months) { return; }
    monthNote();
    if (branch) { loadBranch(Number(branch[1])); }
    else if (town) { loadTownship(Number(town[1])); }
    else if (state.homeBranch) { loadBranch(state.homeBranch); }
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

  function load(kind, id, path, render) {
    state.view = { kind: kind, id: id };
    boardError(null);
    api(path + "?month=" + state.month).then(render).catch(boardError);
  }
  function loadCounty() { load("county", null, "/api/v1/dashboard/county", renderCounty); }
  function loadTownship(id) { load("township", id, "/api/v1/dashboard/townships/" + id, renderTownship); }
  function loadBranch(id) { load("branch", id, "/api/v1/dashboard/branches/" + id, renderBranch); }

  function setTitle(unitName) {
    $("board-title").textContent = unitName;
    var heading = unitName + " · " + monthLabel(state.month) + " · " + $("board-name").textContent;
    $("print-heading").textContent = "流动党员之家 · " + heading;
    document.title = heading + " | 流动党员之家";
    $("board").setAttribute("data-shown", state.view.kind + " " + state.month);
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

  function fillTable(id, rows, emptyText, columns) {
    var table = $(id), body = table.querySelector("tbody");
    var labels = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent; });
    body.textContent = "";
    if (!rows.length) {
      var tr = el("tr"); var td = el("td", emptyText, "empty");
      td.colSpan = labels.length; tr.appendChild(td); body.appendChild(tr);
      return;
    }
    rows.forEach(function (row) {
      var tr = el("tr");
      columns(row).forEach(function (cell, i) {
        var td;
        if (cell instanceof Node) { td = el("td"); td.appendChild(cell); } else { td = el("td", cell[0], cell[1]); }
        td.setAttribute("data-label", labels[i] || "");
        tr.appendChild(td);
      });
      if (row.id !== undefined) { tr.setAttribute("data-id", row.id); }
      body.appendChild(tr);
    });
  }

  function unitColumns(drill) {
    return function (u) {
      var cells = [[u.name], [u.members, "num"], [u.reported, "num"], [percent(u.checkin_rate), "num"],
        [percent(u.dues_paid_rate), "num"], [u.arrears_6m, "num"], [u.lost_contact, "num"]];
      if (drill) {
        var button = el("button", "查看", "btn btn-link btn-small");
        button.type = "button";
        button.setAttribute("data-" + drill, u.id);
        button.addEventListener("click", function () { location.hash = (drill === "branch" ? "#/branches/" : "#/townships/") + u.id; });
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

  function unitOf(m) { return state.view.kind === "county" ? m.township.name + " · " + m.mobile_branch.name : m.mobile_branch.name; }

  function renderPeople(data) {
    var county = state.view.kind === "county";
    $("arrears-unit-col").textContent = $("lost-unit-col").textContent = county ? "乡镇 · 支部" : "支部";
    $("arrears-total").textContent = "（共 " + data.arrears.total + " 人" + (data.arrears.total > data.arrears.items.length
      ? "，此处列出前 " + data.arrears.items.length + " 人，完整名单请导出" : "") + "）";
    fillTable("arrears", data.arrears.items, "没有欠缴满 6 个月的党员", function (m) {
      return [memberLink(m), [unitOf(m)], [m.phone_masked || ""],
        [m.paid_through ? monthLabel(m.paid_through) : "从未缴纳"], [m.months_owed + " 个月", "num"]];
    });
    var lost = data.lost_contact.items.map(function (m) { return Object.assign({ note: "已确认失联" }, m); })
      .concat(data.flagged.items.map(function (m) { return Object.assign({ note: "待书记确认" }, m); }));
    $("lost-total").textContent = "（已确认 " + data.lost_contact.total + " 人，待确认 " + data.flagged.total + " 人）";
    fillTable("lost", lost, "没有失联党员", function (m) {
      return [memberLink(m), [unitOf(m)], [m.phone_masked || ""],
        [shortDate(m.last_seen_at || m.last_activity_at)], [m.note]];
    });
  }

  function renderUnits(title, nameCol, actionCol, units, drill) {
    $("units-title").textContent = title;
    $("units-name-col").textContent = nameCol;
    $("units-action-col").textContent = actionCol;
    fillTable("units", units, "暂无" + nameCol, unitColumns(drill));
  }

  function back(target) {
    show($("back-county"), !!target);
    if (target) { state.backHash = target[0]; $("back-county").textContent = target[1]; }
  }

  function renderCounty(data) {
    setTitle("全县");
    back(null);
    renderCards(data.totals);
    window.dashboardCharts.render(data.townships, data.series, "乡镇");
    renderUnits("各乡镇情况", "乡镇", "详情", data.townships, "township");
    api("/api/v1/dashboard/county/people?month=" + state.month).then(renderPeople).catch(boardError);
  }

  function renderTownship(data) {
    setTitle(data.township.name);
    back(state.homeTownship ? null : ["", "‹ 返回全县"]);
    renderCards(data.totals);
    window.dashboardCharts.render(data.branches, data.series, "支部");
    renderUnits("各流动党员党支部", "支部", "详情", data.branches, "branch");
    renderPeople(data);
  }

  function renderBranch(data) {
    setTitle(data.branch.name);
    back(state.homeBranch ? null : state.homeTownship ? ["", "‹ 返回乡镇"] : ["#/townships/" + data.township.id, "‹ 返回" + data.township.name]);
    renderCards(data.totals);
    window.dashboardCharts.render([data.totals], data.series, "支部");
    renderUnits("本支部情况", "支部", "失联标记", [data.totals], null);
    renderPeople(data);
  }

  // ---- export and print -----------------------------------------------------------------------
  function exportPath() {
    var v = state.view;
    return "/api/v1/dashboard/" + (v.kind === "county" ? "county" : v.kind === "township" ? "townships/" + v.id : "branches/" + v.id)
      + "/export?month=" + state.month;
  }

  function onExport() {
    var button = $("export");
    button.disabled = true;
    fetch(exportPath(), { headers: { Authorization: "Bearer " + token() } }).then(function (resp) {
      if (!resp.ok) { throw new Error("导出失败（" + resp.status + "）"); }
      return resp.blob();
    }).then(function (blob) {
      var a = el("a"); a.href = URL.createObjectURL(blob);
      a.download = $("board-title").textContent + "看板-" + monthLabel(state.month) + ".xlsx";
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
    }).catch(boardError).then(function () { button.disabled = false; });
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
    $("export").addEventListener("click", onExport);
    $("print").addEventListener("click", function () { window.print(); });
    $("prev-month").addEventListener("click", function () { setMonth(addMonths(state.month, -1)); });
    $("next-month").addEventListener("click", function () { setMonth(addMonths(state.month, 1)); });
    $("back-county").addEventListener("click", function () { location.hash = state.backHash || ""; });
    $("month").addEventListener("change", function () { setMonth($("month").value); });
    window.addEventListener("hashchange", route);
    window.addEventListener("resize", function () { window.dashboardCharts.resize(); });
    if (token()) { start(); } else { showLogin(); }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
