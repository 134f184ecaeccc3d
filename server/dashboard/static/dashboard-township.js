/* The township's own pieces on the dashboard (issue 11): the activity-certificate counts (expired, due for the
   annual review this month) and, per village branch, the home branch's yearly summary of its mobile members to
   print (PDF) or file (Excel). Plain JS, no build. Like dashboard-compliance.js it follows the board without
   touching dashboard.js: when the board shows a township ("township <YYYY-MM>" in #board data-shown) it loads
   that township's figures; on any other view the panels stay hidden. Downloads are fetched with the staff token
   and handed over as a blob, as the board's own Excel export does. */
(function () {
  "use strict";

  var me = null, seq = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function token() { return sessionStorage.getItem("dashboard.token"); }

  function api(path) {
    return fetch(path, { headers: { "Accept": "application/json", "Authorization": "Bearer " + token() } }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) { throw new Error(body.message || ("请求失败（" + resp.status + "）")); }
        return body;
      });
    });
  }

  function showError(id, message) { $(id).textContent = message || ""; $(id).hidden = !message; }

  function townshipId(shown) {
    var town = /^#\/townships\/(\d+)$/.exec(location.hash);
    if (town) { return Promise.resolve(town[1]); }
    var who = me ? Promise.resolve(me) : api("/api/v1/staff/me").then(function (body) { me = body; return body; });
    return who.then(function (body) { return body.scope.id; });
  }

  function renderCounts(counts) {
    $("cert-expired").textContent = counts.expired;
    $("cert-due").textContent = counts.due_this_month;
    $("cert-total").textContent = counts.total;
    $("cert-on").textContent = "截至 " + counts.on.replace(/^(\d{4})-(\d{2})-(\d{2})$/, function (_, y, m, d) {
      return y + "年" + Number(m) + "月" + Number(d) + "日";
    });
  }

  // The yearly summary of one village branch, fetched with the token: the PDF opens to print, the XLSX is saved.
  function download(branch, format, button) {
    var year = $("summary-year").value;
    button.disabled = true;
    showError("summary-error", "");
    fetch("/api/v1/branches/" + branch.id + "/yearly-summary?year=" + year + "&format=" + format,
      { headers: { Authorization: "Bearer " + token() } }).then(function (resp) {
      if (!resp.ok) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          throw new Error(body.message || ("年度情况表暂时打不开（" + resp.status + "）"));
        });
      }
      return resp.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      if (format === "pdf") { window.open(url, "_blank"); } else {
        var a = el("a"); a.href = url; a.download = branch.name + year + "年流动党员年度情况.xlsx";
        document.body.appendChild(a); a.click(); a.remove();
      }
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    }).catch(function (err) { showError("summary-error", err.message); })
      .then(function () { button.disabled = false; });
  }

  function actionButton(label, branch, format) {
    var button = el("button", label, "btn btn-link btn-small summary-" + format);
    button.type = "button";
    button.setAttribute("data-branch-id", branch.id);
    button.addEventListener("click", function () { download(branch, format, button); });
    return button;
  }

  function renderBranches(branches) {
    var body = $("summaries").querySelector("tbody");
    body.textContent = "";
    if (!branches.length) {
      var empty = el("tr"), td = el("td", "本乡镇暂无村党支部", "empty");
      td.colSpan = 3; empty.appendChild(td); body.appendChild(empty);
      return;
    }
    branches.forEach(function (b) {
      var row = el("tr"), actions = el("td", null, "summary-actions");
      row.appendChild(el("td", b.name));
      row.appendChild(el("td", b.member_count, "num"));
      actions.appendChild(actionButton("打印年度情况表", b, "pdf"));
      actions.appendChild(actionButton("下载 Excel", b, "xlsx"));
      row.appendChild(actions);
      body.appendChild(row);
    });
  }

  function fillYears(month) {
    var select = $("summary-year"), year = Number(month.slice(0, 4)), keep = select.value;
    select.textContent = "";
    [year, year - 1, year - 2].forEach(function (y) {
      var option = el("option", y + "年"); option.value = y; select.appendChild(option);
    });
    if (keep && Number(keep) <= year && Number(keep) >= year - 2) { select.value = keep; }
  }

  function refresh() {
    var shown = ($("board").getAttribute("data-shown") || "").split(" ");
    var township = shown[0] === "township" && /^\d{4}-\d{2}$/.test(shown[1] || "");
    $("certificates-panel").hidden = !township;
    $("summaries-panel").hidden = !township;
    if (!township) { return; }
    var mine = ++seq;
    fillYears(shown[1]);
    townshipId().then(function (id) {
      return Promise.all([
        api("/api/v1/townships/" + id + "/certificates/counts").then(function (counts) {
          if (mine !== seq) { return; }
          showError("certificates-error", "");
          renderCounts(counts);
          $("certificates-panel").setAttribute("data-township", id);
        }).catch(function (err) { if (mine === seq) { showError("certificates-error", err.message); } }),
        api("/api/v1/branches?kind=village&township_id=" + id).then(function (body) {
          if (mine !== seq) { return; }
          renderBranches(body.items);
          $("summaries-panel").setAttribute("data-township", id);
        }).catch(function (err) { if (mine === seq) { showError("summary-error", err.message); } })
      ]);
    }).catch(function (err) { if (mine === seq) { showError("certificates-error", err.message); } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("logout").addEventListener("click", function () { me = null; });
    new MutationObserver(refresh).observe($("board"), { attributes: true, attributeFilter: ["data-shown"] });
  });
})();
