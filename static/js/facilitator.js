// Dashboard and projector: small helpers around htmx's ws extension.
//
// 1. A live update replaces whole fragments, including the button that has keyboard focus
//    (the phase button just pressed, say). htmx restores focus for its own swaps but not for
//    swaps that arrive over the socket, so without this a keyboard user lands back at the top.
// 2. Whether the socket is up is shown on the page ([data-live] on the ws-connect element), so
//    a facilitator never reads frozen numbers without knowing it.
(function () {
  "use strict";

  var focusedId = null;

  document.addEventListener("htmx:wsBeforeMessage", function () {
    var active = document.activeElement;
    focusedId = active && active !== document.body && active.id ? active.id : null;
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    if (!focusedId) return;
    var again = document.getElementById(focusedId);
    if (again && again !== document.activeElement) again.focus({ preventScroll: true });
    focusedId = null;
  });

  function mark(state) {
    return function (event) {
      var elt = event.target;
      if (elt && elt.setAttribute) elt.setAttribute("data-live", state);
    };
  }

  document.addEventListener("htmx:wsOpen", mark("open"));
  document.addEventListener("htmx:wsClose", mark("closed"));
  document.addEventListener("htmx:wsError", mark("closed"));
})();
