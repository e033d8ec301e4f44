// Small progressive enhancements on top of htmx. Every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function regionFor(evt) {
    var target = evt.detail && evt.detail.target;
    return target && target.id === "order-table" ? target : null;
  }

  // On a narrow screen the navigation scrolls sideways in its own row: show the current page's link.
  var nav = document.querySelector(".mainnav");
  var current = nav && nav.querySelector("[aria-current=page]");
  if (current && nav.scrollWidth > nav.clientWidth) {
    var beyond = current.getBoundingClientRect().right - nav.getBoundingClientRect().right;
    if (beyond > 0) nav.scrollLeft += beyond + 12;
  }

  // The company switcher (a <details>) closes as a menu does: on Escape wherever the focus is (a click on
  // its button may leave the focus on the page), focus then on its button, and on a click or focus anywhere else.
  var switcher = document.querySelector(".company__switch");
  if (switcher) {
    document.addEventListener("keydown", function (evt) {
      if (evt.key === "Escape" && switcher.open) {
        switcher.open = false;
        switcher.querySelector("summary").focus();
      }
    });
    ["click", "focusin"].forEach(function (type) {
      document.addEventListener(type, function (evt) {
        if (switcher.open && !switcher.contains(evt.target)) switcher.open = false;
      });
    });
  }

  // Keep bookmarkable URLs short: drop empty filter fields from GET requests.
  document.addEventListener("htmx:configRequest", function (evt) {
    if (evt.detail.verb !== "get") return;
    var params = evt.detail.parameters;
    var empty = [];
    for (var key in params) {
      if (params[key] === "" || params[key] == null) empty.push(key);
    }
    empty.forEach(function (key) { delete params[key]; });
  });

  // Tell assistive technology the table is loading.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var region = regionFor(evt);
    if (region) region.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var region = regionFor(evt);
    if (region) region.setAttribute("aria-busy", "false");
  });

  // After a swap, mark each filter field valid or invalid from its (out-of-band swapped) error slot.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-error-for]").forEach(function (slot) {
      var input = document.getElementById(slot.getAttribute("data-error-for"));
      if (!input) return;
      var invalid = slot.textContent.trim() !== "";
      if (invalid) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      var field = input.closest(".field");
      if (field) field.classList.toggle("field--invalid", invalid);
    });
  });

  // The URL is the filter state. When the back/forward buttons restore a page from htmx's history
  // cache, the form shows whatever was typed last: set every field from the restored URL instead.
  function syncFiltersFromUrl() {
    var form = document.getElementById("order-filters");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") return;
      var value = params.get(el.name) || el.getAttribute("data-default") || "";
      if (el.tagName === "SELECT") {
        var known = Array.prototype.some.call(el.options, function (o) { return o.value === value; });
        el.value = known ? value : (el.options[0] ? el.options[0].value : "");
      } else {
        el.value = value;
      }
    });
  }
  document.addEventListener("htmx:historyRestore", syncFiltersFromUrl);

  // htmx evaluates nothing here (allowEval is off: the Content-Security-Policy forbids eval). An
  // attribute that needs it (an event filter "[...]", hx-on, js: values) would be ignored: say so.
  document.addEventListener("htmx:evalDisallowedError", function (evt) {
    console.error("htmx: an attribute needs eval, which this page does not allow", evt.detail.elt || evt.target);
  });

  // A form sent with htmx carries the CSRF token the page was served with. Signing in again in another
  // tab replaces it (Django rotates it at sign-in), which would refuse this page's next form: send the
  // current one, from the cookie (Django's way for script requests; the cookie is not HttpOnly).
  document.addEventListener("htmx:configRequest", function (evt) {
    if (evt.detail.verb === "get" || evt.detail.parameters.csrfmiddlewaretoken === undefined) return;
    var found = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (found) evt.detail.parameters.csrfmiddlewaretoken = decodeURIComponent(found[1]);
  });

  function verbOf(evt) {
    return ((evt.detail.requestConfig && evt.detail.requestConfig.verb) || "get").toLowerCase();
  }

  // A boosted form or link answered with one of our pages and an error status (an action refused with
  // its reason; the order's page after an action, saying the ERP is not answering) shows that page, as
  // without JavaScript.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (evt.detail.boosted && evt.detail.xhr.status >= 400
        && /text\/html/.test(evt.detail.xhr.getResponseHeader("Content-Type") || "")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  // What went wrong with a form sent with htmx, said at the top of the page. The page stays as it is:
  // everything typed into it is still there to send again.
  function sayProblem(text) {
    var main = document.getElementById("main");
    if (!main) return;
    var box = document.getElementById("request-problem");
    if (!box) {
      box = document.createElement("div");
      box.id = "request-problem";
      box.className = "callout callout--danger message";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
    box.scrollIntoView({ block: "nearest" });
  }
  var KEPT_TYPED = " Nothing was sent, and what you typed is still here.";

  // Our server answered with an error status (a bug, not the ERP: ERP failures come back as 200
  // with an error state). A page or part of one that was asked for is loaded normally, so the user sees
  // the error page, not nothing; a form that was sent is kept, with the reason above it.
  document.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr.status;
    if (verbOf(evt) === "get") {
      var path = evt.detail.pathInfo && evt.detail.pathInfo.finalRequestPath;
      if (path) window.location.assign(path);
      return;
    }
    // "what you typed is still here" only where something was typed (not on a confirmation's one button).
    var form = evt.detail.elt && (evt.detail.elt.closest ? evt.detail.elt.closest("form") : null);
    var typed = !!(form && form.querySelector("input:not([type=hidden]):not([type=submit]), select, textarea"));
    var KEPT = typed ? KEPT_TYPED : " Nothing was sent.";
    if (status === 401) {
      sayProblem("You are signed out (in another tab, or your session ended)." + KEPT +
                 " Sign in again in a new tab, then come back here and press the button again.");
    } else if (status === 403) {
      sayProblem("The dashboard refused this form: this page's sign-in is out of date." + KEPT +
                 " Sign in again in a new tab, then press the button again.");
    } else if (status === 400 || status === 413) {
      sayProblem("The dashboard could not take this form (HTTP " + status + "), most likely because it is " +
                 "larger than it accepts in one go." + KEPT + " Make the order smaller (fewer lines or shorter " +
                 "texts), then press the button again.");
    } else {  // the server may have got somewhere: not "nothing was sent"
      sayProblem("Something went wrong on the dashboard's server (HTTP " + status + ")." +
                 (typed ? " What you typed is still here: press" : " Press") + " the button again in a moment. " +
                 "An order is never created twice.");
    }
  });
  // "Close the ticked lines…" (or reopen) with no line ticked: said beside the lines, nothing is sent. Caught
  // on the way down (capture), before htmx's boost takes the form. The message goes once a line is ticked.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches(".order-actions__lines")) return;
    if (form.querySelector('input[name="line"]:checked')) return;
    evt.preventDefault();
    evt.stopPropagation();
    var op = evt.submitter && evt.submitter.value === "reopen" ? "reopen" : "close";
    var message = form.querySelector("#action-lines_error");
    if (message) message.textContent = "Tick the lines to " + op + " first, or " + op + " the whole order.";
    var first = form.querySelector('input[name="line"]');
    if (first) first.focus();
  }, true);
  document.addEventListener("change", function (evt) {
    var form = evt.target.form;
    if (!form || !form.matches(".order-actions__lines") || !evt.target.checked) return;
    var message = form.querySelector("#action-lines_error");
    if (message) message.textContent = "";
  });
  document.addEventListener("htmx:sendError", function (evt) {
    if (verbOf(evt) === "get") return;
    sayProblem("The connection to the dashboard was lost. What you typed is still here: press the button again " +
               "when you are back online. An order is never created twice.");
  });
})();
