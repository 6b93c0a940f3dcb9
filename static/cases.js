/* Live countdowns on the handler pages: progressive enhancement only; the
   server already rendered every countdown, and pages work without this.
   Time comes from the server's clock (data-now), never the browser's, so a
   wrong clock on a counter PC cannot hide an overdue case. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.Intl || !Intl.NumberFormat) { return; }
  var serverNow = Date.parse(script.dataset.now);
  if (isNaN(serverNow)) { return; }
  var skew = serverNow - Date.now();
  var lang = document.documentElement.lang || "en";
  var texts = { in: script.dataset.in, over: script.dataset.over, pair: script.dataset.pair };
  var red = 60000 * (parseInt(script.dataset.redMinutes, 10) || 60);
  var amber = 60000 * (parseInt(script.dataset.amberMinutes, 10) || 1440);
  if (!texts.in || !texts.over || !texts.pair) { return; }

  function unit(n, name) {
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "short" }).format(n);
    } catch (e) { return null; }
  }

  function duration(ms) {
    var minutes = Math.max(1, Math.floor(ms / 60000));
    var parts = [[Math.floor(minutes / 1440), "day"], [Math.floor(minutes % 1440 / 60), "hour"], [minutes % 60, "minute"]];
    while (parts.length && parts[0][0] === 0) { parts.shift(); }
    var words = parts.slice(0, 2).filter(function (p) { return p[0] > 0; }).map(function (p) { return unit(p[0], p[1]); });
    if (words.indexOf(null) >= 0) { return null; }
    return words.length === 1 ? words[0] : texts.pair.replace("%(larger)s", words[0]).replace("%(smaller)s", words[1]);
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Date.parse(el.dataset.due) - now;
      var time = duration(Math.abs(left));
      if (time === null) { return; }
      el.textContent = (left > 0 ? texts.in : texts.over).replace("%(time)s", time);
      // The colour follows the time left (routing.rules.countdown): red under an hour or overdue, amber under a day.
      var state = left <= 0 ? "over" : left < red ? "urgent" : left < amber ? "near" : "ok";
      if (!el.classList.contains(state)) {
        el.classList.remove("ok", "near", "urgent", "over");
        el.classList.add(state);
        var row = el.closest("tr");
        if (row) { row.classList.remove("ok", "near", "urgent", "over"); row.classList.add(state); }
      }
    });
  }

  setInterval(tick, 30000);
})();
