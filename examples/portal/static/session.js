// The logged-in page: shows when the session ends (browser's time zone, page language), warns shortly
// before, extends on OK, and says so when the session could not be extended or ended while the page was
// open. The server's expiry rules: the page polls GET /session (which does not count as activity), so
// activity in another tab moves the deadline here too.
"use strict";
(() => {
  const root = document.getElementById("session");
  if (!root) {
    return;
  }
  const data = root.dataset;
  const lang = data.lang;
  const leadMs = Number(data.warningLead) * 1000;
  const pollMs = Number(data.poll) * 1000;
  const REQUEST_TIMEOUT_MS = 10000;  // an unreachable server is an answer too, not a wait without end
  const endLabel = document.getElementById("session-end");
  const warning = document.getElementById("idle-warning");
  const warningText = document.getElementById("idle-warning-text");
  const ok = document.getElementById("idle-warning-ok");
  const ended = document.getElementById("session-ended");
  const locale = lang + "-BE";
  const longFormat = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" });
  const timeFormat = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });

  let expiresAt = Date.parse(data.expiresAt);
  let offset = Date.parse(data.serverTime) - Date.now();  // server clock minus this clock
  let timer = 0;
  let over = false;

  const serverNow = () => Date.now() + offset;

  function render() {
    const end = new Date(expiresAt);
    endLabel.textContent = longFormat.format(end);
    endLabel.dateTime = end.toISOString();
    warningText.textContent = warningText.dataset.template.replace("{time}", timeFormat.format(end));
    root.dataset.expiresAt = end.toISOString();
  }

  function follow(session) {
    expiresAt = Date.parse(session.expiresAt);
    offset = Date.parse(session.serverTime) - Date.now();
    render();
    schedule();
  }

  function openWarning() {
    if (!warning.open) {
      warning.showModal();
      ok.focus();
    }
  }

  function closeWarning() {
    if (warning.open) {
      warning.close();
    }
  }

  function end() {
    over = true;
    window.clearTimeout(timer);
    closeWarning();
    document.getElementById("personal").hidden = true;  // the holder's data leaves the screen with the session
    if (!ended.open) {
      ended.showModal();
      document.getElementById("login-again").focus();
    }
  }

  function schedule() {
    window.clearTimeout(timer);
    if (over) {
      return;
    }
    const now = serverNow();
    const warnAt = expiresAt - leadMs;
    if (now >= warnAt) {
      openWarning();
    } else {
      closeWarning();
    }
    // Wake at the next poll, or exactly at the warning or the end if that comes first.
    let next = pollMs;
    if (now < warnAt) {
      next = Math.min(next, warnAt - now);
    } else if (now < expiresAt) {
      next = Math.min(next, expiresAt - now);
    }
    timer = window.setTimeout(poll, Math.max(200, next));
  }

  async function poll() {
    let answer = null;
    try {
      answer = await fetch("/session", {
        credentials: "same-origin", cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { Accept: "application/json" },
      });
    } catch (_error) {
      answer = null;
    }
    if (answer !== null && answer.status === 401) {
      end();
    } else if (answer !== null && answer.ok) {
      follow((await answer.json()).session);
    } else if (serverNow() >= expiresAt) {
      end();  // the server is out of reach and by its own clock the session is over
    } else {
      schedule();
    }
  }

  async function extend() {
    let answer = null;
    try {
      answer = await fetch("/session/extend", {
        method: "POST", credentials: "same-origin", cache: "no-store",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { Accept: "application/json", "X-CSRF-Token": data.csrf },
      });
    } catch (_error) {
      answer = null;
    }
    if (answer === null || !answer.ok) {
      end();
      return;
    }
    closeWarning();
    follow((await answer.json()).session);
  }

  ok.addEventListener("click", extend);
  // Background tabs get their timers throttled: look again as soon as the tab is shown.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !over) {
      poll();
    }
  });
  // The warning needs an answer: Escape does not dismiss it without extending.
  warning.addEventListener("cancel", (event) => { event.preventDefault(); });
  ended.addEventListener("cancel", (event) => { event.preventDefault(); });
  render();
  schedule();
})();
