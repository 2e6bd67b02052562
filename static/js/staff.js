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

// No risky defaults: each row's room list starts on the room of the person looking, if they have one,
// else on nothing, so a tap on Call never sends someone to a room nobody chose.
(function () {
  "use strict";
  function preselect() {
    var layout = document.querySelector("[data-my-room]");
    var mine = layout && layout.dataset.myRoom;
    if (!mine) { return; }
    document.querySelectorAll("select.room-pick").forEach(function (select) {
      if (!select.value && select.querySelector('option[value="' + mine + '"]')) { select.value = mine; }
    });
  }
  document.addEventListener("DOMContentLoaded", preselect);
  document.addEventListener("htmx:afterSettle", preselect);
})();

// The walk-in form starts afresh after each Add. Its key stays until something is typed or ticked,
// so a second tap on Add straight after the first sends the same key and finds the same ticket,
// while the next walk-in, once filled in, gets a key of its own. A tap on Add while the last one is
// still on its way waits its turn (hx-sync queue), and whatever was typed meanwhile is kept, not
// wiped by the answer to the earlier Add.
(function () {
  "use strict";
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function walkIn(event) {
    var form = event.detail.elt;
    return form && form.id === "walk-in-form" ? form : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = walkIn(event);
    if (!form) { return; }
    form.dataset.sending = "1";
    delete form.dataset.typed;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = walkIn(event);
    if (!form) { return; }
    delete form.dataset.sending;
    if (!event.detail.successful) { return; }
    if (form.dataset.typed) {
      delete form.dataset.typed;
      delete form.dataset.added;
      form.elements.k.value = newKey();
      return;
    }
    form.reset();
    form.dataset.added = "1";
    var name = form.querySelector("#walk-in-name");
    if (name) { name.focus(); }
  });
  ["input", "change"].forEach(function (kind) {
    document.addEventListener(kind, function (event) {
      var form = event.target.form;
      if (!form || form.id !== "walk-in-form") { return; }
      if (form.dataset.sending) { form.dataset.typed = "1"; }
      if (!form.dataset.added) { return; }
      delete form.dataset.added;
      form.elements.k.value = newKey();
    });
  });
})();

// A Print button on a page made for paper (the reports): the browser's own print, with the print styles.
document.addEventListener("click", function (event) {
  "use strict";
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});
