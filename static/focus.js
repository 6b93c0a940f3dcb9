/* After a refused action the page opens with what went wrong at the top
   (an error message or the summary of refused fields, marked
   data-focus-on-load): move the focus there, so that a screen reader reads
   it and a keyboard user starts from it. No inline script: the CSP forbids it. */
(function () {
  "use strict";
  function focusError() {
    var target = document.querySelector("[data-focus-on-load]");
    if (!target) { return; }
    target.focus();
    if (target.scrollIntoView) { target.scrollIntoView({ block: "start" }); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusError);
  } else {
    focusError();
  }
})();
