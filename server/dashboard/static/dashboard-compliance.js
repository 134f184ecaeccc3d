/* Organisational-life compliance on the dashboard (三会一课, 主题党日, 组织生活会, 民主评议): the county per
   township, a township per mobile branch, a branch per rule; each miss names its rule. Plain JS, no build.
   It follows the board without touching dashboard.js: whenever the board shows a view (#board data-shown
   "<kind> <YYYY-MM>"), it loads the compliance of that month's quarter for the same unit. */
(function () {
  "use strict";

  var STATUS = { met: "已达标", missed: "未达标", pending: "进行中" };
  var me = null, seq = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function api(path) {
    var headers = { "Accept": "application/json", "Authorization": "Bearer " + sessionStorage.getItem("dashboard.token") };
    return fetch(path, { headers: headers }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) { throw new Error(body.message || ("请求失败（" + resp.status + "）")); }
        return body;
      });
    });
  }

  function quarterOf(month) { return month.slice(0, 4) + "-Q" + (Math.floor((Number(month.slice(5, 7)) - 1) / 3) + 1); }

  function quarterLabel(q) { return q.slice(0, 4) + "年第" + "一二三四".charAt(Number(q.slice(-1)) - 1) + "季度"; }

  function periodLabel(p) {
    if (/^\d{4}-\d{2}$/.test(p)) { return Number(p.slice(5, 7)) + "月"; }
    if (/^\d{4}-Q\d$/.test(p)) { return "本季度"; }
    return p + "年";
  }

  function missText(m) { return m.label + "（" + periodLabel(m.period) + "，" + m.held + "/" + m.required + "）：" + m.rule; }

  function statusCell(status) { return el("span", STATUS[status] || status, "tag tag-" + status); }

  function fill(columns, rows, emptyText) {
    var head = $("compliance").querySelector("thead"), body = $("compliance").querySelector("tbody");
    head.textContent = ""; body.textContent = "";
    var tr = el("tr");
    columns.forEach(function (c) { var th = el("th", c); th.scope = "col"; tr.appendChild(th); });
    head.appendChild(tr);
    if (!rows.length) {
      var empty = el("tr"), td = el("td", emptyText, "empty");
      td.colSpan = columns.length; empty.appendChild(td); body.appendChild(empty);
      return;
    }
    rows.forEach(function (cells) {
      var row = el("tr");
      cells.forEach(function (cell, i) {
        var td = el("td");
        if (cell instanceof Node) { td.appendChild(cell); } else if (Array.isArray(cell)) {
          cell.forEach(function (line) { td.appendChild(el("div", line, "miss")); });
        } else { td.textContent = String(cell); }
        td.setAttribute("data-label", columns[i]);
        row.appendChild(td);
      });
      body.appendChild(row);
    });
  }

  function renderCounty(data) {
    $("compliance-title").textContent = "组织生活达标（各乡镇）";
    fill(["乡镇", "支部", "达标", "未达标", "进行中", "未达标项", "未达标规则（支部数）"], data.townships.map(function (t) {
      return [t.township.name, t.branches, t.branches_met, t.branches_missed, t.branches_pending, t.misses,
        t.rules_missed.length ? t.rules_missed.map(function (r) { return r.rule + "（" + r.branches + " 个支部）"; }) : "—"];
    }), "暂无乡镇");
  }

  function renderTownship(data) {
    $("compliance-title").textContent = "组织生活达标（各流动党员党支部）";
    fill(["支部", "情况", "达标规则", "未达标规则", "未达标项及所违反的规则"], data.branches.map(function (b) {
      return [b.branch.name, statusCell(b.status), b.rules_met, b.rules_missed,
        b.misses.length ? b.misses.map(missText) : "—"];
    }), "暂无流动党员党支部");
  }

  function renderBranch(data) {
    $("compliance-title").textContent = "组织生活达标（本支部）";
    fill(["项目", "规则", "本期", "情况"], data.items.map(function (i) {
      return [i.label, i.rule, i.periods.map(function (p) {
        return periodLabel(p.period) + " " + p.held + "/" + p.required + " " + (STATUS[p.status] || p.status);
      }), statusCell(i.status)];
    }), "暂无规则");
  }

  function target(kind) {
    var town = /^#\/townships\/(\d+)$/.exec(location.hash), branch = /^#\/branches\/(\d+)$/.exec(location.hash);
    if (kind === "branch") { return { path: "/api/v1/branches/" + (branch ? branch[1] : me.scope.id) + "/compliance", render: renderBranch }; }
    if (kind === "township") { return { path: "/api/v1/townships/" + (town ? town[1] : me.scope.id) + "/compliance", render: renderTownship }; }
    return { path: "/api/v1/county/compliance", render: renderCounty };
  }

  function refresh() {
    var shown = ($("board").getAttribute("data-shown") || "").split(" ");
    if (shown.length !== 2 || !/^\d{4}-\d{2}$/.test(shown[1])) { return; }
    var mine = ++seq, quarter = quarterOf(shown[1]);
    var who = me ? Promise.resolve(me) : api("/api/v1/staff/me").then(function (body) { me = body; return body; });
    who.then(function () {
      var t = target(shown[0]);
      $("compliance-quarter").textContent = quarterLabel(quarter);
      return api(t.path + "?quarter=" + quarter).then(function (data) {
        if (mine !== seq) { return; }
        $("compliance-error").hidden = true;
        t.render(data);
        $("compliance-panel").setAttribute("data-quarter", quarter);
      });
    }).catch(function (err) {
      if (mine !== seq) { return; }
      $("compliance-error").textContent = err.message; $("compliance-error").hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("logout").addEventListener("click", function () { me = null; });
    new MutationObserver(refresh).observe($("board"), { attributes: true, attributeFilter: ["data-shown"] });
  });
})();
