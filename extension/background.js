// Background relay of the jira-bridge extension: owns the port to the native host,
// numbers the popup's requests, times them out and sends each reply back to the popup.
//
// Runs as a Manifest V3 service worker (Chromium) and as a background script (Firefox).
// It stores nothing and never logs a request body, because `connect` carries the token.
// PROTOCOL.md describes the frames and error codes.
"use strict";

const api = globalThis.browser ?? globalThis.chrome;

const NATIVE_HOST_NAME = "com.jira_bridge.host";
const PROTOCOL_VERSION = 1;
const RELAY_MESSAGE_TYPE = "jira-bridge/request";

// Milliseconds to wait for a reply. `connect` checks the token with Jira, `createIssue`
// may upload and link after creating and `attachScreenshot` uploads a few MiB, so these
// get longer than a lookup.
const DEFAULT_TIMEOUT_MS = 30_000;
const TIMEOUT_MS_BY_TYPE = { connect: 60_000, createIssue: 60_000, attachScreenshot: 60_000 };

// Error codes raised here rather than by the host (append-only, see PROTOCOL.md).
const HOST_NOT_INSTALLED = { code: 100, name: "hostNotInstalled" };
const HOST_DISCONNECTED = { code: 101, name: "hostDisconnected" };
const TIMED_OUT = { code: 102, name: "timedOut" };
const INVALID_MESSAGE = { code: 1, name: "invalidMessage" };
const INTERNAL = { code: 17, name: "internal" };

// Browser messages that mean the host is missing, unregistered, or registered without
// this extension in its allow-list. Chromium reports "Specified native messaging host not
// found." or "Access to the specified native messaging host is forbidden.", Firefox
// reports "No such native application ..." or "... does not have permission ...".
const HOST_NOT_INSTALLED_PATTERN =
  /not found|no such native application|forbidden|does not have permission|failed to start/i;

// The live connection: { port, pending: Map<id, settle>, ready: Promise<outcome>, closed }.
// Each connection keeps its own pending map, so a late disconnect of an old port cannot
// fail requests sent on a newer one.
let connection = null;
let nextRequestId = 1;

function errorOutcome(kind, message, details) {
  const error = { code: kind.code, name: kind.name, message };
  if (details !== undefined) {
    error.details = details;
  }
  return { error };
}

function openConnection() {
  let port;
  try {
    port = api.runtime.connectNative(NATIVE_HOST_NAME);
  } catch (thrown) {
    const browserMessage = String(thrown?.message ?? thrown);
    console.warn(`jira-bridge: connecting to the native host failed: ${browserMessage}`);
    const failed = errorOutcome(
      HOST_NOT_INSTALLED,
      "The jira-bridge native host is not installed for this browser.",
      { browserMessage },
    );
    return { port: null, pending: new Map(), ready: Promise.resolve(failed), closed: true };
  }

  const conn = { port, pending: new Map(), ready: null, closed: false, helloAnswered: false };
  port.onMessage.addListener((frame) => onHostFrame(conn, frame));
  port.onDisconnect.addListener((disconnected) => onHostDisconnect(conn, disconnected));

  const hello = {
    type: "hello",
    extensionVersion: api.runtime.getManifest().version,
    protocolVersion: PROTOCOL_VERSION,
  };
  conn.ready = send(conn, hello).then((outcome) => {
    conn.helloAnswered = true;
    if (outcome.error) {
      // A host that rejects our version rejects every request after it, so drop the port
      // and let the next request start over (after an update, for instance).
      console.warn(`jira-bridge: hello failed: ${outcome.error.name}`);
      closeConnection(conn);
    }
    return outcome;
  });
  return conn;
}

function closeConnection(conn) {
  conn.closed = true;
  if (connection === conn) {
    connection = null;
  }
  try {
    conn.port?.disconnect();
  } catch {
    // The port was already gone; there is nothing left to close.
  }
}

// Posts one request on the connection and resolves with `{result}` or `{error}`; never
// rejects, so callers need no try/catch.
function send(conn, request) {
  const id = nextRequestId++;
  const timeoutMs = TIMEOUT_MS_BY_TYPE[request.type] ?? DEFAULT_TIMEOUT_MS;

  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      conn.pending.delete(id);
      console.warn(`jira-bridge: request ${id} (${request.type}) timed out after ${timeoutMs} ms`);
      resolve(
        errorOutcome(
          TIMED_OUT,
          `The native host did not answer the ${request.type} request within ${timeoutMs / 1000} seconds. Try again.`,
          { requestType: request.type, timeoutSeconds: timeoutMs / 1000 },
        ),
      );
    }, timeoutMs);

    conn.pending.set(id, (outcome) => {
      clearTimeout(timer);
      conn.pending.delete(id);
      resolve(outcome);
    });

    try {
      conn.port.postMessage({ id, request });
    } catch (thrown) {
      const browserMessage = String(thrown?.message ?? thrown);
      closeConnection(conn);
      conn.pending.get(id)?.(
        errorOutcome(HOST_DISCONNECTED, "The connection to the native host was lost. Try again.", {
          browserMessage,
        }),
      );
    }
  });
}

function onHostFrame(conn, frame) {
  if (frame === null || typeof frame !== "object") {
    console.warn("jira-bridge: the native host sent a frame that is not a JSON object");
    return;
  }

  let outcome;
  if (frame.error !== undefined) {
    outcome = { error: frame.error };
  } else if (frame.result !== undefined) {
    outcome = { result: frame.result };
  } else {
    outcome = errorOutcome(INTERNAL, "The native host sent a reply without a result or an error.", {
      id: frame.id,
    });
  }

  // An id of null means the host could not read a request far enough to find its id.
  // The background only sends well-formed frames, so such a reply is about the port as a
  // whole (an unallowed caller, for instance) and fails everything in flight.
  if (frame.id === null) {
    console.warn(`jira-bridge: the native host rejected the port: ${frame.error?.name ?? "no error name"}`);
    for (const settle of [...conn.pending.values()]) {
      settle(outcome);
    }
    return;
  }

  const settle = conn.pending.get(frame.id);
  if (settle === undefined) {
    // The request already timed out, or the id is unknown.
    console.warn(`jira-bridge: reply for unknown or timed-out request ${frame.id}`);
    return;
  }
  settle(outcome);
}

function onHostDisconnect(conn, port) {
  // Firefox reports the reason on the port, Chromium in runtime.lastError, which must be
  // read inside this listener.
  const browserMessage = port?.error?.message ?? api.runtime.lastError?.message ?? "";
  conn.closed = true;
  if (connection === conn) {
    connection = null;
  }

  let outcome;
  if (!conn.helloAnswered && HOST_NOT_INSTALLED_PATTERN.test(browserMessage)) {
    outcome = errorOutcome(
      HOST_NOT_INSTALLED,
      "The jira-bridge native host is not installed for this browser.",
      { browserMessage },
    );
  } else {
    outcome = errorOutcome(
      HOST_DISCONNECTED,
      "The native host closed the connection. Try again; if it keeps happening, its log has the reason.",
      { browserMessage },
    );
  }
  console.warn(
    `jira-bridge: native host port closed (${browserMessage || "no reason given"}), ` +
      `${conn.pending.size} request(s) in flight`,
  );

  for (const settle of [...conn.pending.values()]) {
    settle(outcome);
  }
}

async function relay(request) {
  if (connection === null || connection.closed) {
    connection = openConnection();
  }
  const conn = connection;

  const hello = await conn.ready;
  if (hello.error) {
    return hello;
  }
  if (conn.closed) {
    return errorOutcome(HOST_DISCONNECTED, "The connection to the native host was lost. Try again.");
  }
  return send(conn, request);
}

// Only the extension's own pages (the popup) may use the relay. Web pages cannot reach
// it at all, since the manifest has no externally_connectable and no content scripts.
function isOwnPage(sender) {
  return (
    sender?.id === api.runtime.id &&
    typeof sender.url === "string" &&
    sender.url.startsWith(api.runtime.getURL(""))
  );
}

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (!isOwnPage(sender) || message?.type !== RELAY_MESSAGE_TYPE) {
    return false;
  }

  const request = message.request;
  if (request === null || typeof request !== "object" || typeof request.type !== "string") {
    sendResponse(errorOutcome(INVALID_MESSAGE, "The popup sent a request without a type."));
    return false;
  }

  relay(request).then(sendResponse);
  // Returning true keeps sendResponse valid until the host replies.
  return true;
});

// Context menu on selected text: "New Jira issue from selection". The selection is stored
// as a pending selection that the popup turns into a draft's quote, then the popup opens.
// The stored item contains page text only, never a secret.
const SELECTION_MENU_ID = "jira-bridge-new-issue-from-selection";
const PENDING_SELECTION_KEY = "pendingSelection";
// Size of the window opened where `action.openPopup` is missing or refuses (Firefox before
// 127 without a user action, Chromium before 127), in CSS pixels.
const FALLBACK_WINDOW = { width: 420, height: 640 };

api.runtime.onInstalled.addListener(() => {
  api.contextMenus.create({
    id: SELECTION_MENU_ID,
    title: "New Jira issue from selection",
    contexts: ["selection"],
  });
});

api.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId !== SELECTION_MENU_ID) {
    return;
  }
  const pending = {
    text: String(info.selectionText ?? ""),
    pageUrl: String(tab?.url ?? info.pageUrl ?? ""),
    pageTitle: String(tab?.title ?? ""),
    savedAt: Date.now(),
  };
  // openPopup must be called while the click still counts as a user action, so it is
  // started before the storage write settles. The popup reads the key only after its
  // first round trip to the native host, by which time the write has finished.
  // NOTE: that ordering is likely, not guaranteed; a lost race opens the home view.
  const stored = api.storage.local.set({ [PENDING_SELECTION_KEY]: pending });
  openPopupOrWindow(tab).catch((thrown) => {
    console.warn(`jira-bridge: opening the popup failed: ${thrown?.message ?? thrown}`);
  });
  stored.catch((thrown) => {
    console.warn(`jira-bridge: saving the selection failed: ${thrown?.message ?? thrown}`);
  });
});

async function openPopupOrWindow(tab) {
  if (typeof api.action?.openPopup === "function") {
    try {
      await api.action.openPopup();
      return;
    } catch (thrown) {
      console.warn(`jira-bridge: action.openPopup failed, opening a window: ${thrown?.message ?? thrown}`);
    }
  }
  const query = tab?.id === undefined ? "?view=create" : `?view=create&tabId=${tab.id}`;
  await api.windows.create({
    url: api.runtime.getURL(`popup.html${query}`),
    type: "popup",
    width: FALLBACK_WINDOW.width,
    height: FALLBACK_WINDOW.height,
  });
}
