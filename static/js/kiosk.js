// Kiosk: back to Welcome after a while without a touch, one ticket per tap, printing.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.dataset.idleSeconds || "60", 10);
  var idleUrl = body.dataset.idleUrl || "/kiosk/";
  var timer = null;

  function restart() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { window.location.replace(idleUrl); }, idleSeconds * 1000);
  }
  ["pointerdown", "touchstart", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, restart, { passive: true });
  });
  restart();

  // A second tap on a form that is already on its way must not send it again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.classList.add("is-sending");
  });
  // Coming back with the browser's back button shows the page from its cache: let it be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.classList.remove("is-sending");
    });
  });

  var printButton = document.getElementById("print-ticket");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
  var ticket = document.querySelector("[data-auto-print]");
  if (ticket) { window.addEventListener("load", function () { window.print(); }); }
})();
