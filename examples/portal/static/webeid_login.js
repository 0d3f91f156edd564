// The eID login button: challenge from the portal -> Web eID extension -> token posted back -> home.
"use strict";
(function () {
  const root = document.getElementById("webeid-login");
  const status = document.getElementById("webeid-status");
  const lang = root.dataset.lang;

  async function json(response) {
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(body.error || response.status), { code: body.error });
    return body;
  }

  document.getElementById("webeid-login-button").addEventListener("click", async () => {
    status.textContent = "working";
    try {
      const challenge = await json(await fetch("/auth/challenge", { credentials: "same-origin" }));
      const withSigning = root.dataset.signingCertificate === "true" ? { getSigningCertificate: true } : {};
      const authToken = await window.webeid.authenticate(challenge.challengeNonce, { lang }, withSigning);
      const result = await json(await fetch("/auth/login", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": challenge.csrfToken },
        body: JSON.stringify({ authToken, lang }),
      }));
      status.textContent = "logged-in:" + result.user.national_number;
      sessionStorage.setItem("webeid-token-format", authToken.format);
      window.location.assign("/" + lang + "/home");
    } catch (error) {
      status.textContent = "error:" + (error.code || error.message);
    }
  });
})();
