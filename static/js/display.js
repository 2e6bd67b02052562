// Display: the chime (chime.js) whenever a new number is called.
(function () {
  "use strict";
  var lastKey = null;
  var toggle = document.getElementById("sound-toggle");

  function check() {
    var board = document.getElementById("board-live");
    if (!board) { return; }
    var key = board.dataset.callKey || "";
    if (lastKey !== null && key && key !== lastKey) { window.Chime.play(1); }
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
