/* The reply to the reviews: a live word count against the call's limit. Words are counted as
   the portal counts them (applications.services.replies.word_count): runs of non-space. Autosave,
   the conflict choices and the browser's copy of unsaved text come from proposal-form.js. */
(function () {
  "use strict";

  function words(text) {
    var found = text.match(/\S+/g);
    return found ? found.length : 0;
  }

  function update(textarea) {
    var limit = parseInt(textarea.dataset.wordLimit, 10);
    var counter = document.querySelector('[data-words-for="' + textarea.id + '"]');
    if (!counter) { return; }
    var n = words(textarea.value);
    var over = n > limit;
    counter.textContent = n.toLocaleString("en") + " of " + limit.toLocaleString("en") + " words" +
      (over ? " — " + (n - limit).toLocaleString("en") + " too many to submit" : "");
    counter.classList.toggle("text-danger", over);
    counter.dataset.words = String(n);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-word-limit]").forEach(update);
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-word-limit]")) { update(event.target); }
  });
}());
