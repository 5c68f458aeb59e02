// Opens the jira-bridge popup page repeatedly in headless Chromium with the real
// extension and native host. It prints one JSON report on stdout with two marks per open:
// the milliseconds from navigation start until the host's status was shown, and until the
// projects list was drawn. `jira-bridge-bench popup` runs it after setting up the fake
// Jira, the host's settings and the host manifest in the profile.
//
// Environment: BENCH_EXTENSION_DIR (the built extension), BENCH_PROFILE_DIR (a Chromium
// user-data-dir holding NativeMessagingHosts/), BENCH_PLAYWRIGHT_DIR (a folder whose
// node_modules has playwright-core), BENCH_OPENS (how many opens).
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const EXTENSION_ID = "anpegadfdelagnlbdnaabihagcgccfgl";
const OPEN_TIMEOUT_MS = 20_000;

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set; run this script through jira-bridge-bench popup`);
  }
  return value;
}

const extensionDir = required("BENCH_EXTENSION_DIR");
const profileDir = required("BENCH_PROFILE_DIR");
const require = createRequire(join(resolve(required("BENCH_PLAYWRIGHT_DIR")), "package.json"));
const { chromium } = require("playwright-core");
const opens = Number(required("BENCH_OPENS"));

// Runs in the popup before its own scripts: records performance.now() (milliseconds
// since navigation start) when the loading screen is hidden, because the host's status
// arrived, and when the project picker is enabled with projects in it.
function recordMarks() {
  const marks = {};
  window.__jiraBridgeBench = marks;
  const check = () => {
    const loading = document.getElementById("loading");
    if (marks.statusShown === undefined && loading && loading.hidden) {
      marks.statusShown = performance.now();
    }
    const project = document.getElementById("project");
    if (marks.projectsDrawn === undefined && project && !project.disabled && project.options.length > 1) {
      marks.projectsDrawn = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
}

/** Returns what the popup shows, for a failure message. */
async function describePage(page) {
  return page
    .evaluate(() => {
      const visible = [...document.querySelectorAll("main > section, main > form")].filter((node) => !node.hidden);
      const project = document.getElementById("project");
      return JSON.stringify({
        marks: window.__jiraBridgeBench ?? "the mark script did not run",
        visible: visible.map((node) => node.id),
        status: document.getElementById("status")?.textContent,
        error: document.getElementById("error")?.textContent,
        projectOptions: project?.options.length,
        projectDisabled: project?.disabled,
      });
    })
    .catch((error) => `unreadable (${error.message})`);
}

const context = await chromium.launchPersistentContext(profileDir, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    `--disable-extensions-except=${extensionDir}`,
    `--load-extension=${extensionDir}`,
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

try {
  await context.addInitScript(recordMarks);
  if (context.serviceWorkers().length === 0) {
    await context.waitForEvent("serviceworker", { timeout: OPEN_TIMEOUT_MS });
  }

  const results = [];
  for (let index = 0; index < opens; index += 1) {
    const page = await context.newPage();
    // `?view=create` opens the create form, which lists the projects, instead of home.
    await page.goto(`chrome-extension://${EXTENSION_ID}/popup.html?view=create`);
    try {
      await page.waitForFunction(
        () => window.__jiraBridgeBench?.projectsDrawn !== undefined || !document.getElementById("error").hidden,
        null,
        { timeout: OPEN_TIMEOUT_MS, polling: 50 },
      );
    } catch (error) {
      throw new Error(`open ${index + 1} did not draw the projects: ${error.message}\npage state: ${await describePage(page)}`);
    }
    const marks = await page.evaluate(() => ({
      ...window.__jiraBridgeBench,
      error: document.getElementById("error").hidden ? null : document.getElementById("error").textContent,
    }));
    await page.close();
    if (marks.error) {
      throw new Error(`open ${index + 1} showed an error instead of the projects: ${marks.error}`);
    }
    results.push(marks);
  }
  process.stdout.write(`${JSON.stringify({ opens: results })}\n`);
} finally {
  await context.close();
}
