// End-to-end test of every everyday popup action in a real Chromium, on a Cloud site and
// on a Data Center site under the context path /jira. Each mode runs one popup session
// against the real native host, the OS credential store (a private gnome-keyring, see
// run.sh) and the fake Jira, and checks each action's effect through the fake's control
// API. It also runs axe-core on four popup views, walks the create form with the keyboard,
// and checks that the canary token is found nowhere but in the credential store.
//
// Run it with tests/browser/run.sh actions.test.mjs. Set JIRA_BRIDGE_CONTRACT_DIR to keep
// the Jira requests as browser-actions-<mode>.jsonl for tests/contract/validate.py.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import {
  ACCOUNT_EMAIL,
  ROOT,
  UI_TIMEOUT_MS,
  closeSession,
  contractRecordFile,
  fakeControl,
  lookUpStoredToken,
  newCanaryToken,
  openPopupForTab,
  popupError,
  requireFile,
  searchSessionForToken,
  startFakeJira,
  startPopupSession,
  step,
  waitFor,
} from "./support.mjs";

const AXE_SCRIPT = join(ROOT, "tests/browser/node_modules/axe-core/axe.min.js");

// A fresh fake numbers issues from 1, so the Bug this test creates first is WEB-1. The
// page title names it, which is how the quick action on the home view finds its issue.
const FIRST_KEY = "WEB-1";
const PAGE_TITLE = `Pay button broken on Safari, see ${FIRST_KEY}`;
const BUG_SUMMARY = "Pay button does nothing on Safari";
const TASK_SUMMARY = "Keyboard-only task about the pay button";
const COMMENT = "Reproduced on Safari 17.\nThe console shows a TypeError.";
// The web page's background, so the test can tell a screenshot of it from one of the popup.
const PAGE_BACKGROUND = [46, 139, 87];

// Seed data of the fake Jira (tests/fake-jira/src/seed.rs).
const SEVERITY_FIELD = "customfield_10050";
const SEVERITY_MAJOR_ID = "10101";
const STATUS_DONE_ID = "10001";
const RESOLUTION_DONE_ID = "10000";

const MODES = [
  {
    name: "cloud",
    label: "Cloud",
    contextPath: "",
    email: ACCOUNT_EMAIL,
    ownUserId: "5b10ac8d82e05b22cc7d4ef5",
    otherUser: { search: "Jürgen", id: "60a1b2c3d4e5f60718293a4b", displayName: "Jürgen Groß" },
    apiPrefix: "/rest/api/3",
  },
  {
    name: "datacenter",
    label: "Data Center",
    contextPath: "/jira",
    email: "",
    ownUserId: "tester",
    otherUser: { search: "Jürgen", id: "jürgen", displayName: "Jürgen Groß" },
    apiPrefix: "/rest/api/2",
  },
];

/**
 * Runs axe-core in `page` and fails on any finding of serious or critical impact.
 *
 * The popup's content security policy (`script-src 'self'`) blocks the inline script tag
 * that `page.addScriptTag({ content })` would add, so the source is evaluated through the
 * DevTools protocol instead, which the policy does not govern.
 */
async function checkAccessibility(page, view) {
  const source = await readFile(AXE_SCRIPT, "utf8");
  await page.evaluate(source);
  const results = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  const severe = results.violations.filter((violation) => ["serious", "critical"].includes(violation.impact));
  const described = severe.map(
    (violation) =>
      `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`,
  );
  assert.deepEqual(described, [], `axe-core found serious or critical problems in the ${view}`);
  const minor = results.violations.length - severe.length;
  step(`axe-core: no serious or critical findings in the ${view} (${minor} minor or moderate)`);
}

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

/** Returns the Jira requests the fake received with `method` whose path ends with `suffix`. */
async function requestsTo(fakeUrl, method, suffix) {
  return (await fakeControl(fakeUrl, "requests")).filter(
    (request) => request.method === method && request.path.endsWith(suffix),
  );
}

/** Converts Jira duration text such as `1h 30m` to seconds (8-hour days, 5-day weeks). */
function durationSeconds(text) {
  const units = { w: 5 * 8 * 3600, d: 8 * 3600, h: 3600, m: 60 };
  let total = 0;
  for (const part of text.trim().split(/\s+/)) {
    const match = /^(\d+)([wdhm])$/.exec(part);
    assert.ok(match, `${JSON.stringify(text)} should be Jira duration text`);
    total += Number(match[1]) * units[match[2]];
  }
  return total;
}

/** Returns the seconds a stored worklog request logs, from either of Jira's two fields. */
function worklogSeconds(worklog) {
  return typeof worklog.timeSpentSeconds === "number" ? worklog.timeSpentSeconds : durationSeconds(worklog.timeSpent);
}

/** Returns the PNG file inside a recorded multipart/form-data upload. */
function pngFromUpload(request) {
  const body = request.bodyBase64 ? Buffer.from(request.bodyBase64, "base64") : Buffer.from(request.body ?? "", "utf8");
  const start = body.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const end = body.indexOf(Buffer.from("IEND"), start);
  assert.ok(start >= 0, `the upload of ${body.length} bytes should contain a PNG signature`);
  assert.ok(end > start, `the upload of ${body.length} bytes should contain the PNG's IEND chunk`);
  // The IEND chunk ends with its type and a 4-byte CRC.
  return body.subarray(start, end + 8);
}

/**
 * Decodes `png` in `page` and returns its size and the RGBA colour of the pixel at 90 %
 * of its width and height, below the page's text.
 */
async function samplePng(page, png) {
  return page.evaluate(async (dataUrl) => {
    const image = new Image();
    image.src = dataUrl;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const x = Math.floor(image.naturalWidth * 0.9);
    const y = Math.floor(image.naturalHeight * 0.9);
    return { width: image.naturalWidth, height: image.naturalHeight, rgba: Array.from(context.getImageData(x, y, 1, 1).data) };
  }, `data:image/png;base64,${png.toString("base64")}`);
}

/** Returns the ids of the elements that Tab visits from the focused one up to `lastId`. */
async function tabOrder(popup, lastId, maxSteps = 30) {
  const visited = [await popup.evaluate(() => document.activeElement?.id ?? "")];
  while (visited.at(-1) !== lastId && visited.length <= maxSteps) {
    await popup.keyboard.press("Tab");
    visited.push(await popup.evaluate(() => document.activeElement?.id ?? ""));
  }
  return visited;
}

for (const mode of MODES) {
  describe(`popup actions on ${mode.label}`, () => {
    const token = newCanaryToken();
    let session;
    let fake;
    let page;
    let browser;
    let webPage;
    let popup;
    let tab;
    let bugKey;

    before(async () => {
      requireFile(AXE_SCRIPT, "cd tests/browser && npm ci");
      ({ session, page, browser, webPage, tab } = await startPopupSession({
        label: `actions-${mode.name}`,
        stepPrefix: `${mode.label}: `,
        pageTitle: PAGE_TITLE,
        pageOptions: { background: `rgb(${PAGE_BACKGROUND.join(", ")})` },
        startFakes: async () => {
          fake = await startFakeJira({
            token,
            mode: mode.name,
            contextPath: mode.contextPath,
            recordFile: await contractRecordFile(`browser-actions-${mode.name}.jsonl`),
          });
          step(`${mode.label}: fake Jira at ${fake.url}`);
        },
      }));

      popup = await openPopupForTab(browser, tab, `${mode.label}: `);
    });

    after(async () => {
      await closeSession(session, browser, fake?.stop, page?.close);
    });

    test("connect view has no serious axe findings", async () => {
      await waitVisible(popup, "#connect-form", "the connect form");
      await checkAccessibility(popup, "connect view");
    });

    test("connects with pasted site URL and token", async () => {
      // The site URL with a trailing slash, the token with a trailing newline, as they
      // often come from a copy and paste. Data Center takes no email.
      await popup.locator("#site-url").fill(`${fake.url}/`);
      await popup.locator("#email").fill(mode.email);
      await popup.locator("#token").fill(`${token}\n`);
      await popup.locator("#connect-submit").click();

      await waitVisible(popup, "#home", "the home view after connect");
      assert.equal(await popup.locator("#token").inputValue(), "", "the token field should be emptied after connect");
      assert.equal(
        await popup.locator("#site-label").textContent(),
        `${new URL(fake.url).host}${mode.contextPath} (${mode.label})`,
        "the site label should show the site's host, context path and dialect",
      );
      const account = mode.email || mode.ownUserId;
      assert.equal(await lookUpStoredToken(fake.url, account), token, "secret-tool should find the trimmed token under the site URL without the slash");
    });

    test("home view has no serious axe findings", async () => {
      await waitFor(
        async () => (await popup.locator("#detected-keys [data-key]").count()) > 0,
        "the key in the page title to be listed",
      );
      assert.equal(
        await popup.locator("#detected-keys [data-key]").first().getAttribute("data-key"),
        FIRST_KEY,
        "the home view should list the key found in the page title",
      );
      await checkAccessibility(popup, "home view");
    });

    test("creates a Bug once Severity is chosen", async () => {
      await popup.locator("#new-issue").click();
      await waitVisible(popup, "#create-form", "the create form");
      await waitFor(async () => (await popup.locator("#project option").count()) > 1, "the project list to load");
      assert.equal(await popup.locator("#summary").inputValue(), PAGE_TITLE, "the summary should start as the page title");
      assert.equal(await popup.locator("#page-url").inputValue(), page.url, "the page URL should be the tab's URL");

      await popup.locator("#project").selectOption("WEB");
      await waitFor(
        async () => (await popup.locator("#issue-type option", { hasText: "Bug" }).count()) === 1,
        "the issue types of WEB to load",
      );
      await popup.locator("#issue-type").selectOption({ label: "Bug" });
      const severity = popup.locator(`#field-${SEVERITY_FIELD}`);
      await severity.waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      await popup.locator("#field-labels").waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      await checkAccessibility(popup, "create form");

      await popup.locator("#summary").fill(BUG_SUMMARY);
      await popup.locator("#description").fill("Clicking Pay does nothing.");
      await popup.locator("#field-labels").fill("checkout safari");

      // Severity is required and has no default, so the popup must reject the form.
      await popup.locator("#create-submit").click();
      await waitVisible(popup, "#error", "the missing-Severity error");
      assert.match(await popup.locator("#error").textContent(), /Severity/, "the error should name the Severity field");
      assert.equal(await severity.getAttribute("aria-invalid"), "true", "the Severity input should be marked invalid");
      assert.equal(
        await popup.evaluate(() => document.activeElement?.id),
        `field-${SEVERITY_FIELD}`,
        "focus should move to the Severity input",
      );
      assert.deepEqual(await fakeControl(fake.url, "issues"), [], "no issue should reach Jira before Severity is chosen");

      await severity.selectOption({ label: "Major" });
      await popup.locator("#create-submit").click();
      await waitVisible(popup, "#created-link", "the created issue's link");
      bugKey = await popup.locator("#created-link").textContent();
      assert.equal(bugKey, FIRST_KEY, "the first issue of a fresh fake should be WEB-1");

      const issue = await storedIssue(fake.url, bugKey);
      assert.equal(issue.fields.summary, BUG_SUMMARY, "the stored summary should be the typed one");
      assert.equal(issue.fields.issuetype?.id, "10001", `the issue type should be Bug, got ${JSON.stringify(issue.fields.issuetype)}`);
      assert.deepEqual(issue.fields.labels, ["checkout", "safari"], "the labels should be sent as a list");
      assert.equal(
        issue.fields[SEVERITY_FIELD]?.id,
        SEVERITY_MAJOR_ID,
        `Severity should be sent as the option id of Major, got ${JSON.stringify(issue.fields[SEVERITY_FIELD])}`,
      );
    });

    test("create form works from the keyboard", async () => {
      // The form stays open after a create and shows the link. A second issue is filed
      // with the keyboard only, from the summary to the submit button.
      await popup.locator("#issue-type").selectOption({ label: "Task" });
      await waitFor(
        async () => (await popup.locator(`#field-${SEVERITY_FIELD}`).count()) === 0 && (await popup.locator("#field-labels").count()) === 1,
        "the Task create screen to replace the Bug one",
      );
      await popup.locator("#summary").focus();
      await popup.keyboard.press("ControlOrMeta+a");
      await popup.keyboard.type(TASK_SUMMARY);

      const visited = await tabOrder(popup, "create-submit");
      step(`${mode.label}: Tab order ${visited.join(" -> ")}`);
      assert.equal(visited.at(-1), "create-submit", `Tab should reach the submit button, visited ${visited.join(", ")}`);
      const position = (id) => visited.indexOf(id);
      for (const [earlier, later] of [
        ["summary", "description"],
        ["description", "field-labels"],
        ["field-labels", "page-url"],
        ["page-url", "create-submit"],
      ]) {
        assert.ok(position(earlier) >= 0, `Tab should visit #${earlier}, visited ${visited.join(", ")}`);
        assert.ok(position(earlier) < position(later), `Tab should visit #${earlier} before #${later}, visited ${visited.join(", ")}`);
      }
      assert.ok(!visited.includes(""), `every element Tab visits should have an id, visited ${visited.join(", ")}`);

      await popup.keyboard.press("Enter");
      await waitFor(
        async () => (await popup.locator("#created-link").textContent()) !== bugKey,
        "a second created issue after Enter",
      );
      const taskKey = await popup.locator("#created-link").textContent();
      const task = await storedIssue(fake.url, taskKey);
      assert.equal(task.fields.summary, TASK_SUMMARY, "Enter on the submit button should create the typed issue");

      // The first Escape dismisses the "created" notice, the second goes back home.
      await popup.keyboard.press("Escape");
      assert.equal(await popup.locator("#created").isVisible(), false, "Escape should hide the created notice");
      await popup.keyboard.press("Escape");
      await waitVisible(popup, "#home", "the home view after Escape");
    });

    test("searches by text and by JQL and opens the result", async () => {
      await popup.locator("#search").fill("Safari");
      await popup.locator("#search-submit").click();
      const byText = popup.locator(`#search-results [data-key="${bugKey}"]`);
      await waitVisible(popup, `#search-results [data-key="${bugKey}"]`, "the text search result");
      assert.match(await byText.textContent(), /Pay button does nothing/, "the result should show the summary");
      const textSearch = (await requestsTo(fake.url, "GET", "/search/jql")).concat(await requestsTo(fake.url, "GET", "/search"));
      assert.ok(
        textSearch.some((request) => decodeURIComponent(request.query.replace(/\+/g, " ")).includes('text ~ "Safari"')),
        `the words should become a text ~ clause, got ${JSON.stringify(textSearch.map((request) => request.query))}`,
      );

      await popup.locator("#search").fill("project = WEB AND issuetype = Bug");
      await popup.locator("#search-submit").click();
      await waitFor(async () => /1 issues found/.test(await popup.locator("#status").textContent()), "the JQL search to report one issue");
      assert.equal(await popup.locator("#search-results [data-key]").count(), 1, "the JQL should match only the Bug");

      await popup.locator(`#search-results [data-key="${bugKey}"]`).click();
      await waitVisible(popup, "#issue-view", "the issue view");
      await waitFor(async () => (await popup.locator("#issue-heading").textContent()) === `${bugKey} ${BUG_SUMMARY}`, "the issue heading");
      await waitFor(async () => (await popup.locator("#transition option").count()) > 1, "the transitions to load");
      assert.equal(await popup.locator("#issue-open").getAttribute("href"), `${fake.url}/browse/${bugKey}`, "Open in Jira should link the issue");
      await checkAccessibility(popup, "issue view");
    });

    test("adds a comment in the site's format", async () => {
      await popup.locator("#comment-body").fill(COMMENT);
      await popup.locator("#comment-submit").click();
      await waitForDone(popup, /^Comment added to WEB-1\.$/, "the comment to be added");
      assert.equal(await popup.locator("#comment-body").inputValue(), "", "the comment box should be emptied");

      const [comment] = (await storedIssue(fake.url, bugKey)).comments;
      if (mode.name === "cloud") {
        assert.equal(comment?.type, "doc", `a Cloud comment should be an ADF document, got ${JSON.stringify(comment)}`);
        assert.ok(JSON.stringify(comment).includes("Reproduced on Safari 17."), `the ADF should contain the text: ${JSON.stringify(comment)}`);
      } else {
        assert.equal(comment, COMMENT, "a Data Center comment should be the wiki markup string as typed");
      }
    });

    test("applies transitions, one with a required field", async () => {
      await popup.locator("#transition").selectOption({ label: "In Progress" });
      await popup.locator("#transition-submit").click();
      await waitForDone(popup, /^WEB-1 is now In Progress\.$/, "the In Progress transition");
      assert.equal((await storedIssue(fake.url, bugKey)).statusId, "3", "the fake should have the issue In Progress");

      await waitFor(async () => (await popup.locator("#transition option", { hasText: "Resolve" }).count()) === 1, "the transitions to reload");
      await popup.locator("#transition").selectOption({ label: "Resolve → Done" });
      const resolution = popup.locator("#field-resolution");
      await resolution.waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      await popup.locator("#transition-submit").click();
      await waitVisible(popup, "#error", "the missing-Resolution error");
      assert.match(await popup.locator("#error").textContent(), /Resolution/, "the error should name the Resolution field");
      assert.equal((await storedIssue(fake.url, bugKey)).statusId, "3", "the issue should not move before Resolution is chosen");

      await resolution.selectOption({ label: "Done" });
      await popup.locator("#transition-submit").click();
      await waitForDone(popup, /^WEB-1 is now Done\.$/, "the Resolve transition");
      const issue = await storedIssue(fake.url, bugKey);
      assert.equal(issue.statusId, STATUS_DONE_ID, "the fake should have the issue Done");
      assert.deepEqual(issue.fields.resolution, { id: RESOLUTION_DONE_ID }, "the Resolve screen's resolution should be sent");
    });

    test("assigns to me and to a user found by name", async () => {
      const idField = mode.name === "cloud" ? "accountId" : "name";
      await popup.locator("#assign-me").click();
      await waitForDone(popup, /^WEB-1 is assigned to Test User\.$/, "the assign-to-me result");
      assert.deepEqual(
        (await storedIssue(fake.url, bugKey)).fields.assignee,
        { [idField]: mode.ownUserId },
        "the fake should have the issue assigned to the connected account",
      );

      await popup.locator("#assign-user").fill(mode.otherUser.search);
      const choice = popup.locator(`#assign-user-results [data-user-id="${mode.otherUser.id}"]`);
      await waitVisible(popup, `#assign-user-results [data-user-id="${mode.otherUser.id}"]`, "the user picker's match");
      assert.match(await choice.textContent(), /Jürgen Groß/, "the match should show the display name");
      assert.equal(await popup.locator("#assign-user").getAttribute("aria-expanded"), "true", "the picker should say its list is open");
      await choice.click();
      await waitForDone(popup, /^WEB-1 is assigned to Jürgen Groß\.$/, "the assign-to-user result");
      assert.deepEqual(
        (await storedIssue(fake.url, bugKey)).fields.assignee,
        { [idField]: mode.otherUser.id },
        "the fake should have the issue assigned to the picked user",
      );
    });

    test("logs work and leaves the estimate", async () => {
      await popup.locator("#worklog-time").fill("1h 30m");
      await popup.locator("#worklog-estimate").selectOption("leave");
      await popup.locator("#worklog-submit").click();
      await waitForDone(popup, /^Logged 1h 30m on WEB-1\.$/, "the worklog result");

      const [worklog] = (await storedIssue(fake.url, bugKey)).worklogs;
      assert.ok(worklog, "the fake should have one worklog");
      assert.equal(worklogSeconds(worklog), 5400, `the worklog should be 5400 seconds, got ${JSON.stringify(worklog)}`);
      const [request] = await requestsTo(fake.url, "POST", `/issue/${bugKey}/worklog`);
      assert.equal(new URLSearchParams(request.query).get("adjustEstimate"), "leave", `the request should leave the estimate, query ${request.query}`);
    });

    test("links the page once when asked twice", async () => {
      for (const attempt of [1, 2]) {
        await popup.locator("#link-page").click();
        await waitFor(
          async () => (await requestsTo(fake.url, "POST", `/issue/${bugKey}/remotelink`)).length === attempt,
          `remote link request ${attempt}`,
        );
        await waitForDone(popup, /^This page is linked from WEB-1\.$/, `link ${attempt}`);
        await waitFor(async () => !(await popup.locator("#link-page").isDisabled()), "the link button to be enabled again");
      }
      const links = (await storedIssue(fake.url, bugKey)).remoteLinks;
      assert.equal(links.length, 1, `linking twice should leave one remote link, got ${JSON.stringify(links)}`);
      assert.equal(links[0].object?.url, page.url, "the remote link should point at the page");
      assert.equal(links[0].object?.title, PAGE_TITLE, "the remote link should carry the page title");
    });

    test("attaches a screenshot of the page", async () => {
      // captureVisibleTab captures the active tab of the page's window, so that tab must
      // be in front while the popup, opened as a tab here, is clicked.
      await webPage.bringToFront();
      await popup.locator("#attach-screenshot").click();
      const outcome = await waitFor(async () => {
        if (await popup.locator("#error").isVisible()) {
          return { error: await popup.locator("#error").textContent() };
        }
        const done = popup.locator("#issue-done");
        if ((await done.isVisible()) && /^Attached /.test(await done.textContent())) {
          return { done: await done.textContent() };
        }
        return null;
      }, "the screenshot result");
      await popup.bringToFront();

      assert.equal(outcome.error, undefined, `the screenshot should be attached, the popup showed: ${outcome.error}`);
      assert.match(outcome.done, /^Attached screenshot-WEB-1-[-\dT]+\.png \(\d+ KB\) to WEB-1\.$/, "the result should name the file and size");
      const attachments = (await storedIssue(fake.url, bugKey)).attachments;
      assert.equal(attachments.length, 1, `the fake should have one attachment, got ${JSON.stringify(attachments)}`);
      const [[fileName, size]] = attachments;
      assert.match(fileName, /^screenshot-WEB-1-.*\.png$/, "the attachment should be the named PNG");
      assert.ok(size > 1000, `the PNG should not be empty, got ${size} bytes`);

      const [upload] = await requestsTo(fake.url, "POST", `/issue/${bugKey}/attachments`);
      const png = pngFromUpload(upload);
      assert.equal(png.length, size, "the fake's stored size should be the uploaded PNG's");
      const sample = await samplePng(webPage, png);
      step(`${mode.label}: screenshot ${sample.width}x${sample.height}, sampled rgba(${sample.rgba.join(", ")})`);
      assert.deepEqual(sample.rgba, [...PAGE_BACKGROUND, 255], "the screenshot should show the web page, whose background has this colour");
    });

    test("watches then stops watching", async () => {
      const watch = popup.locator("#watch");
      await watch.click();
      await waitForDone(popup, /^You are watching WEB-1\.$/, "the watch result");
      assert.equal(await watch.getAttribute("aria-pressed"), "true", "the watch button should be pressed");
      assert.deepEqual((await storedIssue(fake.url, bugKey)).watchers, [mode.ownUserId], "the account should watch the issue");

      await watch.click();
      await waitForDone(popup, /^You stopped watching WEB-1\.$/, "the unwatch result");
      assert.equal(await watch.getAttribute("aria-pressed"), "false", "the watch button should not be pressed");
      assert.deepEqual((await storedIssue(fake.url, bugKey)).watchers, [], "nobody should watch the issue");
    });

    test("runs a saved quick action", async () => {
      await popup.locator("#back").click();
      await waitVisible(popup, "#home", "the home view");
      await popup.locator("#edit-quick-actions").click();
      await waitVisible(popup, "#quick-action-form", "the quick action editor");
      await popup.locator("#quick-action-name").fill("Log 15m");
      await popup.locator("#quick-action-kind").selectOption("logWork");
      await popup.locator("#quick-action-time").fill("15m");
      await popup.locator("#quick-action-save").click();
      await waitFor(async () => (await popup.locator("#quick-action-list li", { hasText: "Log 15m" }).count()) === 1, "the saved quick action to be listed");

      await popup.locator("#back").click();
      await waitVisible(popup, "#home", "the home view");
      const run = popup.locator("#quick-actions button", { hasText: "Log 15m" });
      await run.waitFor({ state: "visible", timeout: UI_TIMEOUT_MS });
      await run.click();
      await waitForDone(popup, /^Logged 15m on WEB-1\.$/, "the quick action's worklog");

      const worklogs = (await storedIssue(fake.url, bugKey)).worklogs;
      assert.equal(worklogs.length, 2, "the quick action should add a second worklog");
      assert.equal(worklogSeconds(worklogs[1]), 900, `the quick action should log 900 seconds, got ${JSON.stringify(worklogs[1])}`);
    });

    test("no violations and no token leak", async () => {
      assert.deepEqual(await fakeControl(fake.url, "violations"), [], "the fake Jira should have seen no protocol violations");
      const requests = await fakeControl(fake.url, "requests");
      const foreign = requests.filter((request) => request.contextPath !== mode.contextPath || !request.path.startsWith(mode.apiPrefix));
      assert.deepEqual(
        foreign.map((request) => `${request.method} ${request.contextPath}${request.path}`),
        [],
        `every request should use ${mode.contextPath}${mode.apiPrefix}`,
      );
      step(`${mode.label}: ${requests.length} Jira requests, no violations`);

      const { context, worker } = browser;
      for (const area of ["local", "sync", "session"]) {
        const stored = JSON.stringify(await worker.evaluate((name) => chrome.storage[name].get(null), area));
        assert.ok(!stored.includes(token), `the token leaked into chrome.storage.${area}`);
      }
      const frames = await worker.evaluate(() => globalThis.hostFrames);
      assert.ok(frames.some((frame) => frame.includes('"workLogged"')), `the frame recorder should have seen the replies, got ${frames.length} frames`);
      assert.ok(!frames.some((frame) => frame.includes(token)), "the native host sent the token to the extension");

      // Close Chromium so that it and the host flush their files, then search them.
      await context.close();
      browser = undefined;
      const hostLog = await readFile(join(session.dataHome, "jira-bridge", "host.log"), "utf8");
      assert.ok(hostLog.includes(bugKey), "the host log should mention the issue it worked on");
      assert.ok(!hostLog.includes(token), "the token leaked into the host's log file");
      for (const line of await searchSessionForToken(session, token)) {
        step(`${mode.label}: ${line}`);
      }
    });
  });
}
