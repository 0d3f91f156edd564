// The eID step: finds out which login methods this browser can use, and posts a Web eID token.
//
// Contract for the Web eID page script (static/webeid.js) and for tests: `window.eidPortal` has
//   challenge()          -> Promise<string>  the nonce of this browser's pre-login session (refreshed when old)
//   loginWithToken(tok)  -> Promise<boolean> POST /auth/login {authToken: tok}; on success goes to the home page
//   webEid               -> Promise<"ready"|"no-extension"|"no-app">  the page<->extension status answer
// and the event "eidportal:webeid" (detail: the same status) is dispatched on document.
"use strict";
(() => {
  const step = document.getElementById("eid-step");
  if (!step) {
    return;
  }
  const text = step.dataset;
  const state = { challenge: text.challenge, csrf: text.csrf, issuedAt: Date.now() };
  const status = document.getElementById("webeid-status");
  const button = document.getElementById("webeid-login");
  const install = document.getElementById("install-help");
  const message = document.getElementById("login-message");
  const CHALLENGE_MAX_AGE_MS = 4 * 60 * 1000;  // the server keeps a challenge 5 minutes
  const REQUEST_TIMEOUT_MS = 10000;  // an unreachable server is an answer too, not a wait without end

  async function refreshChallenge() {
    const answer = await fetch("/auth/challenge", {
      credentials: "same-origin", cache: "no-store", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: { Accept: "application/json" },
    });
    if (!answer.ok) {
      throw new Error("challenge refused: HTTP " + answer.status);
    }
    const body = await answer.json();
    state.challenge = body.challengeNonce;
    state.csrf = body.csrfToken;
    state.issuedAt = Date.now();
    step.dataset.challenge = state.challenge;
    return state.challenge;
  }

  async function challenge() {
    return Date.now() - state.issuedAt > CHALLENGE_MAX_AGE_MS ? refreshChallenge() : state.challenge;
  }

  async function loginWithToken(token) {
    message.textContent = text.textBusy;
    let answer = null;
    try {
      answer = await fetch("/auth/login", {
        method: "POST", credentials: "same-origin", cache: "no-store",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": state.csrf },
        body: JSON.stringify({ authToken: token, lang: text.lang }),
      });
    } catch (_error) {
      answer = null;
    }
    if (answer !== null && answer.ok) {
      window.location.assign(text.home);
      return true;
    }
    message.textContent = text.textFailed;
    try {
      await refreshChallenge();  // the old challenge was spent by the attempt
    } catch (_error) {
      // The next attempt asks again.
    }
    return false;
  }

  // Web eID's content script answers "web-eid:status" with "-ack" at once and then "-success" (native
  // application there) or "-failure". It loads at document_idle, so ask one second after loading, as
  // web-eid.js does; no ack within a second means no extension.
  function detectWebEid() {
    return new Promise((resolve) => {
      let acked = false;
      let settled = false;
      const finish = (result) => {
        if (!settled) {
          settled = true;
          window.removeEventListener("message", onMessage);
          resolve(result);
        }
      };
      const onMessage = (event) => {
        if (event.source !== window || !event.data || typeof event.data.action !== "string") {
          return;
        }
        if (event.data.action === "web-eid:status-ack") {
          acked = true;
        } else if (event.data.action === "web-eid:status-success") {
          finish("ready");
        } else if (event.data.action === "web-eid:status-failure") {
          finish("no-app");
        }
      };
      window.addEventListener("message", onMessage);
      window.setTimeout(() => {
        window.postMessage({ action: "web-eid:status", libraryVersion: "2.0.0" }, window.location.origin);
        window.setTimeout(() => { if (!acked) { finish("no-extension"); } }, 1000);
        window.setTimeout(() => finish("no-app"), 6000);
      }, 1000);
    });
  }

  const webEid = detectWebEid();
  webEid.then((result) => {
    const labels = { "ready": text.textReady, "no-extension": text.textNoExtension, "no-app": text.textNoApp };
    status.textContent = labels[result];
    button.disabled = result !== "ready";
    if (result !== "ready" && !text.loginHost) {
      install.hidden = false;
    }
    document.dispatchEvent(new CustomEvent("eidportal:webeid", { detail: result }));
  });

  window.eidPortal = { challenge, refreshChallenge, loginWithToken, webEid, lang: text.lang };
})();
