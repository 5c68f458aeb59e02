// End-to-end test of a popup with two Jira sites in a real Chromium: a Cloud site and a
// Data Center site under the context path /jira, each served by its own fake Jira. One
// popup session connects both, switches between them, and checks that requests, recent
// issues, detected keys and issue links follow the site in use, and that the native host
// remembers the site chosen last. It also covers the quick actions export and import.
// At the end it checks that neither canary token is found anywhere but in the OS
// credential store (a private gnome-keyring, see run.sh).
//
// Run it with tests/browser/run.sh sites.test.mjs. Set JIRA_BRIDGE_CONTRACT_DIR to keep
// the Jira requests as browser-sites-cloud.jsonl and browser-sites-datacenter.jsonl for
// tests/contract/validate.py.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import {
  ACCOUNT_EMAIL,
  UI_TIMEOUT_MS,
  closeSession,
  contractRecordFile,
  fakeControl,
  lookUpStoredToken,
  newCanaryToken,
  openPopupForTab,
  popupError,
  searchSessionForToken,
  startFakeJira,
  startPopupSession,
  step,
  waitFor,
} from "./support.mjs";

// A fresh fake numbers issues from 1, so the Task created in WEB on the Cloud fake is
// WEB-1 and the one created in OPS on the Data Center fake is OPS-1. The page title names
// both, so the detected keys list both whichever site is in use.
const CLOUD_KEY = "WEB-1";
const DATA_CENTER_KEY = "OPS-1";
const PAGE_TITLE = `Deploy broke checkout, see ${CLOUD_KEY} and ${DATA_CENTER_KEY}`;

// The Data Center fake's user for a personal access token (tests/fake-jira/src/seed.rs).
const DATA_CENTER_ACCOUNT = "tester";

const QUICK_ACTION_NAME = "Log 15m";
const IMPORTED_ACTION_NAME = "Log 30m";

/** Waits until `selector` is visible. The timeout error includes the popup's error text. */
async function waitVisible(popup, selector, what) {
  await popup
    .locator(selector)
    .waitFor({ state: "visible", timeout: UI_TIMEOUT_MS })
    .catch(async (error) => {
      throw new Error(`${what} did not appear: ${await popupError(popup)} (${error.message})`);
    });
}

/** Returns `method contextPath+path` of every Jira request the fake received, in order. */
async function requestLines(fakeUrl) {
  return (await fakeControl(fakeUrl, "requests")).map((request) => `${request.method} ${request.contextPath ?? ""}${request.path}`);
}

/** Returns the popup's label of a site: host, context path and deployment. */
function siteLabel(fakeUrl, deployment) {
  const url = new URL(fakeUrl);
  return `${url.host}${url.pathname.replace(/\/$/, "")} (${deployment})`;
}

describe("two sites in one popup", () => {
  const cloudToken = newCanaryToken();
  const dataCenterToken = newCanaryToken();
  let session;
  let cloud;
  let dataCenter;
  let page;
  let browser;
  let tab;
  let popup;

  /** Opens popup.html for the web page's tab in a new tab and returns it. */
  async function openPopup() {
    return openPopupForTab(browser, tab);
  }

  /** Closes the popup tab and opens a new one, as a person reopening the popup does. */
  async function reopenPopup() {
    await popup.close();
    popup = await openPopup();
    await waitVisible(popup, "#home", "the home view of the reopened popup");
  }

  async function goHome() {
    await popup.locator("#back").click();
    await waitVisible(popup, "#home", "the home view");
  }

  /** Waits until the header names the site `label`. */
  async function waitForSite(label) {
    await waitFor(async () => (await popup.locator("#site-label").textContent()) === label, `the header to name ${label}`);
  }

  /** Chooses the site of `fakeUrl` in the site switcher and waits for its home view. */
  async function switchTo(fakeUrl, label) {
    await popup.locator("#site-switcher").selectOption(fakeUrl);
    await waitForSite(label);
    await waitVisible(popup, "#home", `the home view of ${label}`);
  }

  /** Fills and submits the connect form and waits for the home view of that site. */
  async function connect(fakeUrl, email, token, label) {
    await waitVisible(popup, "#connect-form", "the connect form");
    await popup.locator("#site-url").fill(fakeUrl);
    await popup.locator("#email").fill(email);
    await popup.locator("#token").fill(token);
    await popup.locator("#connect-submit").click();
    await waitVisible(popup, "#home", `the home view after connecting ${label}`);
    await waitForSite(label);
  }

  /** Creates a Task with `summary` in `project` and returns the key the popup shows. */
  async function createTask(project, summary) {
    await popup.locator("#new-issue").click();
    await waitVisible(popup, "#create-form", "the create form");
    await waitFor(async () => (await popup.locator(`#project option[value="${project}"]`).count()) === 1, `project ${project} to be listed`);
    await popup.locator("#project").selectOption(project);
    await waitFor(
      async () => (await popup.locator("#issue-type option", { hasText: "Task" }).count()) === 1,
      `the issue types of ${project} to load`,
    );
    await popup.locator("#issue-type").selectOption({ label: "Task" });
    await popup.locator("#summary").fill(summary);
    await popup.locator("#create-submit").click();
    await waitVisible(popup, "#created-link", `the link to the new ${project} issue`);
    const key = await popup.locator("#created-link").textContent();
    await goHome();
    return key;
  }

  /** Waits until `expectedKey` is listed in `#recent-issues` and returns every key listed there. */
  async function recentKeys(expectedKey) {
    await waitVisible(popup, `#recent-issues [data-key="${expectedKey}"]`, `${expectedKey} in the recent issues`);
    return popup.locator("#recent-issues [data-key]").evaluateAll((buttons) => buttons.map((button) => button.dataset.key));
  }

  /** Returns the `defaultSite` of the last `status` reply the native host sent. */
  async function lastStatusDefaultSite() {
    const frames = (await browser.worker.evaluate(() => globalThis.hostFrames)).map((frame) => JSON.parse(frame));
    const statuses = frames.filter((frame) => frame.result?.type === "status");
    assert.ok(statuses.length > 0, "the frame recorder should have seen a status reply");
    return statuses.at(-1).result.defaultSite;
  }

  before(async () => {
    ({ session, page, browser, tab } = await startPopupSession({
      label: "sites",
      pageTitle: PAGE_TITLE,
      startFakes: async () => {
        cloud = await startFakeJira({
          token: cloudToken,
          recordFile: await contractRecordFile("browser-sites-cloud.jsonl"),
        });
        step(`fake Jira (Cloud) at ${cloud.url}`);
        dataCenter = await startFakeJira({
          token: dataCenterToken,
          mode: "datacenter",
          contextPath: "/jira",
          recordFile: await contractRecordFile("browser-sites-datacenter.jsonl"),
        });
        step(`fake Jira (Data Center) at ${dataCenter.url}`);
      },
    }));

    popup = await openPopup();
  });

  after(async () => {
    await closeSession(session, browser, cloud?.stop, dataCenter?.stop, page?.close);
  });

  test("connects Cloud, then adds Data Center", async () => {
    const cloudLabel = siteLabel(cloud.url, "Cloud");
    const dataCenterLabel = siteLabel(dataCenter.url, "Data Center");

    await connect(cloud.url, ACCOUNT_EMAIL, cloudToken, cloudLabel);
    assert.equal(await popup.locator("#site-switcher").isVisible(), false, "the site switcher should stay hidden with one site");
    assert.equal(await lookUpStoredToken(cloud.url, ACCOUNT_EMAIL), cloudToken, "secret-tool should find the Cloud token");

    await popup.locator("#add-site").click();
    await waitVisible(popup, "#connect-form", "the connect form for another site");
    assert.equal(await popup.locator("#connect-cancel").isVisible(), true, "adding a site should offer Cancel");
    assert.equal(await popup.locator("#site-url").inputValue(), "", "the add-site form should start empty");
    // Data Center takes a personal access token and no email.
    await connect(dataCenter.url, "", dataCenterToken, dataCenterLabel);
    assert.equal(
      await lookUpStoredToken(dataCenter.url, DATA_CENTER_ACCOUNT),
      dataCenterToken,
      "secret-tool should find the Data Center token",
    );

    await waitVisible(popup, "#site-switcher", "the site switcher");
    const choices = await popup.locator("#site-switcher option").evaluateAll((options) =>
      options.filter((option) => option.value).map((option) => ({ value: option.value, label: option.textContent })),
    );
    assert.deepEqual(
      choices,
      [
        { value: cloud.url, label: cloudLabel },
        { value: dataCenter.url, label: dataCenterLabel },
      ],
      "the site switcher should list both sites",
    );
    assert.equal(await popup.locator("#site-switcher").inputValue(), dataCenter.url, "the site added last should be in use");
    assert.equal(await lastStatusDefaultSite(), dataCenter.url, "the host's status should name the site added last as default");
  });

  test("requests go to the chosen site", async () => {
    const cloudLabel = siteLabel(cloud.url, "Cloud");
    const dataCenterLabel = siteLabel(dataCenter.url, "Data Center");

    const cloudBefore = (await requestLines(cloud.url)).length;
    const dataCenterKey = await createTask("OPS", "Data Center deploy task");
    assert.equal(dataCenterKey, DATA_CENTER_KEY, `the first OPS Task on the Data Center fake should be ${DATA_CENTER_KEY}`);
    assert.deepEqual(
      (await requestLines(cloud.url)).slice(cloudBefore),
      [],
      "the Cloud fake should get no request while the Data Center site is in use",
    );
    assert.ok(
      (await requestLines(dataCenter.url)).includes("POST /jira/rest/api/2/issue"),
      "the Data Center fake should get the create request",
    );

    await switchTo(cloud.url, cloudLabel);
    const dataCenterBefore = (await requestLines(dataCenter.url)).length;
    const cloudKey = await createTask("WEB", "Cloud checkout task");
    assert.equal(cloudKey, CLOUD_KEY, `the first WEB Task on the Cloud fake should be ${CLOUD_KEY}`);
    assert.deepEqual(
      (await requestLines(dataCenter.url)).slice(dataCenterBefore),
      [],
      "the Data Center fake should get no request after switching to Cloud",
    );
    assert.ok((await requestLines(cloud.url)).includes("POST /rest/api/3/issue"), "the Cloud fake should get the create request");
    assert.equal(await lastStatusDefaultSite(), cloud.url, "the host's status should name the chosen site as default");

    const cloudIssues = (await fakeControl(cloud.url, "issues")).map((issue) => issue.key);
    const dataCenterIssues = (await fakeControl(dataCenter.url, "issues")).map((issue) => issue.key);
    assert.deepEqual(cloudIssues, [CLOUD_KEY], "the Cloud fake should store only the Cloud issue");
    assert.deepEqual(dataCenterIssues, [DATA_CENTER_KEY], "the Data Center fake should store only the Data Center issue");

    await switchTo(dataCenter.url, dataCenterLabel);
  });

  test("recent issues belong to current site", async () => {
    const cloudLabel = siteLabel(cloud.url, "Cloud");

    assert.deepEqual(await recentKeys(DATA_CENTER_KEY), [DATA_CENTER_KEY], "the Data Center site should list only its own issue");

    const dataCenterBefore = (await requestLines(dataCenter.url)).length;
    await switchTo(cloud.url, cloudLabel);
    assert.deepEqual(await recentKeys(CLOUD_KEY), [CLOUD_KEY], "the Cloud site should list only its own issue");
    assert.deepEqual(
      (await requestLines(dataCenter.url)).slice(dataCenterBefore),
      [],
      "the Cloud site's recent issues should not be requested from the Data Center fake",
    );
  });

  test("reopened popup shows last chosen site", async () => {
    const cloudLabel = siteLabel(cloud.url, "Cloud");
    const dataCenterLabel = siteLabel(dataCenter.url, "Data Center");

    // Cloud was chosen last in the test before.
    await reopenPopup();
    await waitForSite(cloudLabel);
    assert.equal(await popup.locator("#site-switcher").inputValue(), cloud.url, "the reopened popup should use Cloud, chosen last");
    assert.equal(await lastStatusDefaultSite(), cloud.url, "the host's status should name Cloud as default");
    assert.deepEqual(await recentKeys(CLOUD_KEY), [CLOUD_KEY], "the reopened popup should list the Cloud issue");

    await switchTo(dataCenter.url, dataCenterLabel);
    await reopenPopup();
    await waitForSite(dataCenterLabel);
    assert.equal(
      await popup.locator("#site-switcher").inputValue(),
      dataCenter.url,
      "the reopened popup should use Data Center, chosen last",
    );
    assert.equal(await lastStatusDefaultSite(), dataCenter.url, "the host's status should name Data Center as default");
    assert.deepEqual(await recentKeys(DATA_CENTER_KEY), [DATA_CENTER_KEY], "the reopened popup should list the Data Center issue");
  });

  test("detected key opens issue with link", async () => {
    const cloudLabel = siteLabel(cloud.url, "Cloud");

    await waitFor(
      async () => (await popup.locator("#detected-keys [data-key]").count()) === 2,
      "both keys in the page title to be listed",
    );
    const detected = await popup.locator("#detected-keys [data-key]").evaluateAll((buttons) => buttons.map((button) => button.dataset.key));
    assert.deepEqual(detected, [CLOUD_KEY, DATA_CENTER_KEY], "the detected keys should be the page title's keys, in order");

    for (const [fakeUrl, key, apiPath] of [
      [dataCenter.url, DATA_CENTER_KEY, `/jira/rest/api/2/issue/${DATA_CENTER_KEY}`],
      [cloud.url, CLOUD_KEY, `/rest/api/3/issue/${CLOUD_KEY}`],
    ]) {
      if (fakeUrl === cloud.url) {
        await switchTo(cloud.url, cloudLabel);
        await waitVisible(popup, `#detected-keys [data-key="${key}"]`, `${key} among the detected keys`);
      }
      await popup.locator(`#detected-keys [data-key="${key}"]`).click();
      await waitVisible(popup, "#issue-view", `the issue view of ${key}`);
      await waitFor(
        async () => (await popup.locator("#issue-heading").textContent()).startsWith(`${key} `),
        `the issue view to show ${key}`,
      );
      assert.equal(
        await popup.locator("#issue-open").getAttribute("href"),
        `${fakeUrl}/browse/${key}`,
        `the open-in-Jira link of ${key} should point at its site's browse page`,
      );
      assert.ok(
        (await requestLines(fakeUrl)).includes(`GET ${apiPath}`),
        `the issue ${key} should be read from its own site's fake`,
      );
      await goHome();
    }
  });

  test("quick actions export and import", async () => {
    await popup.locator("#edit-quick-actions").click();
    await waitVisible(popup, "#quick-action-form", "the quick action editor");
    await popup.locator("#quick-action-name").fill(QUICK_ACTION_NAME);
    await popup.locator("#quick-action-kind").selectOption("logWork");
    await popup.locator("#quick-action-time").fill("15m");
    await popup.locator("#quick-action-save").click();
    // Each row shows the action's name, then a description that may contain another
    // action's name, so rows are matched by the name alone.
    const listedNames = () =>
      popup.locator("#quick-action-list li .row-actions > span").evaluateAll((spans) => spans.map((span) => span.firstChild?.nodeValue));
    await waitFor(async () => (await listedNames()).includes(QUICK_ACTION_NAME), "the saved quick action to be listed");

    await popup.locator("#quick-actions-export").click();
    const exported = await popup.locator("#quick-actions-json").inputValue();
    let file;
    assert.doesNotThrow(() => {
      file = JSON.parse(exported);
    }, `the export should be valid JSON: ${exported}`);
    assert.equal(file.format, "jira-bridge-quick-actions", "the export should name its format");
    assert.equal(file.version, 1, "the export should carry format version 1");
    assert.deepEqual(
      file.actions.map((action) => action.name),
      [QUICK_ACTION_NAME],
      "the export should contain the saved action",
    );
    assert.match(exported, /15m/, "the export should contain the action's time");

    // Text that is not JSON, then JSON that is not an export file: both are rejected with
    // a message, and the saved action stays.
    for (const [text, expected] of [
      ['{"format": "jira-bridge-quick-actions", "actions": [', /not valid JSON/],
      ['{"actions": []}', /not a jira-bridge quick actions file/],
    ]) {
      await popup.locator("#quick-actions-json").fill(text);
      await popup.locator("#quick-actions-import").click();
      await waitVisible(popup, "#error", `the import error for ${text}`);
      const message = await popup.locator("#error").textContent();
      step(`import error: ${message}`);
      assert.match(message, expected, `the import error should say what is wrong with ${text}`);
      assert.deepEqual(await listedNames(), [QUICK_ACTION_NAME], "a failed import should keep exactly the saved action");
      const stored = await browser.worker.evaluate(() => chrome.storage.local.get("quickActions"));
      assert.ok(
        JSON.stringify(stored).includes(QUICK_ACTION_NAME),
        `a failed import should keep the saved action in storage, got ${JSON.stringify(stored)}`,
      );
    }

    // A valid file replaces the actions, so the import button does more than reject.
    const replacement = { ...file, actions: file.actions.map((action) => ({ ...action, name: IMPORTED_ACTION_NAME })) };
    await popup.locator("#quick-actions-json").fill(JSON.stringify(replacement));
    await popup.locator("#quick-actions-import").click();
    await waitFor(async () => (await listedNames()).includes(IMPORTED_ACTION_NAME), "the imported action to be listed");
    assert.equal(await popup.locator("#error").isVisible(), false, `a valid import should show no error: ${await popupError(popup)}`);
    assert.deepEqual(await listedNames(), [IMPORTED_ACTION_NAME], "a valid import should replace the old action");
    await goHome();
    await waitVisible(popup, `#quick-actions button:has-text("${IMPORTED_ACTION_NAME}")`, "the imported action on the home view");
  });

  test("no violations and no token leak", async () => {
    for (const [label, fake] of [
      ["Cloud", cloud],
      ["Data Center", dataCenter],
    ]) {
      assert.deepEqual(await fakeControl(fake.url, "violations"), [], `the ${label} fake should have seen no protocol violations`);
    }

    const { context, worker } = browser;
    const tokens = [cloudToken, dataCenterToken];
    const tokenLabels = new Map([
      [cloudToken, "Cloud token"],
      [dataCenterToken, "Data Center token"],
    ]);
    for (const area of ["local", "sync", "session"]) {
      const stored = JSON.stringify(await worker.evaluate((name) => chrome.storage[name].get(null), area));
      for (const token of tokens) {
        assert.ok(!stored.includes(token), `the ${tokenLabels.get(token)} leaked into chrome.storage.${area}`);
      }
    }
    const frames = await worker.evaluate(() => globalThis.hostFrames);
    assert.equal(
      frames.filter((frame) => frame.includes('"connected"')).length,
      2,
      "the frame recorder should have seen two connected replies",
    );
    for (const token of tokens) {
      assert.ok(!frames.some((frame) => frame.includes(token)), `the native host sent the ${tokenLabels.get(token)} to the extension`);
    }
    step(`no token in chrome.storage or in ${frames.length} frames from the host`);

    // Close Chromium so that it and the host flush their files, then search them.
    await context.close();
    browser = undefined;
    const hostLog = await readFile(join(session.dataHome, "jira-bridge", "host.log"), "utf8");
    assert.ok(hostLog.includes(CLOUD_KEY), "the host log should mention the Cloud issue");
    assert.ok(hostLog.includes(DATA_CENTER_KEY), "the host log should mention the Data Center issue");
    for (const token of tokens) {
      assert.ok(!hostLog.includes(token), `the ${tokenLabels.get(token)} leaked into the host's log file`);
      for (const line of await searchSessionForToken(session, token)) {
        step(`${tokenLabels.get(token)}: ${line}`);
      }
    }
  });
});
