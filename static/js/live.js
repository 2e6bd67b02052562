// Live screens: say so when the server cannot be reached, and clear it when it answers again.
(function () {
  "use strict";
  function banner(show) {
    var el = document.getElementById("connection");
    if (el) { el.hidden = !show; }
    document.body.classList.toggle("is-offline", show);
  }
  document.addEventListener("htmx:sendError", function () { banner(true); });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status > 0 && xhr.status < 500) { banner(false); }
    else if (xhr && xhr.status >= 500) { banner(true); }
  });
})();
