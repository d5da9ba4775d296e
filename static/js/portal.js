/* Behaviour shared by every page. Loaded after htmx. */
(function () {
  "use strict";

  // A progress bar's width comes from the aria-valuenow of its .progress (capped at 100 %):
  // a style="width: ..." attribute in the markup would need 'unsafe-inline' styles in the
  // Content-Security-Policy. Runs on the page and on every fragment htmx swaps in.
  function sizeProgressBars(root) {
    var bars = Array.prototype.slice.call(root.querySelectorAll(".progress[aria-valuenow]"));
    if (root.matches && root.matches(".progress[aria-valuenow]")) { bars.push(root); }
    bars.forEach(function (progress) {
      var bar = progress.querySelector(".progress-bar");
      var value = parseFloat(progress.getAttribute("aria-valuenow"));
      if (bar && !isNaN(value)) {
        bar.style.width = Math.max(0, Math.min(100, value)) + "%";
      }
    });
  }

  htmx.onLoad(sizeProgressBars);
})();
