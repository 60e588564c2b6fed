/* Small progressive enhancements. Every feature here also works without JavaScript: the
   forms post normally and the server redirects back with a message. */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var POLL_LIMIT = 180; // about three minutes, then the sync carries on in the background

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function request(url, options) {
    options = options || {};
    var headers = { "Accept": "application/json", "X-CSRFToken": csrfToken() };
    return fetch(url, {
      method: options.method || "GET", body: options.body, headers: headers, credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  /* --- Sync now: start the run, show progress until it finishes, then redraw the card. --- */
  function setStatus(card, text, isError) {
    var status = card.querySelector(".sync-status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("is-error", !!isError);
  }

  function setBusy(card, busy) {
    var progress = card.querySelector(".sync-progress");
    if (progress) progress.hidden = !busy;
    card.setAttribute("aria-busy", busy ? "true" : "false");
    card.querySelectorAll("button").forEach(function (button) { button.disabled = busy; });
  }

  function finish(card, data) {
    var holder = document.createElement("div");
    holder.innerHTML = (data.card_html || "").trim();
    var fresh = holder.firstElementChild;
    if (fresh) {
      card.replaceWith(fresh);
      card = fresh;
    } else {
      setBusy(card, false);
    }
    var failed = ["failed", "skipped"].indexOf(data.outcome) !== -1;
    // Let the new live region exist before it changes, so screen readers announce it.
    window.setTimeout(function () { setStatus(card, data.message, failed); }, 50);
  }

  function poll(card, url, attempt) {
    if (attempt >= POLL_LIMIT) {
      setBusy(card, false);
      setStatus(card, "Still syncing. This can take a while; it carries on without you.");
      return;
    }
    request(url).then(function (result) {
      if (!result.ok) { setBusy(card, false); setStatus(card, "We lost track of this sync. Reload the page to see its state.", true); return; }
      if (result.data.finished) { finish(card, result.data); return; }
      setStatus(card, result.data.message);
      window.setTimeout(function () { poll(card, url, attempt + 1); }, POLL_MS);
    }).catch(function () {
      window.setTimeout(function () { poll(card, url, attempt + 1); }, POLL_MS * 2);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-sync-form]")) return;
    // The bank's daily allowance is nearly spent: ask before the sync uses the last of it.
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (!window.fetch) return;
    event.preventDefault();
    var card = form.closest("[data-connection]");
    setBusy(card, true);
    setStatus(card, "Starting sync…");
    request(form.action, { method: "POST", body: new FormData(form) }).then(function (result) {
      if (!result.ok) {
        setBusy(card, false);
        setStatus(card, (result.data.error && result.data.error.message) || "The sync could not start. Try again shortly.", true);
        return;
      }
      if (result.data.finished) { finish(card, result.data); return; }
      setStatus(card, result.data.message);
      window.setTimeout(function () { poll(card, result.data.status_url, 0); }, POLL_MS);
    }).catch(function () {
      setBusy(card, false);
      setStatus(card, "The sync could not start. Check your connection and try again.", true);
    });
  });

  /* A sync already under way when the page loads (the first one after connecting): follow it. */
  function followRunningSyncs() {
    if (!window.fetch) return;
    document.querySelectorAll("[data-sync-status-url]").forEach(function (card) {
      setBusy(card, true);
      window.setTimeout(function () { poll(card, card.getAttribute("data-sync-status-url"), 0); }, POLL_MS);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", followRunningSyncs);
  else followRunningSyncs();

  /* --- Inline recategorisation: a picker in the row instead of a separate page. --- */
  function closePicker(cell) {
    var picker = cell.querySelector(".category-picker");
    if (picker) picker.remove();
    var link = cell.querySelector("[data-recategorise]");
    if (link) { link.hidden = false; link.focus(); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-recategorise]");
    if (link && window.fetch) {
      var template = document.getElementById("category-picker");
      if (!template) return;
      event.preventDefault();
      var cell = link.closest(".category-cell");
      var form = template.content.firstElementChild.cloneNode(true);
      var row = link.closest("tr");
      var select = form.querySelector("select");
      var label = form.querySelector("label[for]");
      var id = "category-" + row.getAttribute("data-transaction");
      select.id = id;
      label.setAttribute("for", id);
      label.textContent = "Category for " + row.querySelector(".tx-description").textContent;
      select.value = link.getAttribute("data-current") || select.value;
      form.action = link.getAttribute("href");
      link.hidden = true;
      cell.appendChild(form);
      select.focus();
      return;
    }
    var cancel = event.target.closest(".category-picker [data-cancel]");
    if (cancel) { closePicker(cancel.closest(".category-cell")); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches(".category-picker")) return;
    event.preventDefault();
    var cell = form.closest(".category-cell");
    var status = cell.querySelector(".row-status");
    form.querySelectorAll("button, select, input").forEach(function (el) { el.disabled = true; });
    var body = new FormData();
    body.append("category", form.querySelector("select").value);
    if (form.querySelector('input[name="apply_to_similar"]').checked) body.append("apply_to_similar", "on");
    request(form.action, { method: "POST", body: body }).then(function (result) {
      if (!result.ok) {
        form.querySelectorAll("button, select, input").forEach(function (el) { el.disabled = false; });
        status.textContent = (result.data.error && result.data.error.message) || "Could not save. Try again.";
        return;
      }
      cell.querySelector("[data-category-label]").textContent = result.data.label;
      cell.querySelector("[data-recategorise]").setAttribute("data-current", result.data.category);
      closePicker(cell);
      status.textContent = result.data.message;
    }).catch(function () {
      form.querySelectorAll("button, select, input").forEach(function (el) { el.disabled = false; });
      status.textContent = "Could not save. Check your connection and try again.";
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var picker = event.target.closest && event.target.closest(".category-picker");
    if (picker) closePicker(picker.closest(".category-cell"));
  });
})();

// Print buttons (reports): a data attribute, not an inline handler, so the CSP holds.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
