// Kiosk: a speaker button ([data-speak]) reads its step aloud, made on the server (kiosk/web/checkin/speech.py).
// One at a time: a tap on another stops the first, and a second tap on the one playing stops it.
(function () {
  "use strict";
  var playing = null;

  function stop() {
    if (!playing) { return; }
    playing.audio.pause();
    playing.button.setAttribute("aria-pressed", "false");
    playing.button.classList.remove("is-playing");
    playing = null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-speak]");
    if (!button) { return; }
    event.preventDefault();
    var again = playing && playing.button === button;
    stop();
    if (again) { return; }
    var current = { audio: new Audio(button.dataset.speak), button: button };
    function finished() { if (playing === current) { stop(); } }
    playing = current;
    button.setAttribute("aria-pressed", "true");
    button.classList.add("is-playing");
    current.audio.addEventListener("ended", finished);
    current.audio.addEventListener("error", finished);
    var started = current.audio.play();
    if (started && started.catch) { started.catch(finished); }
  });
  // Leaving the step (its form sent, Back, the idle return to Welcome) ends its words too.
  window.addEventListener("pagehide", stop);
})();
