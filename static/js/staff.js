// Staff screens: ticking waiting times, and open sections that stay open when the queue refreshes.
(function () {
  "use strict";
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.since);
      if (isNaN(since)) { return; }
      var minutes = Math.max(0, Math.floor((now - since) / 60000));
      var text = minutes < 60 ? minutes + " min" : Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
      if (el.textContent !== text) { el.textContent = text; }
    });
  }
  window.setInterval(tick, 15000);
  document.addEventListener("htmx:afterSettle", tick);
  document.addEventListener("DOMContentLoaded", tick);

  var openSections = {};
  document.addEventListener("toggle", function (event) {
    var el = event.target;
    if (el.tagName === "DETAILS" && el.classList.contains("finished")) { openSections.finished = el.open; }
  }, true);
  document.addEventListener("htmx:afterSettle", function () {
    var el = document.querySelector("details.finished");
    if (el && openSections.finished) { el.open = true; }
  });
})();

// After an action the button pressed may be gone once the queue refreshes (the ticket moved
// to another table): keyboard users carry on from the message that says what happened.
(function () {
  "use strict";
  var focusWasInside = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    focusWasInside = !!(active && active !== document.body && event.detail.target.contains(active));
  });
  document.addEventListener("htmx:afterSettle", function () {
    var flash = document.getElementById("flash");
    if (focusWasInside && flash && document.activeElement === document.body) {
      flash.focus();
    }
    focusWasInside = false;
  });
})();
