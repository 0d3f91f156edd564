// Web eID page library (eidlib's own, same page <-> extension message protocol as web-eid.js):
// window.webeid.status(), .authenticate(nonce, options), .getSigningCertificate(options),
// .sign(certificate, hash, hashFunction, options). Each returns a Promise of the extension's reply
// (without its "action"), or rejects with an Error carrying the Web eID "code".
// On the portal's eID step (window.eidPortal, static/eid.js) it also runs the "Web eID" button:
// challenge -> extension authenticate -> eidPortal.loginWithToken(token). "?signing=1" in the page
// address asks for a web-eid:1.1 token with the signing certificate.
"use strict";
(function () {
  const LIBRARY_VERSION = "2.0.0";
  const MAX_EXTENSION_LOAD_DELAY = 1000;
  const EXTENSION_HANDSHAKE_TIMEOUT = 1000;
  const NATIVE_APP_HANDSHAKE_TIMEOUT = 5000;
  const DEFAULT_USER_INTERACTION_TIMEOUT = 120000;
  const loaded = Date.now();
  const pending = new Set();

  function webEidError(code, message, fields) {
    const error = new Error(message || code);
    error.code = code;
    return Object.assign(error, fields || {});
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }

  async function request(action, fields, options, timeoutFactor) {
    if (!window.isSecureContext) throw webEidError("ERR_WEBEID_CONTEXT_INSECURE", "insecure context");
    if (pending.has(action)) throw webEidError("ERR_WEBEID_ACTION_PENDING", action + " already pending");
    pending.add(action);
    try {
      // The content script may not be listening yet right after the page loaded.
      await sleep(loaded + MAX_EXTENSION_LOAD_DELAY - Date.now());
      const userTimeout = (options && options.userInteractionTimeout) || DEFAULT_USER_INTERACTION_TIMEOUT;
      const total = EXTENSION_HANDSHAKE_TIMEOUT + NATIVE_APP_HANDSHAKE_TIMEOUT + userTimeout * timeoutFactor;
      return await new Promise((resolve, reject) => {
        let acknowledged = false;
        const ackTimer = setTimeout(() => {
          if (!acknowledged) finish(() => reject(webEidError("ERR_WEBEID_EXTENSION_UNAVAILABLE",
            "Web eID extension is not available")));
        }, EXTENSION_HANDSHAKE_TIMEOUT);
        const actionTimer = setTimeout(() => finish(() => reject(webEidError("ERR_WEBEID_ACTION_TIMEOUT",
          action + " timed out"))), total);
        function finish(settle) {
          clearTimeout(ackTimer);
          clearTimeout(actionTimer);
          window.removeEventListener("message", onMessage);
          settle();
        }
        function onMessage(event) {
          if (event.source !== window || !event.data || typeof event.data.action !== "string") return;
          const reply = event.data.action;
          if (reply === action + "-ack") {
            acknowledged = true;
          } else if (reply === action + "-success") {
            const { action: _ignored, ...result } = event.data;
            finish(() => resolve(result));
          } else if (reply === action + "-failure" || reply === action + "_FAILURE") {
            const error = event.data.error || {};
            finish(() => reject(webEidError(error.code || "ERR_WEBEID_UNKNOWN_ERROR", error.message, error)));
          }
        }
        window.addEventListener("message", onMessage);
        const message = { action, libraryVersion: LIBRARY_VERSION, ...fields };
        if (options) message.options = options;
        window.postMessage(message, "*");
      });
    } finally {
      pending.delete(action);
    }
  }

  window.webeid = {
    status: () => request("web-eid:status", {}, undefined, 0),
    authenticate: (challengeNonce, options, extra) =>
      request("web-eid:authenticate", { challengeNonce, ...(extra || {}) }, options, 1),
    getSigningCertificate: (options) => request("web-eid:get-signing-certificate", {}, options, 2),
    sign: (certificate, hash, hashFunction, options) =>
      request("web-eid:sign", { certificate, hash, hashFunction }, options, 2),
  };

  // The eID step of the portal: the button is enabled by eid.js once the extension answered.
  const step = document.getElementById("eid-step");
  const button = document.getElementById("webeid-login");
  if (step && button && window.eidPortal) {
    const portal = window.eidPortal;
    const message = document.getElementById("login-message");
    const signing = new URLSearchParams(window.location.search).get("signing") === "1";
    button.addEventListener("click", async () => {
      button.disabled = true;
      delete step.dataset.webeidError;
      try {
        const nonce = await portal.challenge();
        const token = await window.webeid.authenticate(nonce, { lang: portal.lang },
          signing ? { getSigningCertificate: true } : undefined);
        sessionStorage.setItem("webeid-token-format", token.format);
        await portal.loginWithToken(token);
      } catch (error) {
        step.dataset.webeidError = error.code || "ERR_WEBEID_UNKNOWN_ERROR";
        message.textContent = step.dataset.textFailed + " (" + step.dataset.webeidError + ")";
      } finally {
        button.disabled = false;
      }
    });
  }
})();
