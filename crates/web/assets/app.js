// sandoq's own small script: sortable and filterable tables, the registration form's council
// list, and the CSRF header for htmx.
// Numbers sort by their data-value (raw digits), so Persian digits in cells do not matter.
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-value");
    return v !== null ? v : cell.textContent.trim();
  }
  function sortTable(table, index, th) {
    var body = table.tBodies[0];
    if (!body) return;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var numeric = th.hasAttribute("data-numeric");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var c = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, "fa");
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  // The voting form: at most data-max-choices candidates, ticked or typed; say how many.
  function limitChoices(form) {
    var max = parseInt(form.getAttribute("data-max-choices"), 10) || 0;
    var boxes = form.querySelectorAll(".candidate input[type=checkbox]");
    var typed = form.querySelector("#typed-codes");
    var status = form.querySelector("[data-choice-count]");
    function update() {
      var digits = (typed ? typed.value : "").replace(/[۰-۹]/g, function (d) { return String(d.charCodeAt(0) - 0x06F0); });
      var codes = {};
      boxes.forEach(function (b) { if (b.checked) codes[b.name.slice(2)] = 1; });
      digits.split(/[^0-9]+/).forEach(function (c) { if (c) codes[c] = 1; });
      var n = Object.keys(codes).length;
      boxes.forEach(function (b) {
        b.disabled = !b.checked && n >= max;
        b.closest(".candidate").classList.toggle("disabled", b.disabled);
      });
      if (status) status.textContent = n.toLocaleString("fa-IR") + " از " + max.toLocaleString("fa-IR") + " برگزیده شده";
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    if (typed) typed.addEventListener("input", update);
    update();
  }
  // The registration form's councils: a county select (data-narrows) keeps only its county's
  // groups in the council select. When the server has already narrowed the list (?county=),
  // another county is fetched the same way.
  function narrowCouncils(chooser) {
    var target = document.getElementById(chooser.getAttribute("data-narrows"));
    if (!target) return;
    var groups = Array.prototype.slice.call(target.getElementsByTagName("optgroup"));
    var fixed = target.getAttribute("data-county-filtered");
    function update() {
      var county = chooser.value;
      if (fixed !== null && county !== fixed) {
        window.location.href = chooser.form.action + (county ? "?county=" + encodeURIComponent(county) : "");
        return;
      }
      var chosen = target.value;
      groups.forEach(function (g) { if (g.parentNode) g.parentNode.removeChild(g); });
      groups.forEach(function (g) {
        if (!county || g.getAttribute("data-county") === county) target.appendChild(g);
      });
      target.value = chosen;
      if (target.selectedIndex < 0) target.value = "";
    }
    chooser.addEventListener("change", update);
    if (chooser.value) update();
  }
  function init(root) {
    root.querySelectorAll("select[data-narrows]").forEach(function (select) {
      if (select.dataset.ready) return;
      select.dataset.ready = "1";
      narrowCouncils(select);
    });
    root.querySelectorAll("[data-js-hidden]").forEach(function (el) { el.hidden = true; });
    root.querySelectorAll("form[data-max-choices]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      limitChoices(form);
    });
    root.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    root.querySelectorAll("table[data-sortable-table]").forEach(function (table) {
      if (table.dataset.ready) return;
      table.dataset.ready = "1";
      Array.prototype.forEach.call(table.tHead ? table.tHead.rows[0].cells : [], function (th, i) {
        if (!th.hasAttribute("data-sortable")) return;
        th.tabIndex = 0;
        th.addEventListener("click", function () { sortTable(table, i, th); });
        th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortTable(table, i, th); });
      });
    });
    root.querySelectorAll("input[data-filter-table]").forEach(function (input) {
      var table = document.getElementById(input.getAttribute("data-filter-table"));
      if (!table || input.dataset.ready) return;
      input.dataset.ready = "1";
      input.addEventListener("input", function () {
        var q = input.value.trim().replace(/ي/g, "ی").replace(/ك/g, "ک");
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          row.hidden = q !== "" && row.textContent.indexOf(q) === -1;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
  document.addEventListener("htmx:configRequest", function (e) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) e.detail.headers["X-CSRF-Token"] = meta.content;
  });
})();
