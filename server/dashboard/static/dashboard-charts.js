/* Dashboard charts (ECharts): members per unit, the 12-month rates and dues. A month without data is a gap. */
(function () {
  "use strict";

  var charts = {};
  var AXIS_FONT = { fontSize: 15, color: "#222" };

  function chart(id) {
    if (!window.echarts) { return null; }
    if (!charts[id]) { charts[id] = window.echarts.init(document.getElementById(id), null, { renderer: "canvas" }); }
    return charts[id];
  }

  // null (no data that month) stays null, so the line breaks and no bar is drawn.
  function scaled(series, field, factor) {
    return series.map(function (p) { return p[field] === null || p[field] === undefined ? null : p[field] * factor; });
  }

  function formatter(unit, digits) {
    return function (v) { return v === null || v === undefined || v === "-" ? "无数据" : Number(v).toFixed(digits) + unit; };
  }

  function render(units, series, unitLabel) {
    var months = series.map(function (p) { return p.month.slice(2).replace("-", "/"); });
    var bars = chart("chart-members");
    if (!bars) { return; }
    document.getElementById("chart-members-title").textContent = "各" + unitLabel + "党员人数";
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
      tooltip: { trigger: "axis", textStyle: { fontSize: 16 }, valueFormatter: formatter("%", 1) },
      legend: { top: 0, textStyle: { fontSize: 16 } },
      xAxis: { type: "category", data: months, axisLabel: AXIS_FONT },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: Object.assign({ formatter: "{value}%" }, AXIS_FONT) },
      series: [
        { type: "line", name: "报到率", data: scaled(series, "report_rate", 100), connectNulls: false,
          lineStyle: { width: 4 }, symbolSize: 9, itemStyle: { color: "#a8141b" } },
        { type: "line", name: "签到率", data: scaled(series, "checkin_rate", 100), connectNulls: false,
          lineStyle: { width: 4, type: "dashed" }, symbol: "rect", symbolSize: 9, itemStyle: { color: "#1f4e9c" } }
      ]
    }, true);
    chart("chart-dues").setOption({
      grid: { left: 72, right: 16, top: 24, bottom: 36 },
      tooltip: { trigger: "axis", textStyle: { fontSize: 16 }, valueFormatter: formatter(" 元", 2) },
      xAxis: { type: "category", data: months, axisLabel: AXIS_FONT },
      yAxis: { type: "value", axisLabel: AXIS_FONT },
      series: [{ type: "bar", name: "党费", data: scaled(series, "paid_fen", 0.01),
        barMaxWidth: 48, itemStyle: { color: "#c77700" } }]
    }, true);
    var gaps = series.filter(function (p) { return !p.has_data; }).map(function (p) { return p.month; });
    document.getElementById("series-gaps").textContent = gaps.length
      ? "图中空白处为没有报到、签到或缴费数据的月份（" + gaps.map(function (m) { return window.dashboardMonthLabel(m); }).join("、") + "）" : "";
  }

  function resize() {
    // Entering the print layout fires a resize: keep the screen drawing, the print CSS scales it to the paper.
    if (window.matchMedia("print").matches) { return; }
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  }

  window.dashboardCharts = { render: render, resize: resize };
})();
