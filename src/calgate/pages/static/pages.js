// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var url = new URL(window.location.href);
  // The visitor's zone, when the link did not say one.
  if (!url.searchParams.has("tz") && document.querySelector("[data-picker]")) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) { url.searchParams.set("tz", zone); window.location.replace(url.toString()); return; }
    } catch (e) { /* keep the host's zone */ }
  }
  // Changing day without a full page reload: fetch the same server-rendered page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.day.free");
    var picker = document.querySelector("[data-picker]");
    if (!link || !picker || !window.fetch || event.ctrlKey || event.metaKey) { return; }
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var next = new DOMParser().parseFromString(html, "text/html").querySelector("[data-picker]");
      if (!next) { window.location.href = link.href; return; }
      picker.replaceWith(next);
      history.pushState(null, "", link.href);
      var first = next.querySelector(".slot") || next.querySelector("a.day.selected");
      if (first) { first.focus(); }
    }).catch(function () { window.location.href = link.href; });
  });
  window.addEventListener("popstate", function () { window.location.reload(); });
})();
