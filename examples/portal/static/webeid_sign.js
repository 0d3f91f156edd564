// "Sign a document": signing certificate -> portal prepares the hash -> card signs -> portal verifies.
"use strict";
(function () {
  const root = document.getElementById("webeid-sign");
  const status = document.getElementById("webeid-status");
  const lang = root.dataset.lang;
  const csrf = root.dataset.csrf;

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body),
    });
    const result = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(result.error || response.status), { code: result.error });
    return result;
  }

  document.getElementById("webeid-sign-button").addEventListener("click", async () => {
    status.textContent = "working";
    try {
      const { certificate, supportedSignatureAlgorithms } = await window.webeid.getSigningCertificate({ lang });
      const prepared = await post("/webeid/sign/prepare", { certificate, supportedSignatureAlgorithms });
      const signed = await window.webeid.sign(certificate, prepared.hash, prepared.hashFunction, { lang });
      const result = await post("/webeid/sign/finish", { signId: prepared.signId, ...signed });
      status.textContent = "signed:" + result.signer;
    } catch (error) {
      status.textContent = "error:" + (error.code || error.message);
    }
  });
})();
