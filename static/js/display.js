// Display: a two-note chime, made by the browser, whenever a new number is called.
(function () {
  "use strict";
  var context = null;
  var lastKey = null;
  var toggle = document.getElementById("sound-toggle");

  function ensureContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!context && Ctx) { context = new Ctx(); }
    if (context && context.state === "suspended") { context.resume(); }
    return context;
  }

  function note(frequency, start, length) {
    var osc = context.createOscillator();
    var gain = context.createGain();
    osc.type = "sine";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.35, start + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    osc.connect(gain).connect(context.destination);
    osc.start(start);
    osc.stop(start + length + 0.05);
  }

  function chime() {
    if (!ensureContext() || context.state !== "running") { return; }
    var t = context.currentTime + 0.05;
    note(784, t, 0.6);
    note(587, t + 0.45, 0.9);
    document.body.dataset.chimes = String(parseInt(document.body.dataset.chimes || "0", 10) + 1);
  }

  function check() {
    var board = document.getElementById("board-live");
    if (!board) { return; }
    var key = board.dataset.callKey || "";
    if (lastKey !== null && key && key !== lastKey) { chime(); }
    lastKey = key;
  }

  function showToggle() {
    if (!toggle) { return; }
    toggle.hidden = !!(context && context.state === "running");
  }

  document.addEventListener("DOMContentLoaded", function () {
    ensureContext();
    window.setTimeout(showToggle, 500);
    check();
  });
  document.addEventListener("htmx:afterSettle", check);
  if (toggle) {
    toggle.addEventListener("click", function () {
      ensureContext();
      window.setTimeout(function () { showToggle(); chime(); }, 100);
    });
  }
})();
