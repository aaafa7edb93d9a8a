// Turning a visit page form the nurse saved offline into a queued API call.
//
// No DOM here: the pages (on submit) and the service worker (on a form post the network
// dropped) both use it, with the form's fields as [name, value] pairs. The map of forms to
// API calls comes from the server (/visits/offline/capture.json, tracker/offline/capture.py),
// built from the form classes and the API's own field declarations.
(function (root) {
  "use strict";

  // --- Times ---------------------------------------------------------------------------
  // A datetime-local value is a wall-clock time in the nurse's zone (her profile's, which
  // the page states; not necessarily the tablet's). The API wants ISO 8601 with an offset.

  var partsFormatters = {};
  function zoneParts(date, zone) {
    var format = partsFormatters[zone];
    if (!format) {
      format = partsFormatters[zone] = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit",
      });
    }
    var parts = {};
    format.formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts;
  }

  // Minutes the zone is ahead of UTC at this instant.
  function offsetMinutes(instant, zone) {
    var p = zoneParts(new Date(instant), zone);
    var asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
    return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000);
  }

  function pad(n, width) {
    var s = String(Math.abs(n));
    while (s.length < (width || 2)) { s = "0" + s; }
    return s;
  }

  function isoWithOffset(instant, zone) {
    var offset = offsetMinutes(instant, zone);
    var p = zoneParts(new Date(instant), zone);
    var sign = offset < 0 ? "-" : "+";
    return p.year + "-" + p.month + "-" + p.day + "T" + pad(+p.hour % 24) + ":" + p.minute +
      ":" + p.second + "." + pad(new Date(instant).getMilliseconds(), 3) + sign +
      pad(Math.floor(Math.abs(offset) / 60)) + ":" + pad(Math.abs(offset) % 60);
  }

  // "2026-03-05T14:30" in `zone` -> "2026-03-05T14:30:00-05:00"; null when the text is not
  // such a time or the time does not exist there (skipped when the clocks went forward).
  function wallTimeToIso(text, zone) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text || "");
    if (!m) { return null; }
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    // The offsets in force half a day either side are the only candidates; the earliest
    // match wins in the repeated hour, as on the server (timeinput.local_to_utc).
    var candidates = [offsetMinutes(wall - 43200000, zone), offsetMinutes(wall + 43200000, zone)]
      .map(function (offset) { return wall - offset * 60000; })
      .filter(function (instant) { return localText(instant, zone) === text; })
      .sort(function (a, b) { return a - b; });
    if (!candidates.length) { return null; }
    var instant = candidates[0];
    return isoWithOffset(instant, zone);
  }

  // An instant as the value of a datetime-local field in `zone` (to the minute).
  function localText(instant, zone) {
    var p = zoneParts(new Date(instant), zone);
    return p.year + "-" + p.month + "-" + p.day + "T" + pad(+p.hour % 24) + ":" + p.minute;
  }

  // --- Forms to API bodies ---------------------------------------------------------------

  function findCapture(map, actionPath) {
    for (var i = 0; i < (map || []).length; i += 1) {
      var match = new RegExp(map[i].form).exec(actionPath);
      if (match) { return { capture: map[i], args: match.groups || {} }; }
    }
    return null;
  }

  function fill(template, args) {
    return template.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, function (_, name) {
      return encodeURIComponent(args[name]);
    });
  }

  function valuesOf(pairs, name) {
    return pairs.filter(function (p) { return p[0] === name; }).map(function (p) { return String(p[1]); });
  }

  // One field's value as the API wants it; undefined leaves the field out (not given).
  function convert(field, raw, context) {
    var text = raw.length ? raw[raw.length - 1].trim() : "";
    if (field.values) {  // a choice in words for what the API takes as a value (a flag)
      return Object.prototype.hasOwnProperty.call(field.values, text) ? field.values[text] : undefined;
    }
    switch (field.type) {
      case "enum_list":
        return raw.length ? raw.map(function (v) { return v.trim(); }) : undefined;
      case "boolean":
        return raw.length > 0 && ["", "n", "no", "false", "off", "0"].indexOf(text.toLowerCase()) === -1;
      case "datetime":
        if (field.now && (text === "" || text === context.shown)) { return context.capturedIso; }
        if (text === "") { return undefined; }
        return wallTimeToIso(text, context.zone) || text;  // refused by the server, kept as typed
      case "integer":
        if (text === "") { return undefined; }
        return /^[+-]?\d{1,15}$/.test(text) ? parseInt(text, 10) : text;
      case "number":
        if (text === "") { return undefined; }
        return isFinite(Number(text)) ? Number(text) : text;
      default:
        return text === "" ? undefined : text;
    }
  }

  // The entry to queue for a form posted to `actionPath` (a URL path) with these fields, or
  // null when that form is not one the tablet can save offline (signing, for example).
  function entryFromForm(map, actionPath, pairs, options) {
    var found = findCapture(map, actionPath);
    if (!found) { return null; }
    var capture = found.capture;
    var args = found.args;
    var prefix = fill(capture.prefix, args);
    var clientId = (valuesOf(pairs, prefix + "client_id")[0] || "").trim() ||
      (valuesOf(pairs, "client_id")[0] || "").trim() || root.crypto.randomUUID();
    var capturedAt = options.capturedAt || new Date();
    var body = {};
    capture.fields.forEach(function (field) {
      var value;
      if (field.from.indexOf("path:") === 0) {
        var arg = args[field.from.slice(5)];
        value = field.type === "integer" ? parseInt(arg, 10) : arg;
      } else if (field.from === "form") {
        var name = prefix + field.form;
        value = convert(field, valuesOf(pairs, name), {
          zone: options.timezone,
          capturedIso: isoWithOffset(capturedAt.getTime(), options.timezone),
          shown: (valuesOf(pairs, name + "_shown")[0] || "\u0000").trim(),
        });
      }
      if (value !== undefined) { body[field.name] = value; }
    });
    return {
      clientId: clientId,
      userId: options.userId,
      visitId: parseInt(args.visit_id, 10),
      kind: capture.kind,
      label: capture.label,
      action: actionPath,
      apiPath: fill(capture.api, args),
      prefix: prefix,
      body: body,
      pairs: pairs.filter(function (p) { return p[0] !== "csrf_token"; }),
      capturedAt: new Date(capturedAt.getTime()).toISOString(),
      state: "queued",
      attempts: 0,
    };
  }

  // --- What the nurse reads about an entry ---------------------------------------------------

  function has(value) { return value !== undefined && value !== null && value !== ""; }

  function summary(entry) {
    var b = entry.body || {};
    var words = entry.labels || {};
    var bits = [];
    function chosen(name) { return has(b[name]) ? (words[name] || String(b[name]).replace(/_/g, " ")) : ""; }
    function add(label, value, unit) { if (has(value)) { bits.push(label + " " + value + (unit || "")); } }
    switch (entry.kind) {
      case "vitals":
        bits.push(chosen("phase"));
        add("HR", b.heart_rate, "/min");
        if (has(b.systolic) || has(b.diastolic)) { bits.push("BP " + (b.systolic || "?") + "/" + (b.diastolic || "?")); }
        add("RR", b.respiratory_rate, "/min");
        add("Temp", b.temperature, b.temperature_unit === "F" ? " °F" : " °C");
        add("SpO₂", b.spo2, "%");
        if (b.on_oxygen) { bits.push("on oxygen"); }
        add("Pain", b.pain, "/10");
        break;
      case "step":
        bits.push("Step " + b.step_number + (b.status === "not_done" ? ": not done" : ": done"));
        if (has(b.reason)) { bits.push(b.reason); }
        break;
      case "safety_check":
        bits.push(String(b.check || "").replace(/_/g, " "));
        break;
      case "complication":
        bits.push(b.kind_other || chosen("kind"));
        if (has(b.severity)) { bits.push(chosen("severity")); }
        break;
      case "check_in":
      case "check_out":
        bits.push(has(b.latitude) ? "device location" :
          "at the patient's address" + (has(b.location_note) ? " (" + b.location_note + ")" : ""));
        break;
      case "administration":
        add("Dose", b.dose, b.dose_unit ? " " + b.dose_unit : "");
        add("lot", b.lot_number);
        break;
      default:
        ["topic", "kind", "action", "reason", "outcome", "text", "location_note"].forEach(function (k) {
          if (has(b[k])) { bits.push(String(b[k]).slice(0, 60)); }
        });
    }
    return bits.filter(has).join(" · ");
  }

  // The server's answer in a few words (shown once the entry is synced).
  function resultText(entry) {
    var r = entry.result || {};
    if (entry.kind === "vitals" && r.news2) {
      return "NEWS2 " + r.news2.total + " (" + r.news2.band + " risk)" +
        (r.news2.response ? ". " + r.news2.response : "");
    }
    if (entry.kind === "check_in" || entry.kind === "check_out") {
      return r.state_label ? "Visit: " + r.state_label.toLowerCase() : "Saved";
    }
    if (entry.kind === "complication") { return "Saved; the office has been alerted"; }
    return "Saved";
  }

  root.IVTCapture = {
    entryFromForm: entryFromForm,
    findCapture: findCapture,
    wallTimeToIso: wallTimeToIso,
    isoWithOffset: isoWithOffset,
    localText: localText,
    summary: summary,
    resultText: resultText,
  };
})(self);
