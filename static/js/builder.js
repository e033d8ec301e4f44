// The order builder's small comforts on top of htmx. The builder works without this file.
//
// * Leaving the page with unsaved changes asks first (beforeunload). The form is "dirty" after any
//   change, and when the server says so (data-dirty on #builder-body: a form shown again after an
//   action still holds unsent changes). Sending the order, or a stored submission shown again,
//   makes it clean.
// * The internal memo's live character count.
// * Enter in a field does not submit the form; in a search box it searches. Arrow keys move between
//   a search box and its results, Escape closes them, a click elsewhere too.
// * After an htmx action the server names the element to focus (event "builder:focus"), unless the
//   user has gone on to another field meanwhile; after "Create order" comes back, its message is
//   scrolled into view.
// * Adding, duplicating or removing a line answers only the rows that changed, which are morphed
//   into the table (idiomorph, the htmx extension "builder-rows" below): a long order's hundreds of
//   fields are not built again, and what is typed while the answer is on its way stays.
(function () {
  "use strict";
  var form = document.getElementById("builder");
  if (!form) return;
  var dirty = false;
  var sent = false; // the order was sent and this page's history entry is the sent form's address

  function readDirty() {
    var body = document.getElementById("builder-body");
    dirty = !!body && body.getAttribute("data-dirty") === "true";
  }
  readDirty();

  form.addEventListener("input", function (evt) {
    dirty = true;
    if (evt.target.hasAttribute("data-count-max")) updateCount(evt.target);
    // A field's message goes as soon as the field is typed in again: it was about what was there before.
    // The next check says anew (a number's live check at once, the rest when the form is sent).
    var described = (evt.target.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
      return /_error$/.test(id);
    })[0];
    var slot = document.getElementById(described || (evt.target.id && evt.target.id + "_error") || "");
    if (slot && slot.textContent !== "") {
      slot.textContent = "";
      slot.removeAttribute("data-live");
      evt.target.removeAttribute("aria-invalid");
      var field = evt.target.closest(".field--invalid, .is-invalid");
      if (field) field.classList.remove("field--invalid", "is-invalid");
    }
  });
  form.addEventListener("change", function () { dirty = true; });
  // A form posted without htmx goes to the server, which shows it again: nothing is lost on the way.
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (evt) {
    if (!dirty) return;
    evt.preventDefault();
    evt.returnValue = "";
  });
  // The order was sent: the server redirects to it. Clear the guard before htmx navigates, and give
  // this page's history entry the sent form's own address: Back then leads to the order that was
  // made (or the form as sent), not to an empty builder.
  document.addEventListener("htmx:beforeOnLoad", function (evt) {
    var xhr = evt.detail.xhr;
    if (!xhr || !xhr.getResponseHeader("HX-Redirect")) return;
    dirty = false;
    var sentUrl = xhr.getResponseHeader("X-Sent-Form-Url");
    if (sentUrl) {
      window.history.replaceState(window.history.state, "", sentUrl);
      sent = true;
    }
  });
  // Pages are not stored (Cache-Control: no-store), so Back loads that address again from the server.
  // Should the browser still restore this page from its back-forward cache, load the address anyway.
  window.addEventListener("pageshow", function (evt) {
    if (evt.persisted && sent) window.location.reload();
  });
  // While "Create order" is on its way the heading says so, from the click (the server's answer then says
  // what happened: the order's page, the form with its messages and its own heading, or the banner). An
  // answer that never came (the connection lost) puts the heading back as it was.
  var headingBefore = null;
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var title = document.getElementById("builder-title");
    if (!title || !evt.detail.elt || evt.detail.elt.id !== "builder-submit") return;
    headingBefore = { title: title, text: title.textContent };
    title.textContent = "Sending the order";
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (!headingBefore || !evt.detail.elt || evt.detail.elt.id !== "builder-submit") return;
    var xhr = evt.detail.xhr;
    var leaving = evt.detail.successful && xhr && (xhr.getResponseHeader("HX-Redirect") || xhr.getResponseHeader("HX-Refresh"));
    if (!leaving && headingBefore.title.isConnected && headingBefore.title.textContent === "Sending the order") {
      headingBefore.title.textContent = headingBefore.text;
    }
    headingBefore = null;
  });

  // The form came back from "Create order" (errors, or what the ERP said): show the message on top.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (!evt.detail.target || evt.detail.target.id !== "builder-body") return;
    readDirty();
    var message = document.getElementById("builder-banner") || document.getElementById("builder-errors");
    if (message) {
      message.scrollIntoView({ block: "center" });
      message.focus({ preventScroll: true });
    }
  });

  // Typing on while the server redraws part of the form loses nothing. An action (add a line, change a
  // line's type, pick a product…) sends the form and swaps back the region it changed; anything typed
  // into that region after the request left would be replaced by the server's copy of the earlier
  // value. So: note the region's values when the request leaves; just before the answer is swapped
  // in, note what the user has changed since; after the swap, put those edits back wherever the
  // server kept the field as it was sent (a field the server itself changed keeps the server's value).
  var sentValues = new WeakMap();
  var editsInFlight = null; // { xhr: the answer they wait for, fields: name -> {sent, now} }

  function editable(region) {
    return Array.prototype.filter.call(region.querySelectorAll("input, select, textarea"), function (el) {
      return el.name && ["hidden", "submit", "button", "file"].indexOf(el.type) === -1;
    });
  }
  function valueOf(el) {
    return el.type === "checkbox" || el.type === "radio" ? String(el.checked) : el.value;
  }
  function fieldNamed(name) {
    return form.querySelector('[name="' + CSS.escape(name) + '"]:not([type=hidden])');
  }

  var sentByField = new WeakMap(); // each field of the region an action sent -> its value then
  var focusAtSend = null; // what had the focus when the last action left

  document.addEventListener("htmx:beforeSend", function (evt) {
    var region = evt.detail.target;
    focusAtSend = document.activeElement;
    if (!region || !form.contains(region) || !evt.detail.xhr) return;
    var values = {};
    editable(region).forEach(function (el) {
      values[el.name] = valueOf(el);
      sentByField.set(el, valueOf(el));
    });
    sentValues.set(evt.detail.xhr, values);
  });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var sent = evt.detail.xhr && sentValues.get(evt.detail.xhr);
    editsInFlight = null;
    rowsChange = null;
    var rows = evt.detail.xhr && evt.detail.xhr.getResponseHeader(ROWS_HEADER);
    if (rows && evt.detail.shouldSwap) {
      // Rows are morphed, field by field: edits stay on their own elements (see keepEdits).
      rowsChange = JSON.parse(rows);
      return;
    }
    if (!sent || !evt.detail.shouldSwap) return;
    var edits = {};
    var any = false;
    editable(evt.detail.target).forEach(function (el) {
      if (el.name in sent && valueOf(el) !== sent[el.name]) {
        edits[el.name] = { sent: sent[el.name], now: valueOf(el) };
        any = true;
      }
    });
    if (any) editsInFlight = { xhr: evt.detail.xhr, fields: edits };
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    // Only after the swap of the answer they were noted for (an answer that redirects is never swapped).
    if (!editsInFlight || editsInFlight.xhr !== evt.detail.xhr) return;
    var edits = editsInFlight.fields;
    editsInFlight = null;
    Object.keys(edits).forEach(function (name) {
      var el = fieldNamed(name);
      if (!el || valueOf(el) !== edits[name].sent) return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = edits[name].now === "true";
      else el.value = edits[name].now;
      if (valueOf(el) !== edits[name].now) return; // e.g. a choice the new list no longer offers
      // Tell the rest of the page: totals follow, the character count too.
      el.dispatchEvent(new Event(el.tagName === "SELECT" || el.type === "checkbox" ? "change" : "input", { bubbles: true }));
    });
  });

  // --- Live messages follow the latest recalculation ---------------------------------------------
  // A recalculation answers every number it cannot use, each message swapped into its field's slot
  // (marked data-live). Its answer is the whole list for the lines as they were sent: a live message it
  // does not repeat goes, and one about a field typed in since the request left is not shown (it was
  // about what was there before; the field's own recalculation follows). Without this an answer that
  // arrived after the user corrected the field brought its message back, and no later answer took it away.
  var recalcSent = new WeakMap(); // xhr -> {field id: value when the recalculation left}
  var recalcSwapping = null; // those values, while that answer is being swapped in

  function isRecalculation(evt) {
    var elt = evt.detail.requestConfig ? evt.detail.requestConfig.elt : evt.detail.elt;
    return !!elt && elt.id === "builder-recalculate";
  }
  document.addEventListener("htmx:beforeSend", function (evt) {
    if (!evt.detail.xhr || !isRecalculation(evt)) return;
    var values = {};
    Array.prototype.forEach.call(form.querySelectorAll("[data-recalc]"), function (el) {
      if (el.id) values[el.id] = el.value;
    });
    recalcSent.set(evt.detail.xhr, values);
  });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var sent = evt.detail.xhr && recalcSent.get(evt.detail.xhr);
    recalcSwapping = null;
    if (!sent || !evt.detail.shouldSwap) return;
    recalcSwapping = sent;
    Array.prototype.forEach.call(form.querySelectorAll(".field__error[data-live]"), function (slot) {
      slot.textContent = "";
      slot.removeAttribute("data-live");
    });
  });
  // The order date's note comes with every recalculation: swapped only when it says something else, so that a
  // screen reader does not announce it again at every number typed (its slot is a polite live region).
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var target = evt.detail.target;
    if (target && target.id === "id_date_note" && evt.detail.fragment
        && evt.detail.fragment.textContent === target.textContent) evt.detail.shouldSwap = false;
  });
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var slot = evt.detail.target;
    if (!recalcSwapping || !slot || !/_error$/.test(slot.id || "")) return;
    var fieldId = slot.id.slice(0, -"_error".length);
    var field = document.getElementById(fieldId);
    if (field && fieldId in recalcSwapping && field.value !== recalcSwapping[fieldId]) evt.detail.shouldSwap = false;
  });
  document.addEventListener("htmx:afterSwap", function () { recalcSwapping = null; });

  // --- Only the rows that changed ---------------------------------------------------------------
  // The lines region asks for them (request header); the server answers, for a line added at
  // (or removed from) index k, the rows from k - 1 to the last as they are now, and says so in the
  // same header: {"added"|"removed": k, "first": k - 1, "count": lines now}. Each row after k was a
  // row before it (or after it), one index off: that row's own elements are kept and morphed into
  // the renumbered one (names, ids, labels), so its values, the focus and the caret stay with the
  // line the user typed them into. A field changed since the request left keeps its value.
  var ROWS_HEADER = "X-Builder-Rows";
  var rowsChange = null;

  document.addEventListener("htmx:configRequest", function (evt) {
    if (window.Idiomorph && evt.detail.target && evt.detail.target.id === "builder-lines") {
      evt.detail.headers[ROWS_HEADER] = "1";
    }
  });

  function linesOf(container) {
    return Array.prototype.filter.call(container.children, function (el) {
      return el.tagName === "TR" || el.tagName === "TBODY";
    });
  }
  function editedSinceSent(el) {
    return sentByField.has(el) && valueOf(el) !== sentByField.get(el);
  }
  function keepEdits(attribute, el) {
    if (attribute === "value" && el.name) return !editedSinceSent(el);
    if (attribute === "selected" && el.tagName === "OPTION") return !(el.parentNode && editedSinceSent(el.parentNode));
    return true;
  }
  // The row a new row was before the change (its index then), or -1 for the added row itself.
  function formerIndex(change, index) {
    if ("removed" in change) return index < change.removed ? index : index + 1;
    if (index === change.added) return -1;
    return index < change.added ? index : index - 1;
  }
  // A kept row gets the ids of the row it becomes (element by element, in order: the same line has
  // the same elements), so that idiomorph matches them rather than building them anew.
  function takeIds(row, next) {
    var mine = [row].concat(Array.prototype.slice.call(row.querySelectorAll("[id]")));
    var theirs = [next].concat(Array.prototype.slice.call(next.querySelectorAll("[id]")));
    if (mine.length !== theirs.length) return;
    mine.forEach(function (el, at) { el.id = theirs[at].id; });
  }

  if (window.htmx) window.htmx.defineExtension("builder-rows", {
    handleSwap: function (style, target, fragment) {
      if (style !== "builder-rows" || !rowsChange) return false;
      var change = rowsChange;
      rowsChange = null;
      // A line is a row of the table's body, or (QuickBooks: a group with its sub-lines) a body of its own.
      var body = target.querySelector("[data-line-rows]") || target.querySelector("tbody");
      var before = linesOf(body);
      var rows = Array.prototype.slice.call(fragment.children);
      if ("removed" in change && before[change.removed]) before[change.removed].remove();
      var kept = rows.map(function (row, at) { return before[formerIndex(change, change.first + at)]; });
      // Ids move one way, in the order that never gives two rows the same id at once.
      var order = rows.map(function (row, at) { return at; });
      if ("added" in change) order.reverse();
      order.forEach(function (at) { if (kept[at]) takeIds(kept[at], rows[at]); });
      var previous = change.first > 0 ? before[change.first - 1] : null;
      var added = [];
      rows.forEach(function (row, at) {
        var old = kept[at];
        if (old) {
          window.Idiomorph.morph(old, row, { callbacks: { beforeAttributeUpdated: keepEdits } });
        } else {
          body.insertBefore(row, previous ? previous.nextSibling : (linesOf(body)[0] || null));
          added.push(old = row);
        }
        previous = old;
      });
      // Rows past the last one answered are gone (none, unless the page was out of step).
      var now = linesOf(body);
      while (now.length > change.count) now.pop().remove();
      // htmx sets up the new rows. A kept row's htmx attributes read their values (the line's index)
      // when a request leaves, and its triggers are every row's: it needs nothing set up again.
      return added;
    }
  });

  function updateCount(textarea) {
    var counter = form.querySelector('[data-count-for="' + textarea.id + '"]');
    if (!counter) return;
    var max = parseInt(textarea.getAttribute("data-count-max"), 10);
    var length = textarea.value.length; // line breaks count once, as the server counts them
    counter.querySelector("[data-count]").textContent = String(length);
    counter.classList.toggle("is-over", length > max);
  }

  function resultsFor(input) {
    var id = input.getAttribute("data-picker");
    return id ? document.getElementById(id) : null;
  }
  function options(results) {
    return results ? Array.prototype.slice.call(results.querySelectorAll(".picker__option")) : [];
  }
  function closeResults(results) {
    if (results) results.hidden = true;
  }

  form.addEventListener("keydown", function (evt) {
    var target = evt.target;
    if (evt.isComposing) return;
    if (target.classList.contains("picker__option")) {
      var picker = target.closest(".picker");
      var input = picker && picker.querySelector("[data-picker]");
      var list = options(target.closest(".picker__results"));
      var at = list.indexOf(target);
      if (evt.key === "ArrowDown" || evt.key === "ArrowUp") {
        evt.preventDefault();
        var next = list[at + (evt.key === "ArrowDown" ? 1 : -1)];
        if (next) next.focus();
        else if (evt.key === "ArrowUp" && input) input.focus();
      } else if (evt.key === "Escape" && input) {
        closeResults(resultsFor(input));
        input.focus();
      }
      return;
    }
    if (target.tagName !== "INPUT" || target.type === "checkbox") return;
    if (evt.key === "Enter") {
      evt.preventDefault();
      if (target.type === "search" && window.htmx) window.htmx.trigger(target, "search");
    } else if (evt.key === "ArrowDown" && target.hasAttribute("data-picker")) {
      var first = options(resultsFor(target))[0];
      if (first) { evt.preventDefault(); first.focus(); }
    } else if (evt.key === "Escape" && target.hasAttribute("data-picker")) {
      closeResults(resultsFor(target));
    }
  });

  document.addEventListener("click", function (evt) {
    document.querySelectorAll(".picker__results:not([hidden])").forEach(function (results) {
      var picker = results.closest(".picker");
      if (picker && !picker.contains(evt.target)) closeResults(results);
    });
  });

  document.body.addEventListener("builder:focus", function (evt) {
    // The user went on to another field while the answer was on its way: leave the focus there.
    var active = document.activeElement;
    if (active && active !== focusAtSend && form.contains(active) && active.matches("input, select, textarea")) return;
    var element = document.getElementById(evt.detail.id);
    // A line moved to the top or the bottom: the button that moved it is disabled now, and focus on it
    // would be lost. The nearest control of the line takes it.
    if (element && element.disabled) {
      var scope = element.closest(".line__move") || element.closest("tr");
      element = scope && scope.querySelector("button:not([disabled])") ||
        (element.closest("tr") && element.closest("tr").querySelector("input:not([type=hidden]), select"));
    }
    if (element) element.focus();
  });
})();
