// The counter evaluator (templates/intake/kiosk.html). It asks the server
// for the transaction to rate, shows the faces, and queues each tap in
// localStorage with an id of its own before sending it: a tap survives a
// network drop or a reload, and a tap sent twice (the answer was lost) is
// recorded once, since the server dedupes by that id.
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var base = root.dataset.base;
  var pollMs = Number(root.dataset.pollMs) || 2000;
  var heartbeatMs = Number(root.dataset.heartbeatMs) || 60000;
  var resetMs = Number(root.dataset.resetMs) || 4000;
  var QUEUE = "kiosk-queue:" + root.dataset.device;
  var offline = root.querySelector(".kiosk-offline");
  var prompt = null;          // the transaction shown: {id, transaction_no, staff}
  var thanksUntil = 0;        // the thanks screen stays this long, whatever the server says
  var flushing = false;

  function readQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); }
  function queued(promptId) {
    return readQueue().some(function (tap) { return tap.prompt_id === promptId; });
  }
  function newTapId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function setOnline(up) { offline.hidden = up; }

  function show(state) {
    if (Date.now() < thanksUntil) { return; }
    if (state === "ask" && prompt) {
      root.querySelector(".kiosk-transaction-no").textContent = prompt.transaction_no;
      root.querySelector(".kiosk-staff").textContent = prompt.staff ? "· " + prompt.staff : "";
    }
    root.dataset.state = state;
  }

  function send(url, body) {
    return fetch(base + url, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {}),
      credentials: "omit", cache: "no-store"
    });
  }

  // Each queued tap in turn; a tap leaves the queue only when the server has
  // answered for it (recorded, recorded before, or refused for good).
  function flush() {
    if (flushing) { return; }
    var items = readQueue();
    if (!items.length) { return; }
    flushing = true;
    var tap = items[0];
    send("/ratings", tap).then(function (response) {
      setOnline(true);
      if (response.status >= 500 || response.status === 429) { throw new Error("retry later"); }
      writeQueue(readQueue().filter(function (t) { return t.tap_id !== tap.tap_id; }));
      flushing = false;
      flush();
    }).catch(function () {
      setOnline(false);
      flushing = false;
    });
  }

  function poll() {
    fetch(base + "/prompt", {credentials: "omit", cache: "no-store"}).then(function (response) {
      if (!response.ok) { throw new Error("no answer"); }
      return response.json();
    }).then(function (data) {
      setOnline(true);
      var next = data.prompt;
      if (next && !queued(next.id)) {
        prompt = next;
        show("ask");
      } else {
        prompt = null;
        show("waiting");
      }
      flush();
    }).catch(function () {
      setOnline(false);  // offline: the prompt on screen stays, and can still be rated
    });
  }

  function heartbeat() {
    send("/heartbeat").then(function () { setOnline(true); flush(); }).catch(function () { setOnline(false); });
  }

  function rate(score) {
    if (!prompt) { return; }
    var items = readQueue();
    items.push({tap_id: newTapId(), prompt_id: prompt.id, score: score, locale: root.dataset.locale,
                tapped_at: new Date().toISOString()});
    writeQueue(items);
    prompt = null;
    root.dataset.state = "thanks";
    thanksUntil = Date.now() + resetMs;
    setTimeout(function () { thanksUntil = 0; show("waiting"); poll(); }, resetMs);
    flush();
  }

  root.querySelectorAll(".kiosk-face").forEach(function (button) {
    button.addEventListener("click", function () { rate(Number(button.dataset.score)); });
  });
  // Full screen needs a tap: the first one asks for it (staff set it up once).
  document.addEventListener("pointerdown", function () {
    var el = document.documentElement;
    if (!document.fullscreenElement && el.requestFullscreen) { el.requestFullscreen().catch(function () {}); }
  }, {once: true});
  window.addEventListener("online", function () { flush(); poll(); });

  poll();
  heartbeat();
  setInterval(poll, pollMs);
  setInterval(heartbeat, heartbeatMs);
  setInterval(flush, Math.max(pollMs, 1000));
})();
