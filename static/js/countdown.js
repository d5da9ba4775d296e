/* Live countdown to a deadline.
 *
 * Markup: <span data-countdown-to="2026-12-01T09:00:00Z">…</span>
 * The exact deadline is always written in the page as text; this only adds "3 days 4 h 5 min 6 s left"
 * and switches to "closed" when the deadline passes. The server decides what is on time.
 */
(function () {
  "use strict";

  // A duration, in words (not a clock: times of day are written 10:00, and "04:05:06 left" would
  // read like one): "3 days 4 h 5 min 6 s left".
  function describe(ms) {
    var total = Math.floor(ms / 1000);
    var days = Math.floor(total / 86400);
    var h = Math.floor((total % 86400) / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var parts = [];
    if (days > 0) {
      parts.push(days + (days === 1 ? " day" : " days"));
    }
    if (days > 0 || h > 0) {
      parts.push(h + " h");
    }
    parts.push(m + " min");
    parts.push(s + " s");
    return parts.join(" ") + " left";
  }

  function tick() {
    var now = Date.now();
    var nodes = document.querySelectorAll("[data-countdown-to]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var target = Date.parse(node.getAttribute("data-countdown-to"));
      if (isNaN(target)) {
        continue;
      }
      var left = target - now;
      if (left <= 0) {
        node.textContent = node.getAttribute("data-countdown-closed") || "Closed";
        node.classList.add("text-danger");
      } else {
        node.textContent = describe(left);
      }
    }
  }

  function start() {
    tick();
    window.setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
