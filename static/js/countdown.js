/* Live countdown to a deadline.
 *
 * Markup: <span data-countdown-to="2026-12-01T09:00:00Z">…</span>
 * The exact deadline is always written in the page as text; this only adds "3 days 04:05:06 left"
 * and switches to "closed" when the deadline passes. The server decides what is on time.
 */
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function describe(ms) {
    var total = Math.floor(ms / 1000);
    var days = Math.floor(total / 86400);
    var h = Math.floor((total % 86400) / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var clock = pad(h) + ":" + pad(m) + ":" + pad(s);
    if (days > 0) {
      return days + (days === 1 ? " day " : " days ") + clock + " left";
    }
    return clock + " left";
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
