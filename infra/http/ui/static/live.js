/* Antrian dashboard, live updates (v1). Polls /ui/live/version every second; when the figures may
   have changed, fetches this page's content again and swaps it into <main>, without a reload.
   Skipped while a field of the page is being edited, so a half-typed form is never lost. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.dataset.live) { return; }
  var version = main.dataset.live;
  var status = document.getElementById("live-status");
  function editing() {
    var el = document.activeElement;
    return el && main.contains(el) && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }
  function tick() {
    fetch("/ui/live/version", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (found) {
        if (!found || found.version === version || editing()) { return null; }
        return fetch(location.href, { credentials: "same-origin", cache: "no-store",
                                      headers: { "X-Antrian-Fragment": "1" } })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (html === null) { return; }
            main.innerHTML = html;
            version = found.version;
            main.dataset.live = version;
            document.body.dataset.updated = String(Date.now());
            if (status) { status.textContent = "live · updated " + new Date().toLocaleTimeString(); }
          });
      })
      .catch(function () { if (status) { status.textContent = "live · offline"; } })
      .then(function () { setTimeout(tick, 1000); });
  }
  setTimeout(tick, 1000);
})();
