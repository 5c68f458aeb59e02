// End-to-end test in a real Chromium: the built extension, its Wasm popup, the real native
// host registered by its own installer, the OS credential store (a private gnome-keyring,
// see run.sh) and the fake Jira. A person connects a site and files an issue about a web
// page. Then the test checks what reached Jira, and that the API token is nowhere but in
// the credential store.
//
// Run it with tests/browser/run.sh, which builds what is missing and provides the keyring.

import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import {
  ACCOUNT_EMAIL,
  ARTIFACT_DIR,
  CHROMIUM_EXTENSION_ID,
  NATIVE_HOST_NAME,
  POPUP_URL,
  UI_TIMEOUT_MS,
  closeSession,
  contractRecordFile,
  fakeControl,
  findInFiles,
  installHostForChromium,
  launchChromium,
  logPopupConsole,
  lookUpStoredToken,
  makeSession,
  newCanaryToken,
  openPageWithActiveTab,
  popupError,
  recordHostFrames,
  requireChromiumParts,
  searchSessionForToken,
  startFakeJira,
  startPageServer,
  step,
  waitFor,
} from "./support.mjs";

const PAGE_TITLE = "Checkout fails on Safari";
const DESCRIPTION = "Clicking Pay does nothing.\nSeen on Safari 17 and in this headless Chromium test.";

describe("Chromium with the native host", () => {
  const token = newCanaryToken();
  let session;
  let fake;
  let page;
  let browser;

  before(async () => {
    requireChromiumParts();
    session = await makeSession("chromium");
    step(`profile and HOME in ${session.root}`);

    fake = await startFakeJira({
      token,
      recordFile: await contractRecordFile("browser-cloud.jsonl"),
    });
    step(`fake Jira (Cloud) at ${fake.url}`);

    const manifestPath = await installHostForChromium(session);
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
    await closeSession(session, browser, fake?.stop, page?.close);
  });

  test("connects a site and creates an issue from a page", async () => {
    const { context, worker } = browser;
    await recordHostFrames(worker);

    // A person is on a web page and clicks the toolbar button.
    const { tab } = await openPageWithActiveTab(browser, page.url);
    assert.equal(tab.title, PAGE_TITLE, "activeTab should reveal the page's title");

    const popup = await context.newPage();
    logPopupConsole(popup);
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

    for (const line of await searchSessionForToken(session, token)) {
      step(line);
    }
  });
});

describe("Chromium without the native host", () => {
  let session;
  let browser;

  before(async () => {
    requireChromiumParts();
    session = await makeSession("chromium-no-host");
    browser = await launchChromium(session);
  });

  after(async () => {
    await closeSession(session, browser);
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
