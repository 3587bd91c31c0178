/* Progressive enhancement only: every form works without this file.
   - drafts: form fields kept in localStorage while typing, restored after a lost connection
     or a reload, cleared once the server confirms (a message tagged clear-draft:<key>) and
     at logout;
   - "add another person" for the affected-persons formset;
   - the breach form's 72-hour deadline computed as the discovery time is typed;
   - the risk matrix's level and suggested route read out as a cell is chosen;
   - the error summary takes focus so a screen reader hears it first.
   Its words come from Django's JavaScript catalogue (/jsi18n/, the djangojs catalogues), in
   the page's language; without the catalogue they stay in English. */
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\(\w+\)s/g, function (m) { return String(obj[m.slice(2, -2)]); });
  };
  var PREFIX = "ui-draft:";
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  function draftKey(form) { return PREFIX + form.getAttribute("data-autosave"); }

  function saveDraft(form) {
    if (!store) return;
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "hidden" && el.name !== "person-TOTAL_FORMS" || el.name === "csrfmiddlewaretoken" || el.name === "website") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        data[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      } else {
        data[el.name] = el.value;
      }
    });
    try { store.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* storage full or denied */ }
  }

  function restoreDraft(form) {
    if (!store || document.getElementById("error-summary")) return; // the server kept the fields
    var raw = store.getItem(draftKey(form));
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    var total = form.querySelector("[name=person-TOTAL_FORMS]");
    var addButton = form.querySelector("[data-formset-add]");
    if (total && addButton && data["person-TOTAL_FORMS"]) {
      while (parseInt(total.value, 10) < parseInt(data["person-TOTAL_FORMS"], 10)) { addRow(form); }
    }
    var restored = false;
    Object.keys(data).forEach(function (name) {
      var value = data[name];
      var els = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
      Array.prototype.forEach.call(els, function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
        } else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) !== -1; });
        } else if (el.type !== "hidden") {
          if (value) { el.value = value; restored = true; }
        }
      });
    });
    if (restored) {
      Array.prototype.forEach.call(form.querySelectorAll("details"), function (d) {
        if (d.querySelector("input:not([type=hidden]):not([type=checkbox])") && Array.prototype.some.call(
          d.querySelectorAll("input[type=text], textarea"), function (el) { return el.value; })) { d.open = true; }
      });
      var note = document.createElement("p");
      note.className = "message";
      note.setAttribute("role", "status");
      note.textContent = gettext("Your unsent text has been restored.");
      form.parentNode.insertBefore(note, form);
    }
  }

  function addRow(form) {
    var template = form.querySelector("[data-formset-template]");
    var rows = form.querySelector("[data-formset-rows]");
    var total = form.querySelector("[name=person-TOTAL_FORMS]");
    if (!template || !rows || !total) return;
    var n = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(n)).replace(/__num__/g, String(n + 1));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(n + 1);
    var first = rows.lastElementChild && rows.lastElementChild.querySelector("input, select, textarea");
    return first;
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function breachClock(form) {
    var box = form.querySelector("[data-breach-clock]");
    var input = form.querySelector("[name=discovered_at]");
    if (!box || !input) return;
    var out = box.querySelector("[data-breach-clock-output]");
    var hours = parseInt(box.getAttribute("data-hours"), 10) || 72;
    function update() {
      if (!input.value) { out.textContent = ""; return; }
      var start = new Date(input.value);
      if (isNaN(start)) { out.textContent = ""; return; }
      var due = new Date(start.getTime() + hours * 3600 * 1000);
      var left = Math.round((due - new Date()) / 3600000);
      var when = due.getFullYear() + "-" + pad(due.getMonth() + 1) + "-" + pad(due.getDate()) + " " + pad(due.getHours()) + ":" + pad(due.getMinutes());
      var text = left >= 0
        ? ngettext("Deadline: %(when)s (%(hours)s hour left).", "Deadline: %(when)s (%(hours)s hours left).", left)
        : ngettext("Deadline: %(when)s (overdue by %(hours)s hour: a reason for the delay will be needed).",
                   "Deadline: %(when)s (overdue by %(hours)s hours: a reason for the delay will be needed).", -left);
      out.textContent = " " + interpolate(text, {when: when, hours: Math.abs(left)}, true);
    }
    input.addEventListener("input", update);
    input.addEventListener("change", update);
    update();
  }

  function riskMatrix(box) {
    var out = box.querySelector("[data-risk-output]");
    function update() {
      var checked = box.querySelector("input[name=risk_cell]:checked");
      if (!checked || !out) return;
      out.textContent = interpolate(gettext("Score %(score)s, %(band)s. Suggested route: %(route)s."), {
        score: checked.getAttribute("data-score"), band: checked.getAttribute("data-band"),
        route: checked.getAttribute("data-route")}, true);
    }
    box.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (store) {
      Array.prototype.forEach.call(document.querySelectorAll("[data-tags]"), function (el) {
        (el.getAttribute("data-tags") || "").split(/\s+/).forEach(function (tag) {
          if (tag.indexOf("clear-draft:") === 0) { store.removeItem(PREFIX + tag.slice(12)); }
        });
      });
      Array.prototype.forEach.call(document.querySelectorAll("form[data-clear-drafts]"), function (form) {
        form.addEventListener("submit", function () {
          Object.keys(store).forEach(function (k) { if (k.indexOf(PREFIX) === 0) store.removeItem(k); });
        });
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave]"), function (form) {
      restoreDraft(form);
      form.addEventListener("input", function () { saveDraft(form); });
      form.addEventListener("change", function () { saveDraft(form); });
      breachClock(form);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-formset-add]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var first = addRow(button.form);
        if (first) first.focus();
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-risk-matrix]"), riskMatrix);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
