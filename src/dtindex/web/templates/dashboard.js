/* dtindex dashboard: filters submit on change, the period slider, links from table rows. No network but this server. */
(function () {
  "use strict";
  var form = document.getElementById("controls");
  function submit(f) { if (f.requestSubmit) { f.requestSubmit(); } else { f.submit(); } }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.name === "unit") { el.form.action = "/city/" + encodeURIComponent(el.value); }
      submit(el.form);
    });
  });
  document.querySelectorAll("select[multiple][data-max]").forEach(function (el) {
    var max = Number(el.getAttribute("data-max"));
    el.addEventListener("change", function () {
      var chosen = Array.prototype.filter.call(el.options, function (o) { return o.selected; });
      chosen.slice(max).forEach(function (o) { o.selected = false; });
    });
  });
  if (form) {
    form.addEventListener("submit", function () {
      var unit = form.querySelector("select[name=unit]");
      if (unit) { form.action = "/city/" + encodeURIComponent(unit.value); unit.disabled = true; }
      /* a multiple select sends peers=a&peers=b; the server also accepts one comma-separated value */
      form.querySelectorAll("select, input").forEach(function (el) {
        if (el.name && el.value === "" && el.type !== "hidden") { el.disabled = true; }
      });
    });
  }
  document.querySelectorAll("input[type=range][data-values]").forEach(function (el) {
    var values = el.getAttribute("data-values").split(",");
    var target = document.getElementById(el.getAttribute("data-target"));
    var label = document.getElementById(el.getAttribute("data-target") + "-label");
    function sync() { target.value = values[Number(el.value)]; label.textContent = target.value; }
    el.addEventListener("input", sync);
    el.addEventListener("change", function () { sync(); submit(el.form); });
  });
  var all = JSON.parse(document.getElementById("db-row-links").textContent);
  var links = all.rows, heads = all.heads;
  Object.keys(heads).forEach(function (id) {
    var ths = document.querySelectorAll("#" + id + " thead th");
    Object.keys(heads[id]).forEach(function (i) {
      var th = ths[Number(i)];
      if (!th) { return; }
      var a = document.createElement("a");
      a.href = heads[id][i];
      a.className = "db-sort";
      a.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(a);
    });
  });
  Object.keys(links).forEach(function (id) {
    var table = document.getElementById(id);
    if (!table) { return; }
    var col = 0;
    table.querySelectorAll("thead th").forEach(function (th, i) { if (col === 0 && !th.classList.contains("num")) { col = i; } });
    table.querySelectorAll("tbody tr").forEach(function (tr, i) {
      var td = tr.children[col];
      if (!td || !links[id][i]) { return; }
      var a = document.createElement("a");
      a.href = links[id][i];
      a.textContent = td.textContent;
      td.textContent = "";
      td.appendChild(a);
    });
  });
})();
