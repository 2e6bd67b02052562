// The visitor's phone: once they tap to allow it, a buzz and a chime when they are nearly up
// (two people or fewer ahead) and when they are called.
(function () {
  "use strict";
  var on = false;
  var last = null;
  var button = document.getElementById("alerts-on");
  var confirmation = document.getElementById("alerts-are-on");

  function now() {
    var live = document.getElementById("ticket-live");
    if (!live) { return null; }
    return { state: live.dataset.state, nearly: live.dataset.nearly === "yes" };
  }

  function alert(kind) {
    if (navigator.vibrate) { navigator.vibrate(kind === "called" ? [400, 200, 400, 200, 400] : [200, 100, 200]); }
    window.Chime.play(kind === "called" ? 2 : 1);
    document.body.dataset.alerted = ((document.body.dataset.alerted || "") + " " + kind).trim();
  }

  function check() {
    var current = now();
    if (!current) { return; }
    if (on && last) {
      if (current.state === "called" && last.state !== "called") { alert("called"); }
      else if (current.nearly && !last.nearly) { alert("nearly"); }
    }
    last = current;
    var over = current.state !== "waiting" && current.state !== "called";
    if (button && current.state !== "waiting") { button.hidden = true; }  // nothing left to wait for
    if (confirmation && over) { confirmation.hidden = true; }
  }

  if (button) {
    button.hidden = false;  // shown only where the script runs to keep the promise
    button.addEventListener("click", function () {
      on = true;
      window.Chime.allow();
      if (navigator.vibrate) { navigator.vibrate(50); }  // a short buzz: this is what it feels like
      button.hidden = true;
      if (confirmation) { confirmation.hidden = false; }
    });
  }
  document.addEventListener("DOMContentLoaded", check);
  document.addEventListener("htmx:afterSettle", check);
  check();
})();
