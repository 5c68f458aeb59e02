// Helpers shared by the browser end-to-end tests: paths of the built parts, the fake Jira
// and a test web page as child servers, the canary search over files and the OS
// credential store lookup. The second part starts Chromium sessions with the extension
// and the native host. Nothing here talks to any host but 127.0.0.1.

import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

const execFileAsync = promisify(execFile);

export const ROOT = resolve(import.meta.dirname, "../..");
export const EXTENSION_DIR = process.env.JIRA_BRIDGE_EXTENSION_DIR ?? join(ROOT, "dist/extension");
export const HOST_BINARY = process.env.JIRA_BRIDGE_HOST_BINARY ?? join(ROOT, "target/debug/jira-bridge-host");
export const FAKE_JIRA_BINARY = process.env.FAKE_JIRA_BINARY ?? join(ROOT, "target/debug/fake-jira");
export const ARTIFACT_DIR = join(ROOT, "target/browser");

export const CHROMIUM_EXTENSION_ID = "anpegadfdelagnlbdnaabihagcgccfgl";
export const NATIVE_HOST_NAME = "com.jira_bridge.host";
export const ACCOUNT_EMAIL = "tester@example.com";

// Files above this size are not searched for the canary. In the runs so far the only such
// file was the host binary that the installer copies into HOME. The search reports every
// file it skips.
const MAX_SEARCHED_FILE_BYTES = 64 * 1024 * 1024;

/** Prints a progress line, prefixed so it is easy to tell from the test runner's output. */
export function step(message) {
  console.log(`browser-e2e: ${message}`);
}

/** Returns a fresh canary token: a value that must be found only in the OS credential store. */
export function newCanaryToken() {
  return `CANARY-e2e-${randomBytes(12).toString("hex")}`;
}

/** Creates a temporary folder for one test's browser profile, HOME and XDG folders. */
export async function makeTempDir(label) {
  return mkdtemp(join(tmpdir(), `jira-bridge-${label}-`));
}

/** Fails with a message that names the missing file and the command that builds it. */
export function requireFile(path, buildHint) {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing. Build it first: ${buildHint}`);
  }
}

/**
 * Starts `fake-jira serve` on 127.0.0.1 with a free port and returns
 * `{ url, process, stop, stderr }`. `mode` is `cloud` (the default) or `datacenter`;
 * `contextPath`, such as `/jira`, is part of `url`. The fake exits when its stdin closes,
 * so it dies with the test process even when the test runner is killed.
 */
export async function startFakeJira({ token, email = ACCOUNT_EMAIL, recordFile, mode = "cloud", contextPath }) {
  const args = ["serve", "--mode", mode, "--port", "0", "--email", email, "--token", token, "--exit-on-stdin-close"];
  if (contextPath) {
    args.push("--context-path", contextPath);
  }
  if (recordFile) {
    args.push("--record", recordFile);
  }
  const child = spawn(FAKE_JIRA_BINARY, args, { stdio: ["pipe", "pipe", "pipe"] });
  const stderr = [];
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => stderr.push(chunk));

  const firstLine = await readFirstLine(child, stderr, 10_000);
  const match = /^fake-jira listening on (http:\/\/127\.0\.0\.1:\d+\S*)$/.exec(firstLine);
  if (!match) {
    child.kill();
    throw new Error(`fake-jira printed an unexpected first line: ${JSON.stringify(firstLine)}`);
  }

  return {
    url: match[1],
    process: child,
    stderr,
    stop: () => stopChild(child),
  };
}

/** Resolves with the first stdout line of `child`; rejects if it exits or stays silent. */
function readFirstLine(child, stderr, timeoutMs) {
  return new Promise((resolveLine, rejectLine) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => {
      finish();
      rejectLine(new Error(`fake-jira printed no address within ${timeoutMs} ms: ${stderr.join("")}`));
    }, timeoutMs);
    const onLine = (line) => {
      finish();
      resolveLine(line);
    };
    const onExit = (code) => {
      finish();
      rejectLine(new Error(`fake-jira exited with code ${code} before it listened: ${stderr.join("")}`));
    };
    function finish() {
      clearTimeout(timer);
      lines.off("line", onLine);
      child.off("exit", onExit);
    }
    lines.on("line", onLine);
    child.on("exit", onExit);
  });
}

/**
 * Creates the folder named by JIRA_BRIDGE_CONTRACT_DIR and returns the path of the record
 * file `name` in it, where the fake Jira keeps the requests for tests/contract/validate.py.
 * Returns undefined when the variable is not set.
 */
export async function contractRecordFile(name) {
  const contractDir = process.env.JIRA_BRIDGE_CONTRACT_DIR;
  if (!contractDir) {
    return undefined;
  }
  await mkdir(contractDir, { recursive: true });
  return join(contractDir, name);
}

/**
 * Reads one of the fake Jira's control endpoints, such as `issues` or `violations`. They
 * sit at the server's root even when the fake serves Jira under a context path.
 */
export async function fakeControl(fakeUrl, name) {
  const url = `${new URL(fakeUrl).origin}/__fake/${name}`;
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`GET ${url} failed with HTTP ${response.status}`);
  }
  return response.json();
}

/**
 * Serves one HTML page with the given title on 127.0.0.1 and returns `{ url, close }`.
 * It plays the web page a person files an issue about. `background` is a CSS colour for
 * the page, so a screenshot of it can be distinguished from one of another page.
 */
export async function startPageServer(title, { background = "white" } = {}) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body style="background: ${background}"><h1>${title}</h1><p>The pay button does nothing in Safari 17.</p></body></html>`;
  const server = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(html);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/checkout?step=pay`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/**
 * Searches every file under `root` for `needle` as UTF-8 and as UTF-16LE (Chromium keeps
 * some strings in UTF-16). Returns `{ hits, searched, skipped }`, with paths relative to
 * `root`. Files above MAX_SEARCHED_FILE_BYTES and unreadable ones are listed in `skipped`.
 */
export async function findInFiles(root, needle) {
  const patterns = [Buffer.from(needle, "utf8"), Buffer.from(needle, "utf16le")];
  const hits = [];
  const skipped = [];
  let searched = 0;

  for (const path of await listFiles(root)) {
    const name = relative(root, path);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      skipped.push(`${name} (${error.code ?? error.message})`);
      continue;
    }
    if (!info.isFile()) {
      continue;
    }
    if (info.size > MAX_SEARCHED_FILE_BYTES) {
      skipped.push(`${name} (${info.size} bytes)`);
      continue;
    }
    let content;
    try {
      content = await readFile(path);
    } catch (error) {
      skipped.push(`${name} (${error.code ?? error.message})`);
      continue;
    }
    searched += 1;
    if (patterns.some((pattern) => content.includes(pattern))) {
      hits.push(name);
    }
  }
  return { hits, searched, skipped };
}

async function listFiles(root) {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/**
 * Looks the token up in the Secret Service with `secret-tool`, a second process that
 * shares nothing with the host but the D-Bus session. Returns the stored secret, or null
 * when there is no entry.
 */
export async function lookUpStoredToken(siteUrl, account) {
  try {
    const { stdout } = await execFileAsync(
      "secret-tool",
      ["lookup", "service", `jira-bridge ${siteUrl}`, "username", account],
      { timeout: 10_000 },
    );
    return stdout;
  } catch (error) {
    // secret-tool exits with 1 and prints nothing when no entry matches.
    if (error.code === 1 && !error.stderr) {
      return null;
    }
    throw new Error(`secret-tool lookup failed: ${error.stderr || error.message}`);
  }
}

/** Runs the host binary with arguments and environment and returns its stdout. */
export async function runHost(args, env) {
  try {
    const { stdout } = await execFileAsync(HOST_BINARY, args, { env, timeout: 20_000 });
    return stdout;
  } catch (error) {
    throw new Error(`jira-bridge-host ${args.join(" ")} failed: ${error.stderr || error.message}`);
  }
}

/** Sends SIGTERM to a child process, then SIGKILL if it is still running after 3 s. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, "exit");
  child.stdin?.end();
  child.kill("SIGTERM");
  const outcome = await Promise.race([exited.then(() => "exited"), delay(3_000).then(() => "running")]);
  if (outcome === "running") {
    child.kill("SIGKILL");
    await exited;
  }
}

/** Resolves after `ms` milliseconds. */
export function delay(ms) {
  return new Promise((done) => setTimeout(done, ms).unref());
}

// Browser session helpers. makeSession and closeSession serve the Firefox test too; the
// rest drive Chromium and its popup.

export const CHROMIUM = process.env.CHROMIUM_BINARY ?? "/usr/bin/chromium";
export const POPUP_URL = `chrome-extension://${CHROMIUM_EXTENSION_ID}/popup.html`;
export const UI_TIMEOUT_MS = 15_000;

// `--enable-unsafe-extension-debugging` enables the DevTools protocol's Extensions domain,
// whose `triggerAction` clicks the toolbar button, so the browser grants `activeTab` the
// way it does for a person. Playwright adds `--disable-extensions` by default, which must
// go for the extension to load.
const CHROMIUM_ARGS = [
  `--disable-extensions-except=${EXTENSION_DIR}`,
  `--load-extension=${EXTENSION_DIR}`,
  "--enable-unsafe-extension-debugging",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Makes the folders of one self-contained browser session under a temp dir and returns
 * them with the environment that points HOME and the XDG folders there, plus `extraEnv`.
 * The native host inherits this environment from the browser, so its config and log land
 * in the temp dir.
 */
export async function makeSession(label, extraEnv = {}) {
  const root = await makeTempDir(label);
  const home = join(root, "home");
  const session = {
    root,
    home,
    profile: join(root, "profile"),
    configHome: join(home, ".config"),
    dataHome: join(home, ".local/share"),
  };
  for (const dir of [session.profile, session.configHome, session.dataHome]) {
    await mkdir(dir, { recursive: true });
  }
  session.env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: session.configHome,
    XDG_DATA_HOME: session.dataHome,
    JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK: "1",
    ...extraEnv,
  };
  return session;
}

/**
 * Closes Chromium when `browser` is set, runs each of `stops` (such as a fake Jira's
 * `stop` or a page server's `close`; undefined ones are skipped) and removes the session's
 * temp dir unless JIRA_BRIDGE_KEEP_TEMP is set.
 */
export async function closeSession(session, browser, ...stops) {
  await browser?.context.close().catch((error) => step(`closing Chromium failed: ${error.message}`));
  for (const stop of stops) {
    await stop?.();
  }
  if (session && !process.env.JIRA_BRIDGE_KEEP_TEMP) {
    await rm(session.root, { recursive: true, force: true });
  }
}

/** Fails with a build or install command when a part the Chromium tests run is missing. */
export function requireChromiumParts() {
  requireFile(join(EXTENSION_DIR, "manifest.json"), "bash scripts/build-extension.sh");
  requireFile(HOST_BINARY, "cargo build -p jira-bridge-host");
  requireFile(FAKE_JIRA_BINARY, "cargo build -p fake-jira");
  requireFile(CHROMIUM, "apt-get install chromium (scripts/deps.sh does this)");
}

/** Registers the real native host for the session's Chromium profile with its installer. */
export async function installHostForChromium(session) {
  await runHost(["install", "--browser", "chromium", "--user-data-dir", session.profile], session.env);
  const manifestPath = join(session.profile, "NativeMessagingHosts", `${NATIVE_HOST_NAME}.json`);
  const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
  if (manifest.name !== NATIVE_HOST_NAME) {
    throw new Error(`${manifestPath} names ${JSON.stringify(manifest.name)}, expected ${NATIVE_HOST_NAME}`);
  }
  return manifestPath;
}

/**
 * Starts Chromium headless with the built extension on the session's profile and returns
 * `{ context, worker }`, the worker being the extension's service worker.
 */
export async function launchChromium(session) {
  const context = await chromium.launchPersistentContext(session.profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: ["--disable-extensions"],
    env: session.env,
    viewport: { width: 420, height: 640 },
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker", { timeout: UI_TIMEOUT_MS }));
  const expected = `chrome-extension://${CHROMIUM_EXTENSION_ID}/background.js`;
  if (worker.url() !== expected) {
    await context.close();
    throw new Error(`the extension's service worker runs at ${worker.url()}, expected ${expected} (the id fixed by the manifest key)`);
  }
  return { context, worker };
}

/**
 * Wraps `chrome.runtime.connectNative` in the service worker so that every frame the
 * native host sends is also kept, as JSON text, in `globalThis.hostFrames`. The extension
 * itself is not changed. The wrapper must be in place before the first request, because
 * the background script opens its port then and keeps it.
 */
export async function recordHostFrames(worker) {
  await worker.evaluate(() => {
    globalThis.hostFrames = [];
    const connectNative = chrome.runtime.connectNative.bind(chrome.runtime);
    chrome.runtime.connectNative = (name) => {
      const port = connectNative(name);
      port.onMessage.addListener((frame) => globalThis.hostFrames.push(JSON.stringify(frame)));
      return port;
    };
  });
}

/**
 * Clicks the extension's toolbar button on the tab showing `pageUrl`, through the DevTools
 * protocol. The browser then grants `activeTab` for that tab and opens the real popup,
 * which this helper closes again: Playwright does not list that popup among its pages, so
 * tests drive popup.html in a tab named by `?tabId=N` instead.
 */
export async function clickToolbarButton(context, pageUrl) {
  const cdp = await context.browser().newBrowserCDPSession();
  try {
    const { targetInfos } = await cdp.send("Target.getTargets", { filter: [{}] });
    const tab = targetInfos.find((target) => target.type === "tab" && target.url === pageUrl);
    if (!tab) {
      throw new Error(`no tab target shows ${pageUrl}`);
    }

    await cdp.send("Extensions.triggerAction", { id: CHROMIUM_EXTENSION_ID, targetId: tab.targetId });

    const popup = await waitFor(async () => {
      const { targetInfos: now } = await cdp.send("Target.getTargets", { filter: [{}] });
      return now.find((target) => target.type === "page" && target.url === POPUP_URL);
    }, "the toolbar popup to open");
    await cdp.send("Target.closeTarget", { targetId: popup.targetId });
  } finally {
    await cdp.detach();
  }
}

/**
 * Opens `pageUrl` in the browser's first tab and clicks the toolbar button there, which
 * grants activeTab, as a person would. Returns `{ webPage, tab }`, `tab` being the
 * extension's `chrome.tabs` entry for that page.
 */
export async function openPageWithActiveTab(browser, pageUrl) {
  const webPage = browser.context.pages()[0] ?? (await browser.context.newPage());
  await webPage.goto(pageUrl);
  await clickToolbarButton(browser.context, pageUrl);
  const tabs = await browser.worker.evaluate(() => chrome.tabs.query({}));
  const tab = tabs.find((candidate) => candidate.url === pageUrl);
  assert.ok(tab, `the extension should see the page's URL after the toolbar click, got ${JSON.stringify(tabs)}`);
  return { webPage, tab };
}

/**
 * Sets up one popup session in Chromium: the session folders, the fake Jira servers that
 * `startFakes` starts, the native host registered by its installer, a web page titled
 * `pageTitle` (`pageOptions` go to startPageServer), Chromium with the host frame recorder,
 * and the page opened with activeTab granted. Returns `{ session, page, browser, webPage,
 * tab }`. `startFakes` keeps the servers it starts, because the caller stops them. When a
 * step fails, this closes what it started itself and rethrows.
 */
export async function startPopupSession({ label, stepPrefix = "", pageTitle, pageOptions, startFakes }) {
  requireChromiumParts();
  const session = await makeSession(label);
  let page;
  let browser;
  try {
    step(`${stepPrefix}profile and HOME in ${session.root}`);
    await startFakes();
    await installHostForChromium(session);
    page = await startPageServer(pageTitle, pageOptions);
    browser = await launchChromium(session);
    await recordHostFrames(browser.worker);
    const { webPage, tab } = await openPageWithActiveTab(browser, page.url);
    return { session, page, browser, webPage, tab };
  } catch (error) {
    await closeSession(session, browser, page?.close);
    throw error;
  }
}

/**
 * Opens popup.html for `tab` in a new Chromium tab, with UI_TIMEOUT_MS as the default
 * timeout and its console errors and warnings printed after `stepPrefix`, and returns it.
 */
export async function openPopupForTab(browser, tab, stepPrefix = "") {
  const popup = await browser.context.newPage();
  // Each step waits for its own result, so a broken step fails within this time and the
  // later steps still run.
  popup.setDefaultTimeout(UI_TIMEOUT_MS);
  logPopupConsole(popup, stepPrefix);
  await popup.goto(`${POPUP_URL}?tabId=${tab.id}`);
  return popup;
}

/** Prints the popup's console errors and warnings as steps, after `prefix`. */
export function logPopupConsole(popup, prefix = "") {
  popup.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      step(`${prefix}popup console ${message.type()}: ${message.text()}`);
    }
  });
}

/** Polls `probe` every 100 ms until it returns a truthy value, and returns that value. */
export async function waitFor(probe, what, timeoutMs = UI_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await delay(100);
  }
}

/** Returns the popup's visible error text, for assertion messages. */
export async function popupError(popup) {
  const error = popup.locator("#error");
  return (await error.isVisible()) ? await error.textContent() : "(no error shown)";
}

/**
 * Searches the session's host folders, browser profile and HOME for `token` and returns
 * one line per folder, such as `no token in 120 files of the Chromium profile`. Throws
 * when a folder has no file to search or contains the token. Close the browser first, so
 * it and the host have flushed their files.
 */
export async function searchSessionForToken(session, token, profileLabel = "Chromium profile") {
  const lines = [];
  for (const [label, dir] of [
    ["host config folder", join(session.configHome, "jira-bridge")],
    ["host data folder", join(session.dataHome, "jira-bridge")],
    [profileLabel, session.profile],
    ["temporary HOME", session.home],
  ]) {
    const { hits, searched, skipped } = await findInFiles(dir, token);
    if (searched === 0) {
      throw new Error(`the ${label} ${dir} contains no file to search for the token`);
    }
    if (hits.length > 0) {
      throw new Error(`the token leaked into files of the ${label} ${dir}: ${hits.join(", ")}`);
    }
    const skippedNote = skipped.length > 0 ? `, skipped ${skipped.join(", ")}` : "";
    lines.push(`no token in ${searched} files of the ${label}${skippedNote}`);
  }
  return lines;
}
