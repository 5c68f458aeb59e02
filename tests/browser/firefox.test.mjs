// End-to-end test in a real Firefox ESR, driven over WebDriver BiDi without geckodriver.
// It uses the built extension installed as a temporary add-on, the real native host
// registered by its own installer under a temporary HOME, the OS credential store (a
// private gnome-keyring, see run.sh) and the fake Jira. The popup first finds no native
// host. After the host is installed, "Check again" connects, a site is connected and an
// issue created. Then the test checks what reached Jira, and that the API token is
// nowhere but in the credential store.
//
// Run it with tests/browser/run.sh, which builds what is missing and provides the keyring.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";

import {
  ACCOUNT_EMAIL,
  ARTIFACT_DIR,
  EXTENSION_DIR,
  FAKE_JIRA_BINARY,
  HOST_BINARY,
  NATIVE_HOST_NAME,
  closeSession,
  contractRecordFile,
  delay,
  fakeControl,
  lookUpStoredToken,
  makeSession,
  newCanaryToken,
  requireFile,
  runHost,
  searchSessionForToken,
  startFakeJira,
  startPageServer,
  step,
  waitFor,
} from "./support.mjs";

const FIREFOX = process.env.FIREFOX_BINARY ?? "/usr/bin/firefox-esr";
const ADDON_ID = "jira-bridge@jira-bridge.dev";
// The add-on's internal UUID, fixed through a pref so the popup's URL is known up front.
const ADDON_UUID = "3f1c2b6e-8d4a-4e7b-9a35-6c0d1e2f4a58";
const POPUP_URL = `moz-extension://${ADDON_UUID}/popup.html`;
const PAGE_TITLE = "Checkout fails on Safari";
const DESCRIPTION = "Clicking Pay does nothing.\nSeen on Safari 17 and in this headless Firefox test.";
const UI_TIMEOUT_MS = 15_000;

// Prefs for a quiet, offline test profile. The UUID pref pins the add-on's
// moz-extension:// host.
const USER_PREFS = {
  "extensions.webextensions.uuids": JSON.stringify({ [ADDON_ID]: ADDON_UUID }),
  "app.update.disabledForTesting": true,
  "browser.shell.checkDefaultBrowser": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "toolkit.telemetry.enabled": false,
  "network.captive-portal-service.enabled": false,
  "browser.safebrowsing.update.enabled": false,
};

/** A minimal WebDriver BiDi client: numbered commands over one WebSocket. */
class BiDiSession {
  constructor(socket) {
    this.socket = socket;
    this.nextId = 1;
    this.pending = new Map();
    socket.on("message", (data) => this.onMessage(JSON.parse(data)));
    socket.on("close", () => {
      for (const { reject, method } of this.pending.values()) {
        reject(new Error(`the BiDi connection closed before ${method} finished`));
      }
      this.pending.clear();
    });
  }

  static async connect(url) {
    const socket = new WebSocket(`${url}/session`);
    await once(socket, "open");
    const session = new BiDiSession(socket);
    await session.send("session.new", { capabilities: { alwaysMatch: { acceptInsecureCerts: false } } });
    return session;
  }

  onMessage(message) {
    if (message.id === undefined) {
      return; // An event; this client subscribes to none.
    }
    const entry = this.pending.get(message.id);
    if (entry === undefined) {
      return;
    }
    this.pending.delete(message.id);
    if (message.type === "error") {
      entry.reject(new Error(`${entry.method} failed: ${message.error}: ${message.message}`));
    } else {
      entry.resolve(message.result);
    }
  }

  send(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * Calls `functionDeclaration` with JSON-serialisable `args` in a browsing context and
   * returns its result, parsed from JSON. The function must return JSON text, which
   * keeps the value conversion out of the BiDi remote-value format.
   */
  async call(context, functionDeclaration, ...args) {
    const result = await this.send("script.callFunction", {
      functionDeclaration,
      arguments: args.map((value) => ({ type: "string", value: JSON.stringify(value) })),
      target: { context },
      awaitPromise: true,
    });
    if (result.type === "exception") {
      throw new Error(`script failed in the page: ${result.exceptionDetails.text}`);
    }
    return JSON.parse(result.result.value);
  }

  close() {
    this.socket.close();
  }
}

/** Starts Firefox ESR headless with a BiDi port and returns `{ child, bidiUrl, stderr }`. */
async function startFirefox(session) {
  const prefs = Object.entries(USER_PREFS)
    .map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`)
    .join("");
  await writeFile(join(session.profile, "user.js"), prefs);

  const child = spawn(
    FIREFOX,
    ["--headless", "--no-remote", "--profile", session.profile, "--remote-debugging-port=0", "--remote-allow-system-access"],
    { env: session.env, stdio: ["ignore", "ignore", "pipe"] },
  );
  const stderr = [];
  child.stderr.setEncoding("utf8");

  const bidiUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Firefox opened no BiDi port within 20 s: ${stderr.join("")}`)), 20_000);
    child.stderr.on("data", (chunk) => {
      stderr.push(chunk);
      const match = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(stderr.join(""));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Firefox exited with code ${code} before it opened a BiDi port: ${stderr.join("")}`));
    });
  });
  return { child, bidiUrl, stderr };
}

/** Ends the BiDi session and waits for Firefox to exit, killing it after 10 s. */
async function stopFirefox(firefox, bidi) {
  const { child } = firefox;
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, "exit");
  await bidi?.send("browser.close").catch(() => child.kill("SIGTERM"));
  bidi?.close();
  const outcome = await Promise.race([exited.then(() => "exited"), delay(10_000).then(() => "running")]);
  if (outcome === "running") {
    step("Firefox did not exit within 10 s; killing it");
    child.kill("SIGKILL");
    await exited;
  }
}

// Page-side helpers. Each takes and returns JSON text (see BiDiSession.call).

const VISIBLE_SCREEN = `() => JSON.stringify({
  sections: [...document.querySelectorAll("main > section, main > form")].filter((node) => !node.hidden).map((node) => node.id),
  error: document.getElementById("error").hidden ? "" : document.getElementById("error").textContent,
})`;

// Sets a field's value and fires the input and change events a person's typing would.
const FILL = `(selectorJson, valueJson) => {
  const field = document.querySelector(JSON.parse(selectorJson));
  field.focus();
  field.value = JSON.parse(valueJson);
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.dispatchEvent(new Event("change", { bubbles: true }));
  return "true";
}`;

const CLICK = `(selectorJson) => {
  document.querySelector(JSON.parse(selectorJson)).click();
  return "true";
}`;

const READ = `(selectorJson, propertyJson) => {
  const node = document.querySelector(JSON.parse(selectorJson));
  return JSON.stringify(node === null ? null : node[JSON.parse(propertyJson)] ?? node.getAttribute(JSON.parse(propertyJson)));
}`;

const OPTIONS = `(selectorJson) => JSON.stringify(
  [...document.querySelectorAll(JSON.parse(selectorJson) + " option")].map((option) => ({ value: option.value, label: option.textContent })),
)`;

// Wraps connectNative in the background page so that every frame the native host sends
// is also kept, as JSON text, in the background's `hostFrames`. Runs in the popup, which
// reaches the background page through runtime.getBackgroundPage().
const RECORD_HOST_FRAMES = `async () => {
  const background = await browser.runtime.getBackgroundPage();
  background.hostFrames = [];
  const runtime = background.browser.runtime;
  const connectNative = runtime.connectNative.bind(runtime);
  runtime.connectNative = (name) => {
    const port = connectNative(name);
    port.onMessage.addListener((frame) => background.hostFrames.push(JSON.stringify(frame)));
    return port;
  };
  return "true";
}`;

const HOST_FRAMES = `async () => {
  const background = await browser.runtime.getBackgroundPage();
  return JSON.stringify(background.hostFrames ?? null);
}`;

const STORAGE = `async (areaJson) => JSON.stringify(await browser.storage[JSON.parse(areaJson)].get(null))`;

const TABS = `async () => JSON.stringify(await browser.tabs.query({}))`;

describe("Firefox ESR with the native host", () => {
  const token = newCanaryToken();
  let session;
  let fake;
  let page;
  let firefox;
  let bidi;

  before(async () => {
    requireFile(join(EXTENSION_DIR, "manifest.json"), "bash scripts/build-extension.sh");
    requireFile(HOST_BINARY, "cargo build -p jira-bridge-host");
    requireFile(FAKE_JIRA_BINARY, "cargo build -p fake-jira");
    requireFile(FIREFOX, "apt-get install firefox-esr (scripts/deps.sh does this)");

    session = await makeSession("firefox", { MOZ_CRASHREPORTER_DISABLE: "1" });
    step(`profile and HOME in ${session.root}`);

    fake = await startFakeJira({
      token,
      recordFile: await contractRecordFile("browser-firefox-cloud.jsonl"),
    });
    step(`fake Jira (Cloud) at ${fake.url}`);
    page = await startPageServer(PAGE_TITLE);

    firefox = await startFirefox(session);
    bidi = await BiDiSession.connect(firefox.bidiUrl);
    const installed = await bidi.send("webExtension.install", { extensionData: { type: "path", path: EXTENSION_DIR } });
    assert.equal(installed.extension, ADDON_ID, "Firefox should install the add-on under its manifest id");
    step(`Firefox ${firefox.bidiUrl} runs the add-on ${installed.extension}`);
  });

  after(async () => {
    if (firefox) {
      await stopFirefox(firefox, bidi).catch((error) => step(`stopping Firefox failed: ${error.message}`));
    }
    await closeSession(session, undefined, fake?.stop, page?.close);
  });

  test("finds the host after install and creates an issue", async () => {
    const { contexts } = await bidi.send("browsingContext.getTree", {});
    const webTab = contexts[0].context;
    await bidi.send("browsingContext.navigate", { context: webTab, url: page.url, wait: "complete" });
    const { context: popupTab } = await bidi.send("browsingContext.create", { type: "tab" });

    const screen = () => bidi.call(popupTab, VISIBLE_SCREEN);
    const waitForScreen = (id) =>
      waitFor(async () => (await screen()).sections.includes(id), `the popup to show #${id}`).catch(async (error) => {
        throw new Error(`${error.message}; the popup shows ${JSON.stringify(await screen())}`);
      });
    const fill = (selector, value) => bidi.call(popupTab, FILL, selector, value);
    const click = (selector) => bidi.call(popupTab, CLICK, selector);
    const read = (selector, property) => bidi.call(popupTab, READ, selector, property);

    // No host is registered yet, so the popup offers the install command. The popup
    // belongs to the web page's tab, whose id only an extension page can look up.
    await bidi.send("browsingContext.navigate", { context: popupTab, url: POPUP_URL, wait: "complete" });
    const tabs = await bidi.call(popupTab, TABS);
    const tab = tabs.find((candidate) => candidate.url === page.url) ?? tabs.find((candidate) => !candidate.active);
    assert.ok(tab, `the extension should see the web page's tab, got ${JSON.stringify(tabs)}`);
    await bidi.send("browsingContext.navigate", { context: popupTab, url: `${POPUP_URL}?tabId=${tab.id}`, wait: "complete" });

    await waitForScreen("host-missing");
    const command = await read("#install-command", "textContent");
    assert.match(command, /scripts\/install\.sh/, "the install command should name the install script");
    step(`popup shows the host-missing screen with: ${command}`);

    // Record what the host sends from the first port on, then install the host. The
    // recorder's functions live in this popup page, so the page must not navigate again.
    await bidi.call(popupTab, RECORD_HOST_FRAMES);
    await runHost(["install", "--browser", "firefox"], session.env);
    const manifestPath = join(session.home, ".mozilla/native-messaging-hosts", `${NATIVE_HOST_NAME}.json`);
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    assert.deepEqual(manifest.allowed_extensions, [ADDON_ID], `${manifestPath} should allow only the add-on`);
    step(`native host registered: ${manifestPath} runs ${manifest.path}`);

    await click("#recheck");
    await waitForScreen("connect-form");
    step("after install, Check again shows the connect form");

    await fill("#site-url", `${fake.url}/`);
    await fill("#email", ACCOUNT_EMAIL);
    await fill("#token", `${token}\n`);
    await click("#connect-submit");
    // A connected popup opens on its home view; "New issue" leads to the create form.
    await waitForScreen("home");
    await click("#new-issue");
    await waitForScreen("connected");
    assert.equal(await read("#token", "value"), "", "the token field should be emptied after connect");
    step("connected; popup shows the create form");

    // The popup writes the draft into the form before it requests the projects, so once
    // the projects are listed, typing is no longer overwritten.
    await waitFor(async () => (await bidi.call(popupTab, OPTIONS, "#project")).some((option) => option.value === "WEB"), "the project list to load");

    // Without the `tabs` permission Firefox shows the tab's URL and title only while
    // activeTab is granted, which needs a click on the toolbar button. This test found no
    // way to make that click over BiDi, so the draft starts from the page only when the
    // extension can see it.
    if (tab.url === page.url) {
      assert.equal(await read("#summary", "value"), PAGE_TITLE, "the summary should be the page title");
      assert.equal(await read("#page-url", "value"), page.url, "the page URL should be the tab's URL");
    } else {
      assert.equal(await read("#summary", "value"), "", "the summary should start empty when the tab is hidden");
      assert.equal(await read("#page-url", "value"), "", "the page URL should start empty when the tab is hidden");
      step("Firefox hides the tab's URL and title from the extension; typing them in");
      await fill("#summary", PAGE_TITLE);
      await fill("#page-url", page.url);
    }

    await fill("#project", "WEB");
    const taskOption = await waitFor(
      async () => (await bidi.call(popupTab, OPTIONS, "#issue-type")).find((option) => option.label === "Task"),
      "the issue types of WEB to load",
    );
    await fill("#issue-type", taskOption.value);
    await fill("#description", DESCRIPTION);
    await click("#create-submit");

    const key = await waitFor(async () => {
      const visible = await read("#created", "hidden");
      return visible === false ? read("#created-link", "textContent") : null;
    }, "the created issue's link").catch(async (error) => {
      throw new Error(`${error.message}; the popup shows ${JSON.stringify(await screen())}`);
    });
    step(`popup shows the created issue ${key}`);
    assert.match(key, /^WEB-\d+$/, "the link text should be the new issue key");
    assert.equal(await read("#created-link", "href"), `${fake.url}/browse/${key}`, "the link should open the issue on the site");

    await mkdir(ARTIFACT_DIR, { recursive: true });
    const screenshotPath = join(ARTIFACT_DIR, "firefox-popup-created.png");
    const { data } = await bidi.send("browsingContext.captureScreenshot", { context: popupTab });
    await writeFile(screenshotPath, Buffer.from(data, "base64"));
    step(`screenshot: ${screenshotPath}`);

    // What reached Jira: exactly one issue, with the page linked in its ADF description.
    const issues = (await fakeControl(fake.url, "issues")).filter((issue) => issue.fields?.summary === PAGE_TITLE);
    assert.equal(issues.length, 1, `exactly one issue should have the summary ${JSON.stringify(PAGE_TITLE)}`);
    const [issue] = issues;
    assert.equal(issue.key, key, "the fake's issue should have the key the popup shows");
    const descriptionJson = JSON.stringify(issue.fields.description);
    assert.equal(issue.fields.description?.type, "doc", `the description should be an ADF document, got ${descriptionJson}`);
    assert.ok(descriptionJson.includes(page.url), `the description should contain the page URL: ${descriptionJson}`);
    assert.ok(descriptionJson.includes("Clicking Pay does nothing."), `the description should contain the typed text: ${descriptionJson}`);
    assert.deepEqual(await fakeControl(fake.url, "violations"), [], "the fake Jira should have seen no protocol violations");

    // The token must be nowhere in the add-on's storage or in what the host sent it.
    for (const area of ["local", "sync", "session"]) {
      const stored = JSON.stringify(await bidi.call(popupTab, STORAGE, area));
      assert.ok(!stored.includes(token), `the token leaked into browser.storage.${area}`);
    }
    const frames = await bidi.call(popupTab, HOST_FRAMES);
    assert.ok(Array.isArray(frames), "the background page lost the frame recorder (it was unloaded and restarted)");
    assert.ok(
      frames.some((frame) => frame.includes('"issueCreated"')),
      `the frame recorder should have seen the issueCreated reply, got ${frames.length} frames`,
    );
    assert.ok(!frames.some((frame) => frame.includes(token)), "the native host sent the token to the add-on");
    step(`no token in browser.storage or in ${frames.length} frames from the host`);

    const stored = await lookUpStoredToken(fake.url, ACCOUNT_EMAIL);
    assert.equal(stored, token, "secret-tool should find the trimmed token under the normalised site URL");
    step("secret-tool finds the token in the Secret Service");

    // Close Firefox so that it and the host flush their files, then search them.
    await stopFirefox(firefox, bidi);

    const hostLog = await readFile(join(session.dataHome, "jira-bridge", "host.log"), "utf8");
    assert.ok(hostLog.includes("created"), "the host's log should record the created issue");
    assert.ok(!hostLog.includes(token), "the token leaked into the host's log file");

    for (const line of await searchSessionForToken(session, token, "Firefox profile")) {
      step(line);
    }
  });
});
