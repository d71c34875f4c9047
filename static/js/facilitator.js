// Dashboard and projector: small helpers around htmx's ws extension.
//
// 1. A live update replaces whole fragments, including the button that has keyboard focus
//    (the phase button just pressed, say). htmx restores focus for its own swaps but not for
//    swaps that arrive over the socket, so without this a keyboard user lands back at the top.
// 2. Whether the socket is up is shown on the page ([data-live] on the ws-connect element), so
//    a facilitator never reads frozen numbers without knowing it.
(function () {
  "use strict";

  // htmx's default waits up to 64 s between tries after a long outage: a room would stare at a
  // frozen screen. At most 5 s, with jitter so a hundred phones do not come back at once.
  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (retryCount) {
      return Math.min(1000 * Math.pow(2, retryCount), 5000) * (0.5 + Math.random() / 2);
    };
  }

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
