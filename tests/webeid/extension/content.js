// Content script: takes the page's web-eid:* requests (window.postMessage), acknowledges them at once,
// hands them to the background worker and posts the answer back to the page (page <-> extension protocol).
"use strict";

function isReply(action) {
  return action === "web-eid:warning" || action.endsWith("-success") || action.endsWith("-failure") ||
    action.endsWith("-ack");
}

window.addEventListener("message", async (event) => {
  const data = event.data;
  if (event.source !== window || typeof data?.action !== "string" || !data.action.startsWith("web-eid:")) return;
  if (isReply(data.action)) return;
  if (!window.isSecureContext) {
    window.postMessage({ action: data.action + "_FAILURE", error: { code: "ERR_WEBEID_CONTEXT_INSECURE" } },
      event.origin);
    return;
  }
  window.postMessage({ action: data.action + "-ack" }, event.origin);
  const response = await chrome.runtime.sendMessage(data);
  window.postMessage(response, event.origin);
});
