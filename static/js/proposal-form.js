/* Proposal form helpers (the review form uses them too): live character count, a copy of unsaved input in sessionStorage (restored
   after a session expiry or a lost request), conflict choices, the GPU-hours estimator's
   "Use this figure" and throughput pre-fill, the page heading following the autosaved title.
   Autosave itself is plain htmx in the templates. */
(function () {
  "use strict";

  var STORE = "proposal-draft:";

  function storageKey(form) {
    return STORE + form.dataset.draftKey;
  }

  function readStore(form) {
    try {
      return JSON.parse(window.sessionStorage.getItem(storageKey(form)) || "null");
    } catch (e) {
      return null;
    }
  }

  function writeStore(form, value) {
    try {
      if (value === null) {
        window.sessionStorage.removeItem(storageKey(form));
      } else {
        window.sessionStorage.setItem(storageKey(form), JSON.stringify(value));
      }
    } catch (e) {
      /* storage full or disabled: the server copy is all we have */
    }
  }

  function ignored(el) {
    return !el.name || el.type === "hidden" || el.type === "file" || el.type === "submit" ||
      el.type === "button" || el.name === "csrfmiddlewaretoken";
  }

  /* The form's values as they are now, or (asRendered) as the server sent them, whatever has
     been typed since. */
  function snapshot(form, asRendered) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (ignored(el)) { return; }
      if (el.type === "checkbox") {
        values[el.name] = asRendered ? el.defaultChecked : el.checked;
      } else if (el.type === "radio") {
        if (asRendered ? el.defaultChecked : el.checked) { values[el.name] = el.value; }
        else if (!(el.name in values)) { values[el.name] = null; }
      } else if (asRendered && el.tagName === "SELECT") {
        var chosen = Array.prototype.find.call(el.options, function (o) { return o.defaultSelected; });
        values[el.name] = chosen ? chosen.value : (el.options.length ? el.options[0].value : "");
      } else {
        values[el.name] = asRendered ? el.defaultValue : el.value;
      }
    });
    return values;
  }

  function differs(a, b) {
    return Object.keys(a).some(function (k) { return k in b && a[k] !== b[k]; });
  }

  function apply(form, values) {
    Object.keys(values).forEach(function (name) {
      var els = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      Array.prototype.forEach.call(els, function (el) {
        if (el.type === "checkbox") { el.checked = !!values[name]; }
        else if (el.type === "radio") { el.checked = el.value === values[name]; }
        else { el.value = values[name]; }
      });
    });
  }

  /* A resource request's form is folded away in its card: unfold it when it holds unsaved
     input, or nobody would see it. */
  function unfold(form) {
    var details = form.closest("details");
    if (details) { details.open = true; }
  }

  function cameFromLogin() {
    return /\/accounts\/(login|mfa|2fa)/.test(document.referrer || "");
  }

  /* On load: put back what was typed but never saved. A form the server re-rendered with the
     user's input (data-bound) already shows it; a form submitted successfully shows the saved
     values, unless the submission bounced off the login page. */
  function restore(form) {
    var server = snapshot(form, true);
    var onScreen = snapshot(form);
    if (differs(onScreen, server)) {
      // Typed into before this script ran (a slow page), or put back by the browser itself: no
      // input event reached us or htmx, and what is on screen is newer than any copy. Keep it,
      // and save it.
      writeStore(form, { values: onScreen, submitted: false });
      unfold(form);
      if (form.hasAttribute("data-autosave") && window.htmx) { window.htmx.trigger(form, "change"); }
      return;
    }
    var stored = readStore(form);
    if (!stored || !stored.values) { return; }
    var submitted = stored.submitted && !cameFromLogin();
    if (form.hasAttribute("data-bound") || submitted || !differs(stored.values, server)) {
      writeStore(form, null);
      return;
    }
    apply(form, stored.values);
    unfold(form);
    var notice = document.getElementById("draft-restored");
    if (notice) { notice.hidden = false; }
    if (form.hasAttribute("data-autosave") && window.htmx) {
      window.htmx.trigger(form, "change");
    }
  }

  function discardDrafts() {
    document.querySelectorAll("form[data-draft-key]").forEach(function (f) { writeStore(f, null); });
  }

  function updateCounter(textarea) {
    var max = parseInt(textarea.dataset.maxChars, 10);
    var counter = document.getElementById(textarea.id + "-counter");
    if (!counter) {
      counter = document.createElement("div");
      counter.id = textarea.id + "-counter";
      counter.className = "form-text";
      counter.setAttribute("aria-live", "polite");
      textarea.insertAdjacentElement("afterend", counter);
    }
    var length = textarea.value.length;
    counter.textContent = length.toLocaleString("en") + " / " + max.toLocaleString("en") +
      " characters" + (length > max ? " — " + (length - max).toLocaleString("en") + " too many" : "");
    counter.classList.toggle("text-danger", length > max);
    textarea.classList.toggle("is-invalid", length > max);
  }

  function markInvalidFields(root) {
    root.querySelectorAll(".field-errors").forEach(function (box) {
      var id = box.id.replace(/-errors$/, "");
      var input = document.getElementById(id);
      if (input && input.classList) {
        var bad = box.textContent.trim() !== "";
        input.classList.toggle("is-invalid", bad);
        if (bad) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      }
    });
  }

  function selectedOption(select) {
    return select && select.selectedIndex >= 0 ? select.options[select.selectedIndex] : null;
  }

  function syncPartition(select) {
    var prefix = select.id.replace(/^id_/, "").replace(/-offered_partition$/, "");
    var option = selectedOption(select);
    var unit = document.querySelector('[data-unit-for="' + prefix + '"]');
    if (unit) { unit.textContent = option && option.dataset.unit ? "(" + option.dataset.unit + ")" : ""; }
    // The estimator's figures mean something only for a GPU partition that has been chosen.
    var inputs = document.querySelector("#estimator-" + CSS.escape(prefix) + " [data-estimator-inputs]");
    if (inputs) { inputs.hidden = !(option && option.value && option.dataset.gpu === "1"); }
    return { prefix: prefix, option: option };
  }

  function estimate(prefix) {
    var box = document.getElementById("estimator-" + prefix);
    if (box && window.htmx) { window.htmx.trigger(box, "estimate"); }
  }

  // A partition was chosen: its throughput goes into the estimator, which asks again.
  function partitionChosen(select) {
    var chosen = syncPartition(select);
    var tflops = document.getElementById("est-" + chosen.prefix + "-tflops");
    if (tflops && chosen.option && chosen.option.dataset.tflops) { tflops.value = chosen.option.dataset.tflops; }
    estimate(chosen.prefix);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-draft-key]").forEach(restore);
    document.querySelectorAll("textarea[data-max-chars]").forEach(updateCounter);
    document.querySelectorAll('select[id$="-offered_partition"]').forEach(function (select) {
      var option = selectedOption(select);
      // Chosen while the page was still loading, before this script listened (or restored
      // from a draft): do now what the change would have done.
      if (option && option.value && !option.defaultSelected) { partitionChosen(select); } else { syncPartition(select); }
    });
    markInvalidFields(document);
  });

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.dataset.draftKey && !ignored(event.target)) {
      writeStore(form, { values: snapshot(form), submitted: false });
    }
    if (event.target.matches && event.target.matches("textarea[data-max-chars]")) {
      updateCounter(event.target);
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.form && target.form.dataset.draftKey && !ignored(target)) {
      writeStore(target.form, { values: snapshot(target.form), submitted: false });
    }
    if (target.matches && target.matches('select[id$="-offered_partition"]')) {
      partitionChosen(target);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.draftKey) {
      form.dataset.submitting = "1";
      writeStore(form, { values: snapshot(form), submitted: true });
    }
  });

  document.addEventListener("click", function (event) {
    var use = event.target.closest("[data-use-estimate]");
    if (use) {
      var p = use.dataset.prefix;
      var set = function (id, value) {
        var el = document.getElementById(id);
        if (el) { el.value = value; el.dispatchEvent(new Event("input", { bubbles: true })); }
      };
      set("id_" + p + "-est_parameters", use.dataset.parameters);
      set("id_" + p + "-est_tokens", use.dataset.tokens);
      set("id_" + p + "-est_tflops", use.dataset.tflops);
      set("id_" + p + "-hours", use.dataset.hours);
      var hours = document.getElementById("id_" + p + "-hours");
      if (hours) { hours.focus(); }
      use.textContent = "Copied into the request";
      return;
    }
    var now = event.target.closest("[data-estimate-now]");
    if (now) { estimate(now.dataset.estimateNow); return; }
    var keep = event.target.closest("[data-conflict-keep]");
    if (keep) {
      // The user chose to save their text over the teammate's (or their other tab's): base the
      // save on the new version. The proposal's sections and the review form alike.
      var form = document.querySelector("form[data-autosave]");
      var version = form && form.querySelector('input[name="version"]');
      if (version && form) {
        version.value = keep.dataset.version;
        window.htmx.trigger(form, "change");
      }
      return;
    }
    if (event.target.closest("[data-discard-draft]")) {
      discardDrafts();
      if (event.target.closest("button")) { window.location.reload(); }
    }
  });

  // A full submit is on its way: no autosave may race it (it would bump the version under it).
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosave]");
    if (form && form.dataset.submitting === "1") { event.preventDefault(); }
  });

  /* An autosave the server did not answer with a save status (a proxy's error page, a 500, no
     connection): say it was not saved. What was typed stays on screen and in sessionStorage. */
  function showUnsaved(form, why) {
    var status = document.getElementById("save-status");
    if (!form || !status) { return; }
    var line = document.createElement("span");
    line.className = "text-danger";
    line.dataset.saveState = "failed";
    line.textContent = "Not saved: " + why + " Your text is kept in this browser; " +
      "it is saved with your next change, or reload the page to try again.";
    status.replaceChildren(line);
  }

  /* The form whose request this is (htmx fires beforeSwap on the swap's target, not the form). */
  function autosaveForm(event) {
    var config = event.detail && event.detail.requestConfig;
    var elt = (config && config.elt) || event.target;
    return elt && elt.closest ? elt.closest("form[data-autosave]") : null;
  }

  /* Swap the answers htmx would otherwise drop, each of which says why in the save status:
     session expired (401), conflict (409), locked (403), refused (400: e.g. no usable version). */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 401 || status === 409 || status === 403) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    var form = autosaveForm(event);
    if (form && status >= 400 && !/data-save-state=/.test(event.detail.serverResponse || "")) {
      event.detail.shouldSwap = false;
      showUnsaved(form, "the portal answered with an error (" + status + ").");
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    showUnsaved(autosaveForm(event), "the portal could not be reached.");
  });

  /* The page heading shows the saved title and acronym: what an autosave sent becomes the
     heading once the server says it was saved (not while it is only typed). */
  var headingSent = null;

  function headingValues(form) {
    var title = form.elements.namedItem("title");
    var acronym = form.elements.namedItem("acronym");
    if (!title || !title.name) { return null; }
    return { title: title.value.trim(), acronym: acronym ? acronym.value.trim() : "" };
  }

  function showHeading(values) {
    var heading = document.querySelector("main h1");
    if (!heading) { return; }
    heading.textContent = values.title || "Untitled proposal";
    if (values.acronym) {
      var small = document.createElement("small");
      small.className = "text-muted";
      small.textContent = "(" + values.acronym + ")";
      heading.append(" ", small);
    }
    var parts = document.title.split(" — ");
    if (parts.length > 1) {
      parts[0] = values.acronym || "Draft proposal";
      document.title = parts.join(" — ");
    }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target;
    if (form && form.id === "section-form") { headingSent = headingValues(form); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var state = event.detail.target.querySelector && event.detail.target.querySelector("[data-save-state]");
    var form = document.querySelector("form[data-autosave]");
    if (state && form && state.dataset.saveState === "saved") {
      writeStore(form, null);
      if (headingSent) { showHeading(headingSent); }
    }
    markInvalidFields(document);
  });

  // The countdown on the submit page: the server's clock decides, this is only a reminder.
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.floor((new Date(el.dataset.countdown) - new Date()) / 1000);
      if (left <= 0) { el.textContent = "The cut-off has passed."; return; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      var m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = "Time left: " + (d ? d + " d " : "") + h + " h " + m + " min " + s + " s.";
    });
  }
  if (document.querySelector("[data-countdown]")) { tick(); window.setInterval(tick, 1000); }
}());
