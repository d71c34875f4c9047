// The share page: a new link's field selects its text on focus, ready to copy. Here rather than
// an onfocus attribute, which the Content-Security-Policy (script-src 'self') does not run.
(function () {
  "use strict";

  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field && field.matches && field.matches("input[data-select-on-focus]")) field.select();
  });
})();
