// Background worker: one native messaging port per request, as the official extension does:
// wait for the host's version message, send one command, wait for one reply, disconnect.
"use strict";

const HOST = "eu.webeid";
const HANDSHAKE_TIMEOUT = 5000;
const DEFAULT_USER_TIMEOUT = 120000;

function nextMessage(port, timeout) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject({ code: "ERR_WEBEID_USER_TIMEOUT", message: "timeout" }); },
      timeout);
    const onMessage = (message) => { cleanup(); resolve(message); };
    const onDisconnect = () => {
      cleanup();
      reject({ code: "ERR_WEBEID_NATIVE_UNAVAILABLE", message: "connection to the native app was closed" });
    };
    function cleanup() {
      clearTimeout(timer);
      port.onMessage.removeListener(onMessage);
      port.onDisconnect.removeListener(onDisconnect);
    }
    port.onMessage.addListener(onMessage);
    port.onDisconnect.addListener(onDisconnect);
  });
}

function nativeCommand(request, origin) {
  const lang = request.options?.lang ? { lang: request.options.lang } : {};
  switch (request.action) {
    case "web-eid:status":
      return { command: "quit", arguments: {} };
    case "web-eid:authenticate":
      return { command: "authenticate", arguments: {
        challengeNonce: request.challengeNonce, origin, ...lang,
        ...(request.getSigningCertificate ? { getSigningCertificate: true } : {}) } };
    case "web-eid:get-signing-certificate":
      return { command: "get-signing-certificate", arguments: { origin, ...lang } };
    case "web-eid:sign":
      return { command: "sign", arguments: {
        hash: request.hash, hashFunction: request.hashFunction, certificate: request.certificate, origin, ...lang } };
    default:
      return null;
  }
}

async function relay(request, sender) {
  const base = request.action;
  const origin = new URL(sender.url).origin;
  const command = nativeCommand(request, origin);
  if (command === null) return { action: base + "-failure", error: { code: "ERR_WEBEID_UNKNOWN_ERROR" } };
  const port = chrome.runtime.connectNative(HOST);
  try {
    const hello = await nextMessage(port, HANDSHAKE_TIMEOUT);
    if (!hello?.version) throw { code: "ERR_WEBEID_NATIVE_UNAVAILABLE", message: "expected a version" };
    port.postMessage(command);
    const reply = await nextMessage(port, request.options?.userInteractionTimeout || DEFAULT_USER_TIMEOUT);
    if (reply.error) return { action: base + "-failure", error: reply.error };
    if (base === "web-eid:status") {
      return { action: "web-eid:status-success", nativeApp: hello.version.replace(/^v/, "") };
    }
    return { action: base + "-success", ...reply };
  } catch (error) {
    return { action: base + "-failure", error };
  } finally {
    port.disconnect();
  }
}

chrome.runtime.onMessage.addListener((request, sender, sendResponse) => {
  if (typeof request?.action !== "string") return false;
  relay(request, sender).then(sendResponse);
  return true;
});
