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

  // Our server answered with an error status (a bug, not the ERP: ERP failures come back as 200
  // with an error state). Load the page normally so the user sees the error page, not nothing.
  document.addEventListener("htmx:responseError", function (evt) {
    var path = evt.detail.pathInfo && evt.detail.pathInfo.finalRequestPath;
    if (path) window.location.assign(path);
  });
})();
