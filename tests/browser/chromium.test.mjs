// End-to-end test in a real Chromium: the built extension, its Wasm popup, the real native
// host registered by its own installer, the OS credential store (a private gnome-keyring,
// see run.sh) and the fake Jira. A person connects a site and files an issue about a web
// page. Then the test checks what reached Jira, and that the API token is nowhere but in
// the credential store.
//
// Run it with tests/browser/run.sh, which builds what is missing and provides the keyring.

import assert from "node:assert/strict";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";

import {
  ACCOUNT_EMAIL,
  ARTIFACT_DIR,
  CHROMIUM_EXTENSION_ID,
  EXTENSION_DIR,
  FAKE_JIRA_BINARY,
  HOST_BINARY,
  NATIVE_HOST_NAME,
  fakeControl,
  findInFiles,
  lookUpStoredToken,
  makeTempDir,
  newCanaryToken,
  requireFile,
  runHost,
  startFakeJira,
  startPageServer,
  step,
} from "./support.mjs";

const CHROMIUM = process.env.CHROMIUM_BINARY ?? "/usr/bin/chromium";
const POPUP_URL = `chrome-extension://${CHROMIUM_EXTENSION_ID}/popup.html`;
const PAGE_TITLE = "Checkout fails on Safari";
const DESCRIPTION = "Clicking Pay does nothing.\nSeen on Safari 17 and in this headless Chromium test.";
const UI_TIMEOUT_MS = 15_000;

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
 * them with the environment that points HOME and the XDG folders there. The native host
 * inherits this environment from Chromium, so its config and log land in the temp dir.
 */
async function makeSession(label) {
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
  };
  return session;
}

async function launchChromium(session) {
  const context = await chromium.launchPersistentContext(session.profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: ["--disable-extensions"],
    env: session.env,
    viewport: { width: 420, height: 640 },
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker", { timeout: UI_TIMEOUT_MS }));
  assert.equal(
    worker.url(),
    `chrome-extension://${CHROMIUM_EXTENSION_ID}/background.js`,
    "the extension's service worker should run under the id fixed by the manifest key",
  );
  return { context, worker };
}

/**
 * Wraps `chrome.runtime.connectNative` in the service worker so that every frame the
 * native host sends is also kept, as JSON text, in `globalThis.hostFrames`. The extension
 * itself is not changed. The wrapper must be in place before the first request, because
 * the background script opens its port then and keeps it.
 */
async function recordHostFrames(worker) {
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
 * which this test closes again. Playwright does not list that popup among its pages, so
 * the test drives popup.html in a tab named by `?tabId=N` instead.
 */
async function clickToolbarButton(context, pageUrl) {
  const cdp = await context.browser().newBrowserCDPSession();
  try {
    const { targetInfos } = await cdp.send("Target.getTargets", { filter: [{}] });
    const tab = targetInfos.find((target) => target.type === "tab" && target.url === pageUrl);
    assert.ok(tab, `no tab target shows ${pageUrl}`);

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

async function waitFor(probe, what, timeoutMs = UI_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Returns the popup's visible error text, for assertion messages. */
async function popupError(popup) {
  const error = popup.locator("#error");
  return (await error.isVisible()) ? await error.textContent() : "(no error shown)";
}

function checkBuiltParts() {
  requireFile(join(EXTENSION_DIR, "manifest.json"), "bash scripts/build-extension.sh");
  requireFile(HOST_BINARY, "cargo build -p jira-bridge-host");
  requireFile(FAKE_JIRA_BINARY, "cargo build -p fake-jira");
  requireFile(CHROMIUM, "apt-get install chromium (scripts/deps.sh does this)");
}

describe("Chromium with the native host", () => {
  const token = newCanaryToken();
  let session;
  let fake;
  let page;
  let browser;

  before(async () => {
    checkBuiltParts();
    session = await makeSession("chromium");
    step(`profile and HOME in ${session.root}`);

    const contractDir = process.env.JIRA_BRIDGE_CONTRACT_DIR;
    if (contractDir) {
      await mkdir(contractDir, { recursive: true });
    }
    fake = await startFakeJira({
      token,
      recordFile: contractDir ? join(contractDir, "browser-cloud.jsonl") : undefined,
    });
    step(`fake Jira (Cloud) at ${fake.url}`);

    await runHost(["install", "--browser", "chromium", "--user-data-dir", session.profile], session.env);
    const manifestPath = join(session.profile, "NativeMessagingHosts", `${NATIVE_HOST_NAME}.json`);
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    assert.equal(manifest.name, NATIVE_HOST_NAME, `${manifestPath} should name the host`);
    assert.ok(
      manifest.allowed_origins.includes(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`),
      `${manifestPath} should allow the extension, got ${JSON.stringify(manifest.allowed_origins)}`,
    );
    step(`native host registered: ${manifestPath} runs ${manifest.path}`);

    page = await startPageServer(PAGE_TITLE);
    browser = await launchChromium(session);
  });

  after(async () => {
    await browser?.context.close().catch((error) => step(`closing Chromium failed: ${error.message}`));
    await fake?.stop();
    await page?.close();
    if (session && !process.env.JIRA_BRIDGE_KEEP_TEMP) {
      await rm(session.root, { recursive: true, force: true });
    }
  });

  test("connects a site and creates an issue from a page", async () => {
    const { context, worker } = browser;
    await recordHostFrames(worker);

    // A person is on a web page and clicks the toolbar button.
    const webPage = context.pages()[0] ?? (await context.newPage());
    await webPage.goto(page.url);
    await clickToolbarButton(context, page.url);

    const tabs = await worker.evaluate(() => chrome.tabs.query({}));
    const tab = tabs.find((candidate) => candidate.url === page.url);
    assert.ok(tab, `the extension should see the page's URL after the toolbar click, got ${JSON.stringify(tabs)}`);
    assert.equal(tab.title, PAGE_TITLE, "activeTab should reveal the page's title");

    const popup = await context.newPage();
    popup.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        step(`popup console ${message.type()}: ${message.text()}`);
      }
    });
    await popup.goto(`${POPUP_URL}?tabId=${tab.id}`);

    // Connect: the site URL with a trailing slash, the token with a trailing newline, as
    // they often come from a copy and paste.
    await popup.locator("#connect-form").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
    step("popup shows the connect form");
    await popup.locator("#site-url").fill(`${fake.url}/`);
    await popup.locator("#email").fill(ACCOUNT_EMAIL);
    await popup.locator("#token").fill(`${token}\n`);
    await popup.locator("#connect-submit").click();

    // A connected popup opens on its home view; "New issue" leads to the create form.
    await popup
      .locator("#home")
      .waitFor({ state: "visible", timeout: UI_TIMEOUT_MS })
      .catch(async (error) => {
        throw new Error(`the home view did not appear after connect: ${await popupError(popup)} (${error.message})`);
      });
    await popup.locator("#new-issue").click();
    await popup
      .locator("#create-form")
      .waitFor({ state: "visible", timeout: UI_TIMEOUT_MS })
      .catch(async (error) => {
        throw new Error(`the create form did not appear: ${await popupError(popup)} (${error.message})`);
      });
    step("connected; popup shows the create form");
    assert.equal(await popup.locator("#token").inputValue(), "", "the token field should be emptied after connect");
    assert.equal(
      await popup.locator("#site-label").textContent(),
      `${new URL(fake.url).host} (Cloud)`,
      "the site label should show the site's host and its Jira dialect",
    );

    // The popup writes the draft into the form before it requests the projects.
    await waitFor(
      async () => (await popup.locator("#project option").count()) > 1,
      "the project list to load",
    );

    // The draft starts from the page the toolbar button was clicked on.
    assert.equal(await popup.locator("#summary").inputValue(), PAGE_TITLE, "the summary should be the page title");
    assert.equal(await popup.locator("#page-url").inputValue(), page.url, "the page URL should be the tab's URL");

    await popup.locator("#project").selectOption("WEB");
    await waitFor(
      async () => (await popup.locator("#issue-type option", { hasText: "Task" }).count()) === 1,
      "the issue types of WEB to load",
    );
    await popup.locator("#issue-type").selectOption({ label: "Task" });
    await popup.locator("#description").fill(DESCRIPTION);
    await popup.locator("#create-submit").click();

    const link = popup.locator("#created-link");
    await link.waitFor({ state: "visible", timeout: UI_TIMEOUT_MS }).catch(async (error) => {
      throw new Error(`no issue link appeared: ${await popupError(popup)} (${error.message})`);
    });
    const key = await link.textContent();
    step(`popup shows the created issue ${key}`);
    assert.match(key, /^WEB-\d+$/, "the link text should be the new issue key");
    assert.equal(await link.getAttribute("href"), `${fake.url}/browse/${key}`, "the link should open the issue on the site");

    await mkdir(ARTIFACT_DIR, { recursive: true });
    const screenshot = join(ARTIFACT_DIR, "chromium-popup-created.png");
    await popup.screenshot({ path: screenshot, fullPage: true });
    step(`screenshot: ${screenshot}`);

    // What reached Jira: exactly one issue, with the page linked in its ADF description.
    const issues = (await fakeControl(fake.url, "issues")).filter((issue) => issue.fields?.summary === PAGE_TITLE);
    assert.equal(issues.length, 1, `exactly one issue should have the summary ${JSON.stringify(PAGE_TITLE)}`);
    const [issue] = issues;
    assert.equal(issue.key, key, "the fake's issue should have the key the popup shows");
    const description = issue.fields.description;
    assert.equal(description?.type, "doc", `the description should be an ADF document, got ${JSON.stringify(description)}`);
    const descriptionJson = JSON.stringify(description);
    assert.ok(descriptionJson.includes(page.url), `the description should contain the page URL: ${descriptionJson}`);
    assert.ok(descriptionJson.includes("Clicking Pay does nothing."), `the description should contain the typed text: ${descriptionJson}`);
    assert.deepEqual(await fakeControl(fake.url, "violations"), [], "the fake Jira should have seen no protocol violations");

    // The token must be nowhere in the extension's storage or in what the host sent it.
    for (const area of ["local", "sync", "session"]) {
      const stored = JSON.stringify(await worker.evaluate((name) => chrome.storage[name].get(null), area));
      assert.ok(!stored.includes(token), `the token leaked into chrome.storage.${area}`);
    }
    const frames = await worker.evaluate(() => globalThis.hostFrames);
    assert.ok(
      frames.some((frame) => frame.includes('"issueCreated"')),
      `the frame recorder should have seen the issueCreated reply, got ${frames.length} frames`,
    );
    assert.ok(!frames.some((frame) => frame.includes(token)), "the native host sent the token to the extension");
    step(`no token in chrome.storage or in ${frames.length} frames from the host`);

    // The token is in the OS credential store, read back by a second process.
    const stored = await lookUpStoredToken(fake.url, ACCOUNT_EMAIL);
    assert.equal(stored, token, "secret-tool should find the trimmed token under the normalised site URL");
    step("secret-tool finds the token in the Secret Service");

    // Close Chromium so that it and the host flush their files, then search them.
    await context.close();
    browser = undefined;

    const hostLog = await readFile(join(session.dataHome, "jira-bridge", "host.log"), "utf8");
    assert.ok(hostLog.length > 0, "the host should have written its log file");
    assert.ok(!hostLog.includes(token), "the token leaked into the host's log file");

    // A control for the search below: Chromium writes the page title into the profile
    // (History, and the draft in the extension's storage), so the search must find it.
    const control = await findInFiles(session.profile, PAGE_TITLE);
    assert.ok(
      control.hits.some((name) => name.includes("Local Extension Settings")),
      `the file search should find the page title in the extension's storage files, found it in ${JSON.stringify(control.hits)}`,
    );

    for (const [label, dir] of [
      ["host config folder", join(session.configHome, "jira-bridge")],
      ["host data folder", join(session.dataHome, "jira-bridge")],
      ["Chromium profile", session.profile],
      ["temporary HOME", session.home],
    ]) {
      const { hits, searched, skipped } = await findInFiles(dir, token);
      assert.ok(searched > 0, `the ${label} ${dir} should contain files to search`);
      assert.deepEqual(hits, [], `the token leaked into files of the ${label} ${dir}`);
      const skippedNote = skipped.length > 0 ? `, skipped ${skipped.join(", ")}` : "";
      step(`no token in ${searched} files of the ${label}${skippedNote}`);
    }
  });
});

describe("Chromium without the native host", () => {
  let session;
  let browser;

  before(async () => {
    checkBuiltParts();
    session = await makeSession("chromium-no-host");
    browser = await launchChromium(session);
  });

  after(async () => {
    await browser?.context.close().catch((error) => step(`closing Chromium failed: ${error.message}`));
    if (session && !process.env.JIRA_BRIDGE_KEEP_TEMP) {
      await rm(session.root, { recursive: true, force: true });
    }
  });

  test("popup shows the install command", async () => {
    const popup = await browser.context.newPage();
    await popup.goto(POPUP_URL);

    const hostMissing = popup.locator("#host-missing");
    await hostMissing.waitFor({ state: "visible", timeout: UI_TIMEOUT_MS }).catch(async (error) => {
      throw new Error(`the host-missing screen did not appear: ${await popupError(popup)} (${error.message})`);
    });
    const command = await popup.locator("#install-command").textContent();
    assert.match(command, /scripts\/install\.sh/, "the install command should name the install script");
    assert.equal(await popup.locator("#connect-form").isVisible(), false, "the connect form should stay hidden");
    step(`popup shows the host-missing screen with: ${command}`);
  });
});
