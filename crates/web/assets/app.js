// sandoq's own small script: sortable and filterable tables, Persian messages for the
// browser's form checks, the registration form's council list, and the CSRF header for htmx.
(function () {
  "use strict";
  // A number as a person reads it: Persian (or Arabic-Indic) digits, «٬» or "," between
  // thousands, «٫» or "." before decimals; words and signs around it (٪, «نفر») are ignored.
  // NaN when the text holds no number.
  function toNumber(text) {
    var ascii = String(text)
      .replace(/[\u06F0-\u06F9]/g, function (d) { return String(d.charCodeAt(0) - 0x06F0); })
      .replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x0660); })
      .replace(/[\u066C,\u200E\u200F\u061C]/g, "")
      .replace(/\u066B/g, ".")
      .replace(/\u2212/g, "-");
    var found = ascii.match(/-?\d+(?:\.\d+)?/);
    return found ? parseFloat(found[0]) : NaN;
  }
  // The text a filter box compares, as the server's searches do (domain::text::search_key;
  // the two are kept in step): Persian letters for their Arabic look-alikes, Persian digits for
  // Latin and Arabic-Indic ones, and no spaces, ZWNJs, kashida, harakat or direction marks, so
  // that «حسین آباد» finds «حسین‌آباد» and «12» finds «۱۲».
  function searchKey(text) {
    return String(text)
      .replace(/[\u064A\u0649]/g, "\u06CC")
      .replace(/\u0643/g, "\u06A9")
      .replace(/\u0629/g, "\u0647")
      .replace(/\u0671/g, "\u0627")
      .replace(/[0-9]/g, function (d) { return String.fromCharCode(0x06F0 + Number(d)); })
      .replace(/[\u0660-\u0669]/g, function (d) { return String.fromCharCode(d.charCodeAt(0) - 0x0660 + 0x06F0); })
      .replace(/[\s\u200C\u0640\u064B-\u065F\u0670\u200E\u200F\u061C\uFEFF]/g, "");
  }
  // Persian collation; digit runs compare by value, so «۹» comes before «۱۰» in text columns.
  var collator = new Intl.Collator("fa", { numeric: true });
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-value");
    return (v !== null ? v : cell.textContent).trim();
  }
  // One hidden description shared by every sort button, and one live region that says how a
  // table was sorted (a changed aria-sort alone is not announced by every screen reader).
  function sortHelpers() {
    if (!document.getElementById("sort-hint")) {
      var hint = document.createElement("span");
      hint.id = "sort-hint";
      hint.hidden = true;
      hint.textContent = "مرتب‌سازی جدول بر پایه این ستون";
      document.body.appendChild(hint);
    }
    var status = document.getElementById("sort-status");
    if (!status) {
      status = document.createElement("div");
      status.id = "sort-status";
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    return status;
  }
  function sortTable(table, index, th) {
    var body = table.tBodies[0];
    if (!body) return;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var numeric = th.hasAttribute("data-numeric");
    // An empty-state row (a single cell across the table) stays where it is.
    var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.hasAttribute("data-empty"); });
    var keyed = rows.map(function (row) {
      var text = cellValue(row, index);
      var key = numeric ? toNumber(text) : text;
      var blank = numeric ? isNaN(key) : text === "" || text === "—";
      return { row: row, key: key, blank: blank };
    });
    keyed.sort(function (a, b) {
      // Blank cells go last whichever way the column is sorted.
      if (a.blank || b.blank) return (a.blank ? 1 : 0) - (b.blank ? 1 : 0);
      var c = numeric ? a.key - b.key : collator.compare(a.key, b.key);
      return ascending ? c : -c;
    });
    keyed.forEach(function (k) { body.appendChild(k.row); });
    sortHelpers().textContent = "جدول بر پایه «" + th.textContent.trim() + "» " + (ascending ? "به ترتیب صعودی" : "به ترتیب نزولی") + " مرتب شد.";
  }
  // A sortable header gets a button: announced as one, focusable, and pressed by Enter or Space
  // like any button. The whole header cell stays clickable.
  function makeSortable(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    sortHelpers();
    Array.prototype.forEach.call(head.cells, function (th, i) {
      if (!th.hasAttribute("data-sortable")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.setAttribute("aria-describedby", "sort-hint");
      while (th.firstChild) button.appendChild(th.firstChild);
      var arrow = document.createElement("span");
      arrow.className = "sort-arrow";
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      th.appendChild(button);
      th.addEventListener("click", function () { sortTable(table, i, th); });
    });
  }
  // The browser's own messages for required and malformed fields follow its language, often
  // English: say them in Persian. Cleared on every edit so the field is checked afresh.
  function fieldMessage(field) {
    var v = field.validity;
    var fa = function (n) { return Number(n).toLocaleString("fa-IR"); };
    if (v.valueMissing) {
      if (field.type === "checkbox") return "برای ادامه این گزینه را علامت بزنید.";
      if (field.type === "radio" || field.tagName === "SELECT") return "یکی از گزینه‌ها را انتخاب کنید.";
      if (field.type === "file") return "پرونده را انتخاب کنید.";
      return "این خانه را پر کنید.";
    }
    if (v.tooShort) return "دست‌کم " + fa(field.minLength) + " نویسه بنویسید (اکنون " + fa(field.value.length) + ").";
    if (v.tooLong) return "حداکثر " + fa(field.maxLength) + " نویسه بنویسید.";
    if (v.patternMismatch) return field.title || "قالب این خانه درست نیست.";
    if (v.rangeUnderflow) return "دست‌کم " + fa(field.min) + " باشد.";
    if (v.rangeOverflow) return "حداکثر " + fa(field.max) + " باشد.";
    if (v.typeMismatch && field.type === "email") return "نشانی رایانامه درست نیست.";
    return "مقدار این خانه درست نیست.";
  }
  document.addEventListener("invalid", function (e) {
    var field = e.target;
    if (!field.setCustomValidity) return;
    field.setCustomValidity("");
    if (!field.validity.valid) field.setCustomValidity(fieldMessage(field));
  }, true);
  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      if (e.target.setCustomValidity) e.target.setCustomValidity("");
    }, true);
  });
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
      if (status) status.textContent = n.toLocaleString("fa-IR") + " از " + max.toLocaleString("fa-IR") + " انتخاب شده";
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
  // The elements `selector` picks in `root`, `root` itself included: htmx:load may fire on
  // the very table or form it swapped in.
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }
  function init(root) {
    within(root, "select[data-narrows]").forEach(function (select) {
      if (select.dataset.ready) return;
      select.dataset.ready = "1";
      narrowCouncils(select);
    });
    within(root, "[data-js-hidden]").forEach(function (el) { el.hidden = true; });
    within(root, "form[data-max-choices]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      limitChoices(form);
    });
    within(root, "[data-print]").forEach(function (b) {
      // htmx:load also fires for the first page, after DOMContentLoaded: bind once.
      if (b.dataset.ready) return;
      b.dataset.ready = "1";
      b.addEventListener("click", function () { window.print(); });
    });
    // A file input's Persian button: the chosen file's name beside it.
    within(root, "[data-file-name-for]").forEach(function (shown) {
      var input = document.getElementById(shown.getAttribute("data-file-name-for"));
      if (!input || input.dataset.ready) return;
      input.dataset.ready = "1";
      input.addEventListener("change", function () {
        shown.textContent = input.files && input.files.length ? input.files[0].name : "پرونده‌ای انتخاب نشده";
      });
    });
    within(root, "table[data-sortable-table]").forEach(function (table) {
      if (table.dataset.ready) return;
      table.dataset.ready = "1";
      makeSortable(table);
    });
    within(root, "input[data-filter-table]").forEach(function (input) {
      var table = document.getElementById(input.getAttribute("data-filter-table"));
      if (!table || input.dataset.ready) return;
      input.dataset.ready = "1";
      input.addEventListener("input", function () {
        var q = searchKey(input.value);
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          row.hidden = q !== "" && searchKey(row.textContent).indexOf(q) === -1;
        });
      });
    });
  }

  // Station minutes (issue 18 §2): an official's Ed25519 key is made here by WebCrypto,
  // non-extractable, and kept in this browser's IndexedDB under the account's name; the server
  // receives only the public key and the signatures (docs/ARCHITECTURE.md, "Station minutes").
  var noCrypto = "این مرورگر امضای Ed25519 را پشتیبانی نمی‌کند؛ مرورگر تازه‌تری به کار ببرید.";
  function keyStore(mode, work) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error(noCrypto)); return; }
      var open = indexedDB.open("sandoq-signing", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("keys"); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result;
        var tx = db.transaction("keys", mode);
        var request = work(tx.objectStore("keys"));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      };
    });
  }
  function base64url(buffer) {
    var text = "";
    new Uint8Array(buffer).forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // A message for the person: the server's Persian problem detail, else the browser's lack.
  function said(message) { var e = new Error(message); e.persian = true; return e; }
  function why(error) { return error && error.persian ? error.message : noCrypto; }
  function postJson(url, body) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": meta ? meta.content : "" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.ok) return response.json();
      return response.json().catch(function () { return {}; }).then(function (problem) {
        throw said(problem.detail || "درخواست پذیرفته نشد.");
      });
    });
  }
  function say(id, text, bad) {
    var shown = document.getElementById(id);
    if (!shown) return;
    shown.textContent = text;
    shown.className = bad ? "error" : "ok";
  }
  document.addEventListener("submit", function (e) {
    var form = e.target.closest && e.target.closest("form[data-register-key]");
    if (!form) return;
    e.preventDefault();
    var username = form.getAttribute("data-username");
    var nationalId = form.elements.national_id.value;
    if (!window.crypto || !crypto.subtle) { say("register-status", noCrypto, true); return; }
    say("register-status", "در حال ساختن کلید…");
    var pair;
    var publicKey;
    crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]).then(function (made) {
      pair = made;
      return crypto.subtle.exportKey("raw", made.publicKey);
    }).then(function (raw) {
      publicKey = base64url(raw);
      return postJson("/api/v1/signing-keys", { national_id: nationalId, public_key: publicKey });
    }).then(function () {
      return keyStore("readwrite", function (keys) {
        return keys.put({ privateKey: pair.privateKey, publicKey: publicKey }, username);
      });
    }).then(function () {
      window.location.href = "/signing-keys";
    }).catch(function (error) { say("register-status", why(error), true); });
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-sign-minutes]");
    if (!button) return;
    var station = button.getAttribute("data-station");
    var version = button.getAttribute("data-version");
    var text = button.getAttribute("data-text");
    if (!window.crypto || !crypto.subtle) { say("sign-status", noCrypto, true); return; }
    button.disabled = true;
    say("sign-status", "در حال امضا…");
    keyStore("readonly", function (keys) {
      return keys.get(button.getAttribute("data-username"));
    }).then(function (kept) {
      if (!kept) throw said("این مرورگر کلید امضای شما را ندارد؛ در صفحهٔ «کلیدهای من» کلید بسازید و تأیید فرماندار را بگیرید.");
      return crypto.subtle.sign({ name: "Ed25519" }, kept.privateKey, new TextEncoder().encode(text));
    }).then(function (signature) {
      return postJson("/api/v1/stations/" + encodeURIComponent(station) + "/minutes/" + encodeURIComponent(version) + "/signatures",
        { signature: base64url(signature) });
    }).then(function () {
      window.location.href = "/results/stations/" + encodeURIComponent(station) + "/minutes?done=signed";
    }).catch(function (error) {
      button.disabled = false;
      say("sign-status", why(error), true);
    });
  });
  // On the keys page: which of the official's keys this browser holds.
  function markDeviceKeys(root) {
    var cells = within(root, "[data-device-key]");
    var form = document.querySelector("form[data-register-key]");
    if (!cells.length || !form) return;
    keyStore("readonly", function (keys) { return keys.get(form.getAttribute("data-username")); }).then(function (kept) {
      cells.forEach(function (cell) {
        cell.textContent = kept && kept.publicKey === cell.getAttribute("data-device-key") ? "بله" : "خیر";
      });
    }).catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", function () { markDeviceKeys(document); });
  document.addEventListener("htmx:load", function (e) { markDeviceKeys(e.target); });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
  document.addEventListener("htmx:configRequest", function (e) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) e.detail.headers["X-CSRF-Token"] = meta.content;
  });
})();
