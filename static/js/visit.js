// Visit page enhancements; the page works without this file.
(function () {
  "use strict";

  // EVV: fill a form's hidden location fields from the browser when the nurse allows it.
  // Without a position, the nurse confirms the patient's address instead (server-checked).
  function geolocate(form) {
    var status = form.querySelector("[data-geo-status]");
    var latitude = form.querySelector("[data-geo=latitude]");
    var longitude = form.querySelector("[data-geo=longitude]");
    var accuracy = form.querySelector("[data-geo=accuracy]");
    function say(text) { if (status) { status.textContent = text; } }
    if (!latitude || !longitude) { return; }
    if (!("geolocation" in navigator)) {
      say("This browser cannot share its location. Confirm the patient's address below.");
      return;
    }
    say("Finding your location…");
    navigator.geolocation.getCurrentPosition(function (position) {
      latitude.value = position.coords.latitude.toFixed(6);
      longitude.value = position.coords.longitude.toFixed(6);
      if (accuracy) { accuracy.value = Math.round(position.coords.accuracy); }
      say("Location found (within " + Math.round(position.coords.accuracy) +
          " m). It is saved with this form.");
    }, function (error) {
      say(error.code === 1
        ? "Location sharing is off for this site. Confirm the patient's address below."
        : "The location could not be found. Confirm the patient's address below.");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
    if (!form.hidden) { geolocate(form); }
  });
  // A form shown later (the check-out, once a check-in waits on an offline tablet) asks then.
  document.addEventListener("visit:form-shown", function (event) {
    if (event.target.matches && event.target.matches("form[data-geolocate]")) { geolocate(event.target); }
  });

  // Time fields pre-filled with "now" keep showing now while the nurse has not changed them.
  // The hidden twin holds the shown value; the server reads an unchanged field as "now".
  var loadedAt = Date.now();
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  function shiftedBy(value, ms) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
    if (!m) { return null; }
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) + ms);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      "T" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  var followers = [];
  document.querySelectorAll("input[data-default-now-for]").forEach(function (shown) {
    var input = document.getElementById(shown.dataset.defaultNowFor);
    if (input && input.value === shown.value) {
      followers.push({ input: input, shown: shown, start: shown.value });
    }
  });
  if (followers.length) {
    setInterval(function () {
      var elapsed = Math.floor((Date.now() - loadedAt) / 60000) * 60000;
      followers.forEach(function (f) {
        if (f.input.value !== f.shown.value) { return; }  // the nurse typed her own time
        var now = shiftedBy(f.start, elapsed);
        if (now) { f.input.value = now; f.shown.value = now; }
      });
    }, 20000);
  }

  // After a refused form, bring its section into view and put the cursor on the first problem.
  var page = document.querySelector("[data-failed-section]");
  if (page) {
    var section = document.getElementById(page.dataset.failedSection);
    if (section) {
      var problem = section.querySelector("[aria-invalid=true], .form-errors");
      var target = problem || section;
      target.scrollIntoView({ block: "center" });
      if (problem && problem.focus) { problem.focus({ preventScroll: true }); }
    }
  }
})();
