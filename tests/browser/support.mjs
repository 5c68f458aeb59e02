// Helpers shared by the browser end-to-end tests: paths of the built parts, the fake Jira
// and a test web page as child servers, the canary search over files, and the OS
// credential store lookup. Nothing here talks to any host but 127.0.0.1.

import { spawn, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

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
 * Starts `fake-jira serve` (Cloud dialect) on 127.0.0.1 with a free port and returns
 * `{ url, process, stop, stderr }`. The fake exits when its stdin closes, so it dies with
 * the test process even when the test runner is killed.
 */
export async function startFakeJira({ token, email = ACCOUNT_EMAIL, recordFile }) {
  const args = ["serve", "--mode", "cloud", "--port", "0", "--email", email, "--token", token, "--exit-on-stdin-close"];
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

/** Reads one of the fake Jira's control endpoints, such as `issues` or `violations`. */
export async function fakeControl(fakeUrl, name) {
  const response = await fetch(`${fakeUrl}/__fake/${name}`);
  if (!response.ok) {
    throw new Error(`GET ${fakeUrl}/__fake/${name} failed with HTTP ${response.status}`);
  }
  return response.json();
}

/**
 * Serves one HTML page with the given title on 127.0.0.1 and returns `{ url, close }`.
 * It plays the web page a person files an issue about.
 */
export async function startPageServer(title) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><h1>${title}</h1><p>The pay button does nothing in Safari 17.</p></body></html>`;
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
