/* dtindex report runtime: registers the inlined maps and draws every chart. No network. */
(function () {
  "use strict";
  var esc = echarts.format.encodeHTML;
  function group(s) { return s.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function tick(r) {
    return function (v) {
      var x = v * r.scale, t = Math.abs(x).toFixed(r.decimals);
      if (r.thousands) { var p = t.split("."); p[0] = group(p[0]); t = p.join("."); }
      var sign = x < 0 && Number(t) !== 0 ? "-" : (r.sign && x > 0 && Number(t) !== 0 ? "+" : "");
      return sign + t + r.suffix;
    };
  }
  var tooltips = {
    axis: function () {
      return function (ps) {
        var lines = [esc(ps[0].axisValueLabel)];
        ps.forEach(function (p) { if (p.data) { lines.push(p.marker + esc(p.seriesName) + ": " + esc(p.data.t)); } });
        return lines.join("<br>");
      };
    },
    point: function (spec) {
      return function (p) {
        var head = p.data.n ? esc(p.data.n) + "<br>" : "";
        return head + p.marker + esc(p.seriesName) + "<br>" + esc(spec.xname) + ": " + esc(p.data.tx) +
          "<br>" + esc(spec.yname) + ": " + esc(p.data.ty);
      };
    },
    heat: function () {
      return function (p) { return esc(p.data.r) + " · " + esc(p.data.c) + ": " + esc(p.data.t); };
    },
    radar: function (spec) {
      return function (p) {
        var lines = [p.marker + esc(p.name)];
        (spec.cats || []).forEach(function (c, i) { lines.push(esc(c) + ": " + esc(p.data.t[i])); });
        return lines.join("<br>");
      };
    },
    graph: function () {
      return function (p) { return p.dataType === "edge" ? esc(p.data.t) : esc(p.name); };
    },
    pie: function () {
      return function (p) { return p.marker + esc(p.name) + ": " + esc(p.data.t) + " (" + esc(p.data.s) + ")"; };
    },
    map: function (spec) {
      return function (p) {
        var name = spec.names[p.name] || p.name;
        return esc(name) + ": " + (p.data && p.data.t ? esc(p.data.t) : esc(spec.nodata));
      };
    }
  };
  function labelFormatter(series) {
    if (series.type === "pie") { return function (p) { return p.name + "\n" + p.data.s; }; }
    if (series.type === "scatter") { return function (p) { return p.data.n || ""; }; }
    if (series.type === "graph" || series.type === "radar") { return undefined; }
    return function (p) { return p.data && p.data.t !== undefined ? p.data.t : ""; };
  }
  function prepare(spec) {
    var o = spec.option;
    Object.keys(spec.axes || {}).forEach(function (k) {
      o[k].axisLabel = o[k].axisLabel || {};
      o[k].axisLabel.formatter = tick(spec.axes[k]);
    });
    (o.series || []).forEach(function (s) {
      if (s.label && s.label.show && labelFormatter(s)) { s.label.formatter = labelFormatter(s); }
      if (s.markLine) { s.markLine.label = { formatter: function (p) { return p.data.t; } }; }
    });
    o.tooltip.formatter = tooltips[spec.tooltip](spec);
    return o;
  }
  document.querySelectorAll("script.dt-geo").forEach(function (el) {
    echarts.registerMap(el.getAttribute("data-map"), JSON.parse(el.textContent));
  });
  var specs = JSON.parse(document.getElementById("dt-specs").textContent);
  var fontFamily = getComputedStyle(document.body).fontFamily;
  var charts = [];
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(prepare(spec));
    charts.push(chart);
  });
  function placeQuadrants(chart, labels) {
    // corners of the plot area: top-right, top-left, bottom-left, bottom-right
    var rect = chart.getModel().getComponent("grid").coordinateSystem.getRect();
    var right = chart.getWidth() - rect.x - rect.width + 8, bottom = chart.getHeight() - rect.y - rect.height + 8;
    var pos = [{ right: right, top: rect.y + 8 }, { left: rect.x + 8, top: rect.y + 8 },
               { left: rect.x + 8, bottom: bottom }, { right: right, bottom: bottom }];
    chart.setOption({ graphic: labels.map(function (text, i) {
      var el = { id: "quadrant-" + i, type: "text", silent: true, z: 100,
                 style: { text: text, fill: "#8c96a3", font: "13px " + fontFamily } };
      Object.keys(pos[i]).forEach(function (k) { el[k] = pos[i][k]; });
      return el;
    }) });
  }
  function layout() {
    charts.forEach(function (c, i) { if (specs[i].quadrants) { placeQuadrants(c, specs[i].quadrants); } });
  }
  function resizeAll() { charts.forEach(function (c) { c.resize(); }); layout(); }
  layout();
  window.addEventListener("resize", resizeAll);
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  window.dtindexCharts = charts;
})();
