// A chime made by the browser (no sound file): one call for the wall screen and the visitor's phone.
// Browsers play sound only after a tap on the page, so Chime.allow() is called from a tap.
window.Chime = (function () {
  "use strict";
  var context = null;

  function allow() {
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

  // Two falling notes; `times` of them, one after the other. Counted on the body for anyone checking.
  function play(times) {
    if (!allow() || context.state !== "running") { return false; }
    var t = context.currentTime + 0.05;
    for (var i = 0; i < (times || 1); i += 1) {
      note(784, t, 0.6);
      note(587, t + 0.45, 0.9);
      t += 1.4;
    }
    document.body.dataset.chimes = String(parseInt(document.body.dataset.chimes || "0", 10) + 1);
    return true;
  }

  function running() { return !!(context && context.state === "running"); }

  return { allow: allow, play: play, running: running };
})();
