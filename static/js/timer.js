// The hour's clock (#timer, from followup/_timer.html) on the dashboard, the projector and the
// agreements page: counts down between server updates and gives the two cues.
//
// The server's numbers win. Whenever #timer is replaced (a live update over the socket, or the
// answer to one of its buttons) the count starts again from its data- attributes; in between
// it counts from the moment it last read them on this page's own monotonic clock, so a laptop
// whose clock is off, or a tab that was in the background, shows the right time.
//
// Cues: when the follow-up time starts and when time is up, the matching role="alert" line is
// shown (screen readers announce it), and on pages with the sound switch (#timer-mute) a short
// beep plays. Browsers only allow sound after someone has clicked or typed on the page, so the
// audio is set up on the first interaction; the projector has no switch and stays silent (the
// dashboard beeps for the room). A live update that arrives while a cue is already shown would
// announce it again; its role is taken off before the swap so it is announced once.
(function () {
  "use strict";

  var MUTE_KEY = "reflectie:timer-muted";
  var TICK_MS = 250;

  var synced = null; // what #timer said when it was last read, and when
  var shownCue = null; // "", "followup" or "time-up"; null until the first read
  var audio = null;

  function now() {
    return window.performance && performance.now ? performance.now() : Date.now();
  }

  function seconds(value) {
    var n = parseInt(value, 10);
    return isNaN(n) ? 0 : Math.max(0, n);
  }

  function read(el) {
    return {
      el: el,
      state: el.dataset.state,
      remaining: seconds(el.dataset.remaining),
      untilFollowup: seconds(el.dataset.untilFollowup),
      at: now(),
    };
  }

  function counting(state) {
    // Paused and idle clocks stand still; "time-up" is at 0 already.
    return state === "running" || state === "followup";
  }

  function format(left) {
    var mm = Math.floor(left / 60);
    var ss = left % 60;
    return (mm < 10 ? "0" : "") + mm + ":" + (ss < 10 ? "0" : "") + ss;
  }

  // The same rule as timer.state() on the server.
  function cueFor(state, left, untilFollowup) {
    if (!state || state === "idle") return "";
    if (left === 0) return "time-up";
    if (untilFollowup === 0) return "followup";
    return "";
  }

  function tick() {
    var el = document.getElementById("timer");
    if (!el || el.hidden) return;
    if (!synced || synced.el !== el) synced = read(el);
    var passed = counting(synced.state) ? Math.floor((now() - synced.at) / 1000) : 0;
    var left = Math.max(0, synced.remaining - passed);
    var untilFollowup = Math.max(0, synced.untilFollowup - passed);

    var clock = el.querySelector(".timer-remaining");
    var text = format(left);
    if (clock && clock.textContent !== text) {
      clock.textContent = text;
      clock.setAttribute("datetime", "PT" + left + "S");
    }

    var cue = cueFor(synced.state, left, untilFollowup);
    el.classList.toggle("is-followup", cue === "followup");
    el.classList.toggle("is-time-up", cue === "time-up");
    var label = el.querySelector(".timer-label");
    if (label && synced.state === "running") label.hidden = cue !== "";
    var fresh = shownCue !== null && cue !== "" && cue !== shownCue;
    el.querySelectorAll("[data-cue]").forEach(function (line) {
      var on = line.dataset.cue === cue;
      if (on && fresh) line.setAttribute("role", "alert"); // before it shows: announced once
      line.hidden = !on;
    });
    if (fresh) beep(cue);
    shownCue = cue;
  }

  // Announced once ----------------------------------------------------------------------------

  // A live update (htmx's ws extension swaps out of band) with a cue this page already shows.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail && event.detail.fragment;
    if (!shownCue || !fragment || !fragment.querySelectorAll) return;
    fragment.querySelectorAll('[data-cue="' + shownCue + '"]').forEach(function (line) {
      if (!line.hidden) line.removeAttribute("role");
    });
  });

  // The answer to one of the clock's buttons (a normal htmx swap of #timer-panel).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!shownCue || !detail || typeof detail.serverResponse !== "string") return;
    detail.serverResponse = detail.serverResponse
      .split('data-cue="' + shownCue + '" role="alert">')
      .join('data-cue="' + shownCue + '">');
  });

  ["htmx:afterSettle", "htmx:oobAfterSwap", "htmx:wsAfterMessage"].forEach(function (name) {
    document.addEventListener(name, tick);
  });

  // Sound --------------------------------------------------------------------------------------

  function soundSwitch() {
    return document.getElementById("timer-mute");
  }

  function unlock() {
    if (!soundSwitch()) return;
    if (audio) {
      if (audio.state === "suspended") audio.resume();
      return;
    }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = new Context();
    } catch (e) {
      audio = null; // no sound: the cue is still shown
    }
  }

  function beep(cue) {
    var box = soundSwitch();
    if (!audio || !box || box.checked) return;
    // Rising two tones for "time for agreements", three falling for "time is up".
    var tones = cue === "time-up" ? [784, 659, 523] : [523, 784];
    var start = audio.currentTime + 0.05;
    tones.forEach(function (frequency, i) {
      var at = start + i * 0.3;
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.27);
    });
  }

  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);

  function setUpSwitch() {
    var box = soundSwitch();
    var wrap = document.querySelector("[data-timer-sound]");
    if (!box || !wrap) return;
    try {
      box.checked = window.localStorage.getItem(MUTE_KEY) === "1";
    } catch (e) {
      /* no storage: not muted */
    }
    box.addEventListener("change", function () {
      try {
        window.localStorage.setItem(MUTE_KEY, box.checked ? "1" : "0");
      } catch (e) {
        /* remembered for this page only */
      }
    });
    wrap.hidden = false;
  }

  function start() {
    setUpSwitch();
    tick();
    window.setInterval(tick, TICK_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
