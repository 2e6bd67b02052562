// Display: the chime (chime.js) whenever a new number is called, then, where the office turned it on
// (DISPLAY_SPEAKS, which puts data-speak on the board), the call read aloud: "Number 14, Room 2".
(function () {
  "use strict";
  var lastKey = null;
  var toggle = document.getElementById("sound-toggle");
  var voice = null;
  var CHIME_SECONDS = 1.5;  // one chime's two notes (chime.js), so the words come after it

  function say(url, delay) {
    window.setTimeout(function () {
      if (voice) { voice.pause(); }
      voice = new Audio(url);
      var started = voice.play();
      // Refused until someone taps the screen once (the sound toggle shows): the next call is read then.
      if (started && started.catch) { started.catch(function () {}); }
      document.body.dataset.spoken = url;  // the last call read, for anyone checking
    }, delay * 1000);
  }

  function check() {
    var board = document.getElementById("board-live");
    if (!board) { return; }
    var key = board.dataset.callKey || "";
    if (lastKey !== null && key && key !== lastKey) {
      var chimed = window.Chime.play(1);
      if (board.dataset.speak) { say(board.dataset.speak, chimed ? CHIME_SECONDS : 0); }
    }
    lastKey = key;
  }

  function showToggle() {
    if (toggle) { toggle.hidden = window.Chime.running(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    window.Chime.allow();
    window.setTimeout(showToggle, 500);
    check();
  });
  document.addEventListener("htmx:afterSettle", check);
  if (toggle) {
    toggle.addEventListener("click", function () {
      window.Chime.allow();
      window.setTimeout(function () { showToggle(); window.Chime.play(1); }, 100);
    });
  }
})();
