// The visit timer: time since check-in, with the 2-hour rule's warning and limit.
// The server renders the elapsed time and its status; this only keeps them moving.
// Thresholds and notes come from the page (tracker.clinical.duration), not from here.
(function () {
  "use strict";
  var timer = document.querySelector("[data-visit-timer]");
  if (!timer || timer.dataset.running !== "true") { return; }
  var base = Number(timer.dataset.elapsedSeconds);
  var warning = Number(timer.dataset.warningSeconds);
  var limit = Number(timer.dataset.limitSeconds);
  var text = timer.querySelector("[data-timer-text]");
  var note = timer.querySelector("[data-timer-note]");
  var notes = { ok: timer.dataset.noteOk, warning: timer.dataset.noteWarning, over: timer.dataset.noteOver };
  var loadedAt = Date.now();

  function format(seconds) {
    var minutes = Math.floor(seconds / 60);
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    return hours ? hours + " h " + (minutes < 10 ? "0" : "") + minutes + " min" : minutes + " min";
  }
  function status(seconds) {
    if (seconds < warning) { return "ok"; }
    return seconds <= limit ? "warning" : "over";
  }
  function tick() {
    var seconds = base + Math.floor((Date.now() - loadedAt) / 1000);
    var now = status(seconds);
    text.textContent = format(seconds);
    if (!timer.classList.contains("timer-" + now)) {
      timer.classList.remove("timer-ok", "timer-warning", "timer-over");
      timer.classList.add("timer-" + now);
      if (note && notes[now]) { note.textContent = notes[now]; }
    }
  }
  setInterval(tick, 5000);
})();
