// End-to-end tests of four popup flows in a real Chromium on a Cloud site. They cover a
// search for a key that does not exist, a quick action run from the issue view, Reconnect
// after the token was deleted from the OS credential store, and the Disconnect
// confirmation. One popup session runs them in order against the real native host, the OS credential store
// (a private gnome-keyring, see run.sh) and the fake Jira, and then checks that the canary
// token is found nowhere but in the credential store.
//
// Run it with tests/browser/run.sh flows.test.mjs. Set JIRA_BRIDGE_CONTRACT_DIR to keep
// the Jira requests as browser-flows-cloud.jsonl for tests/contract/validate.py.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";

import {
  ACCOUNT_EMAIL,
  CHROMIUM_EXTENSION_ID,
  UI_TIMEOUT_MS,
  closeSession,
  contractRecordFile,
  fakeControl,
  lookUpStoredToken,
  newCanaryToken,
  openPopupForTab,
  popupError,
  recordHostFrames,
  searchSessionForToken,
  startFakeJira,
  startPopupSession,
  step,
  waitFor,
} from "./support.mjs";

const execFileAsync = promisify(execFile);

// A fresh fake numbers issues from 1, so the two Tasks created first are WEB-1 and WEB-2.
// The page title names WEB-2, so a quick action run on the home view would act on WEB-2:
// the one run from the issue view of WEB-1 must act on WEB-1 instead.
const FIRST_KEY = "WEB-1";
const SECOND_KEY = "WEB-2";
const PAGE_TITLE = `Checkout fails again, see ${SECOND_KEY}`;
const MISSING_KEY = "NOPE-999";

// Transition of the fake Jira (tests/fake-jira/src/seed.rs) whose screen requires a
// resolution.
const RESOLVE_TRANSITION_ID = "41";

/** Waits until `selector` is visible. The timeout error includes the popup's error text. */
async function waitVisible(popup, selector, what) {
  await popup
    .locator(selector)
    .waitFor({ state: "visible", timeout: UI_TIMEOUT_MS })
    .catch(async (error) => {
      throw new Error(`${what} did not appear: ${await popupError(popup)} (${error.message})`);
    });
}

/** Waits for the issue view's result line to match `pattern` and returns its text. */
async function waitForDone(popup, pattern, what) {
  const done = popup.locator("#issue-done");
  try {
    return await waitFor(async () => {
      if (!(await done.isVisible())) {
        return null;
      }
      const text = await done.textContent();
      return pattern.test(text) ? text : null;
    }, what);
  } catch (error) {
    const shown = (await done.isVisible()) ? await done.textContent() : "(hidden)";
    throw new Error(`${error.message}. The result line shows ${JSON.stringify(shown)}, the error line ${JSON.stringify(await popupError(popup))}`);
  }
}

/** Returns the fake's stored issue with `key`. */
async function storedIssue(fakeUrl, key) {
  const issue = (await fakeControl(fakeUrl, "issues")).find((candidate) => candidate.key === key);
  assert.ok(issue, `the fake Jira should have an issue ${key}`);
  return issue;
}

/** Returns `method path` of every Jira request the fake received, in order. */
async function requestLines(fakeUrl) {
  return (await fakeControl(fakeUrl, "requests")).map((request) => `${request.method} ${request.path}`);
}

/** Returns the seconds a stored worklog logs, from either of Jira's two fields. */
function worklogSeconds(worklog) {
  if (typeof worklog.timeSpentSeconds === "number") {
    return worklog.timeSpentSeconds;
  }
  const match = /^(\d+)m$/.exec(String(worklog.timeSpent).trim());
  assert.ok(match, `the worklog should give its time in seconds or minutes, got ${JSON.stringify(worklog)}`);
  return Number(match[1]) * 60;
}

/**
 * Returns the ids of the running native host processes of this session: the processes
 * that run a jira-bridge-host binary with HOME set to the session's HOME.
 */
async function sessionHostProcesses(session) {
  const pids = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const executable = await readlink(`/proc/${name}/exe`);
      if (!executable.includes("jira-bridge-host")) {
        continue;
      }
      const environment = (await readFile(`/proc/${name}/environ`, "utf8")).split("\0");
      if (environment.includes(`HOME=${session.home}`)) {
        pids.push(Number(name));
      }
    } catch {
      // The process ended while the loop read it, or belongs to another user.
    }
  }
  return pids;
}

/** Deletes the token of `siteUrl` from the Secret Service with `secret-tool`. */
async function clearStoredToken(siteUrl, account) {
  await execFileAsync("secret-tool", ["clear", "service", `jira-bridge ${siteUrl}`, "username", account], { timeout: 10_000 });
}

describe("popup flows on Cloud", () => {
  const token = newCanaryToken();
  let session;
  let fake;
  let page;
  let browser;
  let tab;
  let popup;
  // Frames the host sent before the service worker restarted. The recorder starts over then.
  const framesBeforeRestart = [];

  /** Opens popup.html for the web page's tab in a new tab and returns it. */
  async function openPopup() {
    return openPopupForTab(browser, tab);
  }

  /** Opens `key` by typing it into the home view's search box. */
  async function openBySearch(key) {
    await popup.locator("#search").fill(key);
    await popup.locator("#search-submit").click();
    await waitVisible(popup, "#issue-view", `the issue view of ${key}`);
    await waitFor(
      async () => (await popup.locator("#issue-heading").textContent()).startsWith(`${key} `),
      `the issue view to show ${key}`,
    );
  }

  /** Waits until the transition list of the open issue is loaded and enabled. */
  async function waitForTransitions() {
    await waitFor(
      async () => (await popup.locator("#transition").isEnabled()) && (await popup.locator("#transition option").count()) > 1,
      "the transitions to load",
    );
  }

  async function goHome() {
    await popup.locator("#back").click();
    await waitVisible(popup, "#home", "the home view");
  }

  before(async () => {
    ({ session, page, browser, tab } = await startPopupSession({
      label: "flows",
      pageTitle: PAGE_TITLE,
      startFakes: async () => {
        fake = await startFakeJira({
          token,
          recordFile: await contractRecordFile("browser-flows-cloud.jsonl"),
        });
        step(`fake Jira (Cloud) at ${fake.url}`);
      },
    }));

    popup = await openPopup();
  });

  after(async () => {
    await closeSession(session, browser, fake?.stop, page?.close);
  });

  test("connects and creates two issues", async () => {
    await waitVisible(popup, "#connect-form", "the connect form");
    await popup.locator("#site-url").fill(fake.url);
    await popup.locator("#email").fill(ACCOUNT_EMAIL);
    await popup.locator("#token").fill(token);
    await popup.locator("#connect-submit").click();
    await waitVisible(popup, "#home", "the home view after connect");
    assert.equal(await lookUpStoredToken(fake.url, ACCOUNT_EMAIL), token, "secret-tool should find the token after connect");

    for (const [key, summary] of [
      [FIRST_KEY, "First checkout task"],
      [SECOND_KEY, "Second checkout task"],
    ]) {
      await popup.locator("#new-issue").click();
      await waitVisible(popup, "#create-form", "the create form");
      await waitFor(async () => (await popup.locator("#project option").count()) > 1, "the project list to load");
      await popup.locator("#project").selectOption("WEB");
      await waitFor(
        async () => (await popup.locator("#issue-type option", { hasText: "Task" }).count()) === 1,
        "the issue types of WEB to load",
      );
      await popup.locator("#issue-type").selectOption({ label: "Task" });
      await popup.locator("#summary").fill(summary);
      await popup.locator("#create-submit").click();
      await waitVisible(popup, "#created-link", `the link to ${key}`);
      assert.equal(await popup.locator("#created-link").textContent(), key, `the issue "${summary}" should be ${key}`);
      await goHome();
    }
  });

  test("missing key shows search error", async () => {
    // Open WEB-1 and choose Resolve, whose screen adds a required field, so the issue view
    // keeps state that must not carry over to the next issue.
    await openBySearch(FIRST_KEY);
    await waitForTransitions();
    await popup.locator("#transition").selectOption(RESOLVE_TRANSITION_ID);
    await waitFor(
      async () => (await popup.locator("#transition-fields :is(input, select, textarea)").count()) > 0,
      "the Resolve screen's required field",
    );
    await goHome();

    const requestsBefore = (await requestLines(fake.url)).length;
    await popup.locator("#search").fill(MISSING_KEY);
    await popup.locator("#search-submit").click();
    await waitVisible(popup, "#search-error", "the search error");
    const message = await popup.locator("#search-error").textContent();
    step(`search error for ${MISSING_KEY}: ${message}`);
    assert.match(message, /does not exist/, "the search error should say that the issue does not exist");
    assert.ok(message.includes(MISSING_KEY), `the search error should name ${MISSING_KEY}: ${message}`);
    assert.equal(await popup.locator("#home").isVisible(), true, "the home view should stay open");
    assert.equal(await popup.locator("#issue-view").isVisible(), false, "the issue view should not open");
    assert.equal(await popup.locator("#error").isVisible(), false, "the error should show under the search box, not in #error");
    assert.equal(await popup.locator("#reconnect").isVisible(), false, "a missing issue should not offer Reconnect");

    const missingRequests = (await requestLines(fake.url)).slice(requestsBefore);
    assert.deepEqual(
      missingRequests,
      [`GET /rest/api/3/issue/${MISSING_KEY}`],
      "the popup should request only the missing issue, and none of its transitions",
    );

    await openBySearch(SECOND_KEY);
    await waitForTransitions();
    assert.equal(await popup.locator("#search-error").isVisible(), false, "opening an issue should hide the old search error");
    assert.equal(await popup.locator("#transition").inputValue(), "", "no transition should be chosen on the newly opened issue");
    assert.equal(
      await popup.locator("#transition-fields :is(input, select, textarea)").count(),
      0,
      "the Resolve field chosen on WEB-1 should not show on WEB-2",
    );
    const transitionRequests = (await requestLines(fake.url)).filter((line) => line.endsWith("/transitions"));
    assert.equal(
      transitionRequests.at(-1),
      `GET /rest/api/3/issue/${SECOND_KEY}/transitions`,
      "the transitions shown should be the ones requested for WEB-2",
    );
    await goHome();
  });

  test("issue quick action logs on open issue", async () => {
    await popup.locator("#edit-quick-actions").click();
    await waitVisible(popup, "#quick-action-form", "the quick action editor");
    await popup.locator("#quick-action-name").fill("Log 15m");
    await popup.locator("#quick-action-kind").selectOption("logWork");
    await popup.locator("#quick-action-time").fill("15m");
    await popup.locator("#quick-action-save").click();
    await waitFor(
      async () => (await popup.locator("#quick-action-list li", { hasText: "Log 15m" }).count()) === 1,
      "the saved quick action to be listed",
    );
    await goHome();

    // The home view's quick actions would act on WEB-2, the key in the page title.
    assert.match(
      await popup.locator("#quick-actions-target").textContent(),
      new RegExp(SECOND_KEY),
      "the home view should name the page's issue as the target",
    );

    await openBySearch(FIRST_KEY);
    const run = popup.locator("#issue-quick-actions button", { hasText: "Log 15m" });
    await run.waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
    await run.click();
    await waitForDone(popup, new RegExp(`^Logged 15m on ${FIRST_KEY}\\.$`), "the quick action's worklog");

    const worklogs = (await storedIssue(fake.url, FIRST_KEY)).worklogs;
    assert.equal(worklogs.length, 1, `${FIRST_KEY} should have one worklog`);
    assert.equal(worklogSeconds(worklogs[0]), 900, `the worklog should be 900 seconds, got ${JSON.stringify(worklogs[0])}`);
    assert.deepEqual((await storedIssue(fake.url, SECOND_KEY)).worklogs, [], `${SECOND_KEY} should have no worklog`);
  });

  test("reconnect after token deleted", async () => {
    await clearStoredToken(fake.url, ACCOUNT_EMAIL);
    assert.equal(await lookUpStoredToken(fake.url, ACCOUNT_EMAIL), null, "secret-tool clear should delete the token");

    // The host keeps the token it read for its process's life, so it must restart. The
    // background keeps its port open while its service worker runs, and an open native
    // port keeps the worker running. Stopping the worker through the DevTools protocol
    // closes the port, and the host exits when its stdin closes.
    await popup.close();
    const hostsBefore = await sessionHostProcesses(session);
    assert.equal(hostsBefore.length, 1, `one native host should run, found ${JSON.stringify(hostsBefore)}`);
    framesBeforeRestart.push(...(await browser.worker.evaluate(() => globalThis.hostFrames)));

    const cdpPage = browser.context.pages()[0];
    const cdp = await browser.context.newCDPSession(cdpPage);
    try {
      await cdp.send("ServiceWorker.enable");
      await cdp.send("ServiceWorker.stopAllWorkers");
      await waitFor(
        async () => !(await sessionHostProcesses(session)).includes(hostsBefore[0]),
        `the native host ${hostsBefore[0]} to exit after the service worker stopped`,
      );
      await cdp.send("ServiceWorker.startWorker", { scopeURL: `chrome-extension://${CHROMIUM_EXTENSION_ID}/` });
    } finally {
      await cdp.detach();
    }
    // Playwright's handle reaches the restarted worker, whose globals start empty.
    await recordHostFrames(browser.worker);
    step(`native host ${hostsBefore[0]} exited after the service worker stopped`);

    popup = await openPopup();
    await waitVisible(popup, "#reconnect", "the Reconnect button");
    const hostsAfter = await sessionHostProcesses(session);
    assert.equal(hostsAfter.length, 1, `one new native host should run, found ${JSON.stringify(hostsAfter)}`);
    assert.notEqual(hostsAfter[0], hostsBefore[0], "the popup should talk to a new host process");
    const message = await popup.locator("#error").textContent();
    step(`notConnected message: ${message}`);
    assert.ok(message.includes(ACCOUNT_EMAIL), `the message should name the account: ${message}`);
    assert.ok(message.includes(fake.url), `the message should name the site: ${message}`);

    await popup.locator("#reconnect").click();
    await waitVisible(popup, "#connect-form", "the connect form after Reconnect");
    assert.equal(await popup.locator("#site-url").inputValue(), fake.url, "Reconnect should fill in the site URL");
    assert.equal(await popup.locator("#email").inputValue(), ACCOUNT_EMAIL, "Reconnect should fill in the email");
    assert.equal(await popup.locator("#token").inputValue(), "", "Reconnect should leave the token empty");
    assert.equal(await popup.locator("#error").isVisible(), false, "the connect form should open without the old error");

    await popup.locator("#token").fill(token);
    await popup.locator("#connect-submit").click();
    await waitVisible(popup, "#home", "the home view after reconnect");
    await waitVisible(popup, `#recent-issues [data-key="${FIRST_KEY}"]`, "the recent issues read with the new token");
    assert.equal(await popup.locator("#error").isVisible(), false, `no error should show after reconnect: ${await popupError(popup)}`);
    assert.equal(await popup.locator("#reconnect").isVisible(), false, "Reconnect should hide after reconnect");
    assert.equal(await lookUpStoredToken(fake.url, ACCOUNT_EMAIL), token, "secret-tool should find the token again");
  });

  test("disconnect asks before deleting token", async () => {
    const siteLabel = `${new URL(fake.url).host} (Cloud)`;
    await popup.locator("#disconnect").click();
    await waitVisible(popup, "#disconnect-confirm", "the disconnect confirmation");
    const question = await popup.locator("#disconnect-confirm").textContent();
    assert.ok(question.includes(siteLabel), `the confirmation should name ${siteLabel}: ${question}`);
    assert.ok(question.includes(ACCOUNT_EMAIL), `the confirmation should name the account: ${question}`);
    assert.equal(
      await popup.evaluate(() => document.activeElement?.id),
      "disconnect-cancel",
      "Cancel should take the focus, so Enter keeps the token",
    );

    await popup.locator("#disconnect-cancel").click();
    await popup.locator("#disconnect-confirm").waitFor({ state: "hidden", timeout: UI_TIMEOUT_MS });
    assert.equal(await popup.locator("#home").isVisible(), true, "Cancel should keep the home view");
    assert.equal(await lookUpStoredToken(fake.url, ACCOUNT_EMAIL), token, "Cancel should keep the token in the credential store");

    await popup.locator("#disconnect").click();
    await waitVisible(popup, "#disconnect-confirm", "the disconnect confirmation");
    await popup.locator("#disconnect-confirm-yes").click();
    const status = await waitFor(async () => {
      const text = await popup.locator("#status").textContent();
      return text.startsWith("Disconnected") ? text : null;
    }, "the disconnect message");
    step(`disconnect message: ${status}`);
    assert.ok(status.includes(siteLabel), `the message should name ${siteLabel}: ${status}`);
    assert.equal(await lookUpStoredToken(fake.url, ACCOUNT_EMAIL), null, "secret-tool should find no token after disconnect");
    await waitVisible(popup, "#connect-form", "the connect form with no site left");
  });

  test("no violations and no token leak", async () => {
    assert.deepEqual(await fakeControl(fake.url, "violations"), [], "the fake Jira should have seen no protocol violations");

    const { context, worker } = browser;
    for (const area of ["local", "sync", "session"]) {
      const stored = JSON.stringify(await worker.evaluate((name) => chrome.storage[name].get(null), area));
      assert.ok(!stored.includes(token), `the token leaked into chrome.storage.${area}`);
    }
    const frames = [...framesBeforeRestart, ...(await worker.evaluate(() => globalThis.hostFrames))];
    for (const reply of ['"workLogged"', '"connected"', '"disconnected"']) {
      assert.ok(frames.some((frame) => frame.includes(reply)), `the frame recorder should have seen a ${reply} reply`);
    }
    assert.ok(!frames.some((frame) => frame.includes(token)), "the native host sent the token to the extension");
    step(`no token in chrome.storage or in ${frames.length} frames from the host`);

    // Close Chromium so that it and the host flush their files, then search them.
    await context.close();
    browser = undefined;
    const hostLog = await readFile(join(session.dataHome, "jira-bridge", "host.log"), "utf8");
    assert.ok(hostLog.includes(FIRST_KEY), "the host log should mention the issue it worked on");
    assert.ok(!hostLog.includes(token), "the token leaked into the host's log file");
    for (const line of await searchSessionForToken(session, token)) {
      step(line);
    }
  });
});
