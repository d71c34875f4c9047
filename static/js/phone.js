// The participant's phone (sessions/phone/page.html). No inline script: the Content-Security-
// Policy allows scripts from this site only, and no eval (htmx runs with allowEval off).
//
// 1. Socket or poll. Whether the receive-only socket is open decides whether #phone-poll fetches
//    the stage every 4 s (it sends reflectie:poll; an htmx trigger filter would need eval). While
//    the socket is open the phone sends nothing: a thousand phones would otherwise poll a server
//    that tells them anyway (and checks the version again whenever the socket reopens).
// 2. A tap is stored, or visibly not. A tap whose request fails (no network, a 5xx, a time-out)
//    keeps its radio or box checked, says "niet opgeslagen" in its status region (aria-live)
//    and is sent again by itself: when the phone is back online, when the socket reopens and
//    on a backoff timer, with jitter so a room's phones do not all come back at once (a busy
//    server's 503 says in Retry-After how long to wait at least). Only the latest value of a statement or choice form is sent (it is
//    what the form holds). A 4xx is the server's answer: shown as it is, never retried. The
//    answer views upsert per participant and item, so sending twice changes nothing.
// 3. While a tap waits for its answer, a new stage from the poll or the socket is held back:
//    it would re-render the forms from what is stored and silently drop the tap. Once every
//    tap is answered the stage is fetched again.
// 4. The follow-up clock (#phone-clock) counts down between renders.
// 5. Progress: "12 van 22 beantwoord" and each theme's "3 van 4" count on as taps are saved,
//    without asking the server again. Every tap saves, so the forms' "Opslaan" buttons are
//    hidden (html.phone-js in phone.css); without JavaScript they stay and post the form.
(function () {
  "use strict";

  // Taps save only through htmx: without it the buttons must stay.
  if (window.htmx) document.documentElement.classList.add("phone-js");

  // htmx's default waits up to 64 s between tries after a long outage: a room would stare at a
  // frozen screen. At most 5 s, with jitter so a hundred phones do not come back at once.
  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (retryCount) {
      return Math.min(1000 * Math.pow(2, retryCount), 5000) * (0.5 + Math.random() / 2);
    };
  }

  var TAPS = "fieldset.statement[hx-post], form.choice-form[hx-post], form.balance-form[hx-post]";
  var POLL_MS = 4000;
  var TAP_TIMEOUT_MS = 10000;
  var FIRST_RETRY_MS = 1000;
  var MAX_RETRY_MS = 10000;

  // 1. Socket or poll ----------------------------------------------------------------------------

  var socketOpen = false;

  function setSocket(open) {
    socketOpen = open;
    window.reflectieSocket = open; // read by the browser tests
  }

  function fetchStage() {
    var poll = document.getElementById("phone-poll");
    if (poll && window.htmx) window.htmx.trigger(poll, "reflectie:poll");
  }

  document.addEventListener("htmx:wsOpen", function () {
    setSocket(true);
    retryAll();
  });
  document.addEventListener("htmx:wsClose", function () {
    setSocket(false);
  });
  document.addEventListener("htmx:wsError", function () {
    setSocket(false);
  });
  window.addEventListener("online", function () {
    retryAll();
    fetchStage();
  });
  window.setInterval(function () {
    if (!socketOpen) fetchStage();
  }, POLL_MS);

  // 2. Taps ----------------------------------------------------------------------------------------

  // By form id (item-<pk>, or "vote"): {values, failed, inflight, delay, timer}.
  var pending = {};
  var stageHeld = false;

  function tapOf(elt) {
    return elt && elt.closest ? elt.closest(TAPS) : null;
  }

  function valuesOf(form) {
    var values = [];
    form.querySelectorAll("input:checked").forEach(function (input) {
      values.push(input.value);
    });
    return values.join(" ");
  }

  function statusOf(key) {
    return document.getElementById("status-" + key);
  }

  function track(form) {
    var p = pending[form.id];
    if (!p) p = pending[form.id] = { failed: false, inflight: 0, delay: FIRST_RETRY_MS, timer: 0 };
    p.values = valuesOf(form);
    return p;
  }

  function showUnsaved(key) {
    var status = statusOf(key);
    if (!status || status.querySelector(".unsaved")) return; // said once, not at every retry
    var main = document.getElementById("phone-main");
    var line = document.createElement("span");
    line.className = "unsaved";
    line.textContent = (main && main.dataset.unsavedText) || "niet opgeslagen";
    status.replaceChildren(line);
  }

  function settle(key) {
    var p = pending[key];
    if (p) window.clearTimeout(p.timer);
    delete pending[key];
    if (stageHeld && Object.keys(pending).length === 0) {
      stageHeld = false;
      fetchStage();
    }
  }

  function scheduleRetry(key) {
    var p = pending[key];
    if (!p) return;
    window.clearTimeout(p.timer);
    var wait = Math.max(p.delay, p.notBefore || 0) * (0.75 + Math.random() / 2);
    p.notBefore = 0;
    p.timer = window.setTimeout(function () {
      retry(key);
    }, wait);
    p.delay = Math.min(p.delay * 2, MAX_RETRY_MS);
  }

  function retry(key) {
    var p = pending[key];
    if (!p || p.inflight) return; // the request on its way answers for it
    var form = document.getElementById(key);
    if (!form || !window.htmx) {
      settle(key); // the form is gone (a full page change): nothing left to send it from
      return;
    }
    // The form's own trigger: htmx posts what it holds now, the latest value.
    window.htmx.trigger(form, "change");
  }

  function retryAll() {
    Object.keys(pending).forEach(function (key) {
      var p = pending[key];
      if (!p.failed) return;
      window.clearTimeout(p.timer);
      p.delay = FIRST_RETRY_MS;
      retry(key);
    });
  }

  // A tap on a form whose earlier tap is still unanswered: htmx queues its request behind that
  // one, and the value to wait for is the new one from now on.
  document.addEventListener(
    "change",
    function (event) {
      var form = tapOf(event.target);
      if (form && pending[form.id]) track(form);
    },
    true,
  );

  document.addEventListener("htmx:configRequest", function (event) {
    var form = tapOf(event.detail.elt);
    if (!form || event.detail.elt !== form) return;
    var p = track(form);
    event.detail.reflectieSent = p.values;
    if (!event.detail.timeout) event.detail.timeout = TAP_TIMEOUT_MS;
    // A new value on its way: an earlier "opgeslagen" must not stand for it.
    var status = statusOf(form.id);
    var saved = status && status.querySelector(".saved");
    if (saved) saved.remove();
  });

  document.addEventListener("htmx:beforeSend", function (event) {
    var form = tapOf(event.detail.elt);
    if (form && pending[form.id]) pending[form.id].inflight += 1;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var config = event.detail.requestConfig;
    var form = config && tapOf(config.elt);
    // An element taken out of the page is told through its parent as well: count it once.
    if (!form || config.elt !== form || (event.target !== form && document.body.contains(form))) {
      return;
    }
    var key = form.id;
    var p = pending[key];
    if (!p) return;
    p.inflight = Math.max(0, p.inflight - 1);
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status >= 200 && status < 300) {
      markSaved(form, config.reflectieSent);
      form.classList.remove("is-unsaved");
    }
    if (status >= 200 && status < 500) {
      // Stored ("opgeslagen"), or refused with the server's message: either way answered.
      if (p.values === config.reflectieSent) {
        settle(key);
      } else if (!p.inflight) {
        p.delay = FIRST_RETRY_MS;
        retry(key); // a newer value that is not on its way yet
      }
      return;
    }
    // 0 (no network, time-out, aborted) or a 5xx: not stored. A busy server (503) says how
    // long to wait.
    var after = status === 503 ? parseInt(event.detail.xhr.getResponseHeader("Retry-After"), 10) : 0;
    if (after > 0) p.notBefore = Math.min(after * 1000, MAX_RETRY_MS);
    p.failed = true;
    form.classList.add("is-unsaved");
    showUnsaved(key);
    if (!p.inflight) scheduleRetry(key);
  });

  // A balance form with one of its two scales still open: its radios are required, so htmx
  // sends nothing (configRequest has tracked it already) and no answer will come.
  document.addEventListener("htmx:validation:halted", function (event) {
    var form = tapOf(event.detail.elt);
    if (form && event.detail.elt === form) settle(form.id);
  });

  // Answered, but the answer could not be shown: not a reason to send it again.
  document.addEventListener("htmx:onLoadError", function (event) {
    var config = event.detail.requestConfig;
    var form = config && tapOf(config.elt);
    if (form && config.elt === form) settle(form.id);
  });

  // 3. Hold a new stage while a tap is unanswered ----------------------------------------------

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "phone-main" || !event.detail.shouldSwap) return;
    if (Object.keys(pending).length === 0) return;
    event.detail.shouldSwap = false;
    stageHeld = true;
  });

  // 5. Progress ------------------------------------------------------------------------------

  // A question counts once something is stored for it: a score or "weet ik niet", a pair (both
  // scales), at least one pick. As rendered, what is checked is what is stored; after that a
  // question changes only when a tap is saved (a tap still waiting does not count yet).
  function answeredNow(form) {
    var checked = form.querySelectorAll("input:checked").length;
    return form.classList.contains("balance-form") ? checked >= 2 : checked >= 1;
  }

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text; // unchanged: not re-announced
  }

  function countProgress() {
    var all = 0;
    document.querySelectorAll("#phone-main section.theme").forEach(function (section) {
      var done = 0;
      section.querySelectorAll(TAPS).forEach(function (form) {
        if (form.dataset.answered === undefined) {
          form.dataset.answered = answeredNow(form) ? "1" : "0";
        }
        if (form.dataset.answered === "1") done += 1;
      });
      all += done;
      var theme = section.querySelector(".theme-progress .progress-done");
      setText(theme, String(done));
    });
    setText(document.querySelector("#phone-progress .progress-done"), String(all));
  }

  function markSaved(form, sent) {
    form.dataset.answered = sent ? "1" : "0"; // the values sent; none is an emptied vote
    countProgress();
  }

  countProgress();
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "phone-main") countProgress();
  });

  // 4. The follow-up clock ----------------------------------------------------------------------

  // Counted from the time it was rendered (not by ticks, which a phone in the background slows
  // down); a re-render brings the stored truth.
  window.setInterval(function () {
    var clock = document.getElementById("phone-clock");
    var time = clock && clock.dataset.running === "1" ? clock.querySelector("time") : null;
    if (!time) return;
    if (!clock.deadline) clock.deadline = Date.now() + parseInt(clock.dataset.remaining, 10) * 1000;
    var left = Math.max(0, Math.round((clock.deadline - Date.now()) / 1000));
    var text = String(Math.floor(left / 60)).padStart(2, "0") + ":" + String(left % 60).padStart(2, "0");
    if (time.textContent !== text) {
      time.textContent = text;
      time.setAttribute("datetime", "PT" + left + "S");
    }
  }, 1000);
})();
