// Shared e2e plumbing: the dev server as a child process, the browser (E2E_BROWSER: chromium, the default, via
// playwright-core and the system browser, nothing downloaded; firefox or webkit via W3C WebDriver, see
// webdriver.mjs), webhook payloads, DOM recorders and screenshots.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ARTIFACTS = path.join(ROOT, "artifacts", "e2e");
fs.mkdirSync(ARTIFACTS, { recursive: true });

// One free-port finder for the tests and the back end's ops scripts.
export { freePort } from "../../examples/server/ops/services.mjs";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

export function tmpDataFile(tag) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `inbox-e2e-${tag}-`));
  return path.join(dir, "messages.json");
}

// Every child still running, killed (whole process group) if this process exits or is told to stop, so an
// interrupted or timed-out run leaves no server behind.
const live = new Set();
process.on("exit", () => {
  for (const child of live) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});
for (const [sig, n] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]]) process.once(sig, () => process.exit(128 + n));

/** Spawns a child and resolves once `ready(output)` is true. Output goes to artifacts/e2e/<name>.log. */
export function spawnUntil(name, cmd, args, { env, cwd, ready, timeoutMs }) {
  const logFile = path.join(ARTIFACTS, `${name}.log`);
  const out = fs.createWriteStream(logFile, { flags: "a" });
  // detached: the child leads its own process group, so stop() reaches anything it spawned.
  const child = spawn(cmd, args, { cwd: cwd ?? ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const onData = (buf) => {
    output += buf.toString();
    out.write(buf);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  live.add(child);
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  child.exited = exited;
  child.logFile = logFile;
  child.output = () => output;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopProcess(child, "SIGKILL");
      reject(new Error(`${name} did not become ready in ${timeoutMs} ms; log: ${logFile}\n${output.slice(-2000)}`));
    }, timeoutMs);
    const check = () => {
      if (ready(output)) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        child.stderr.off("data", check);
        resolve(child);
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    check(); // ready before any output (a caller that polls the child itself)
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (code ${code}, signal ${signal}); log: ${logFile}\n${output.slice(-2000)}`));
    });
  });
}

/** Stops a child we started (its process group), and waits for it to exit. */
export async function stopProcess(child, signal = "SIGTERM") {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
  const done = await Promise.race([child.exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done && signal !== "SIGKILL") await stopProcess(child, "SIGKILL");
}

/** Starts examples/server/server.js; resolves { child, port, url }. */
export async function startDevServer({ name = "dev-server", port, env = {} } = {}) {
  const child = await spawnUntil(name, process.execPath, ["examples/server/server.js"], {
    env: { PORT: String(port ?? 0), HOST: "127.0.0.1", ...env },
    ready: (out) => /listening on \d+/.test(out),
    timeoutMs: 15_000,
  });
  const real = Number(child.output().match(/listening on (\d+)/)[1]);
  return { child, port: real, url: `http://127.0.0.1:${real}` };
}

/**
 * Serves a built page (e.g. examples/web/dist) on its own port, so it still loads while the dev server is down;
 * the page is told the dev server's URL with `?server=`. Resolves { url, close }.
 */
export async function startStaticServer(dir) {
  const http = await import("node:http");
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
  const srv = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/^\/+/, "") || "index.html";
    const file = path.join(dir, name);
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${srv.address().port}`, close: () => new Promise((resolve) => srv.close(resolve)) };
}

/** Starts `next start` for a built Next.js app (default examples/nextjs) on `port`; resolves { child, url }. */
export async function startNext({ port, distDir = ".next", name = "next-start", dir = path.join(ROOT, "examples", "nextjs") }) {
  const bin = path.join(dir, "node_modules", "next", "dist", "bin", "next");
  const child = await spawnUntil(name, process.execPath, [bin, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: dir,
    env: { NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", NEXT_DIST_DIR: distDir },
    ready: (out) => /Ready in|started server on|Local:/i.test(out),
    timeoutMs: 30_000,
  });
  const url = `http://127.0.0.1:${port}`;
  // "Ready" is printed before the first request is served; wait for a real answer.
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url + "/")).ok) break;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  return { child, url };
}

export async function postJSON(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} -> ${res.status} ${text}`);
  return JSON.parse(text);
}

export const wamid = () => "wamid.E2E" + crypto.randomBytes(10).toString("hex");
export const uniqueRoom = () => "1555" + String(Math.floor(Math.random() * 1e7)).padStart(7, "0");

/** A WhatsApp Cloud API webhook carrying one inbound text from `roomId`. */
export function textWebhook(roomId, text, { id = wamid(), name = "E2E Customer" } = {}) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "E2E-WABA",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550000000", phone_number_id: "E2E-PHONE" },
              contacts: [{ profile: { name }, wa_id: roomId }],
              messages: [{ from: roomId, id, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }],
            },
          },
        ],
      },
    ],
  };
}

/** The original inbox's test-plan webhook, byte for byte as ORIGINAL-INBOX.md ("Testing", step 2) gives it. */
export const TEST_PLAN_WEBHOOK = fs.readFileSync(path.join(ROOT, "tests", "e2e", "fixtures", "test-plan-webhook.json"), "utf8");

/** POSTs a body as it is (no re-serialising), as Postman would. */
export async function postRaw(url, text) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: text });
  const body = await res.text();
  if (!res.ok) throw new Error(`POST ${url} -> ${res.status} ${body}`);
  return JSON.parse(body);
}

export const sendWebhook = (server, roomId, text, opts) => postJSON(`${server.url}/webhook/whatsapp`, textWebhook(roomId, text, opts));

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

/** Closes the browser, giving up after 10 s (a wedged browser must not hang the run). */
export async function closeBrowser(browser) {
  if (!browser) return;
  await Promise.race([browser.close().catch(() => {}), sleep(10_000)]);
}

/** The engine the e2e tests run in: chromium (default), firefox or webkit. */
export const ENGINE = process.env.E2E_BROWSER ?? "chromium";

/** Launches ENGINE; `browser.label` names the browser and its version. */
export async function launchBrowser() {
  if (ENGINE !== "chromium") {
    const { launchWebDriverBrowser } = await import("./webdriver.mjs");
    return launchWebDriverBrowser(ENGINE);
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS, headless: true });
  browser.label = `chromium ${browser.version()}`;
  return browser;
}

/** The desktop viewport of every scenario, and a phone's (iPhone 12–15 class: 390 × 844 CSS px, touch). */
export const DESKTOP = { viewport: { width: 1100, height: 720 } };
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/**
 * A fresh page that records what must never happen: uncaught page errors and
 * dialogs (alert/confirm/prompt, e.g. from injected markup). `problems.logs`
 * holds every console line (the `debug` option's lines among them).
 */
export async function openPage(browser, url, device = DESKTOP) {
  if (browser.openPage) return browser.openPage(url, device); // WebDriver engines (webdriver.mjs)
  const context = await browser.newContext(device);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = { pageErrors: [], dialogs: [], console: [], logs: [] };
  page.on("pageerror", (err) => problems.pageErrors.push(String(err?.stack ?? err)));
  page.on("dialog", (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.console.push(msg.text());
    problems.logs.push(msg.text());
  });
  await page.goto(url, { waitUntil: "load" });
  return { context, page, problems };
}

export const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

export const connDot = (page) => page.getByTestId("conn-dot");

export async function waitConnected(page, timeout = 15_000) {
  await page.waitForSelector('[data-testid="conn-dot"][data-status="connected"]', { timeout });
}

/** Locator for the messages whose text is exactly `text`. */
export const messagesWithText = (page, text) =>
  page.getByTestId("message").filter({ has: page.getByTestId("message-text").getByText(text, { exact: true }) });

/**
 * Installs a MutationObserver that snapshots, on every DOM change, how many
 * messages show `text` and their statuses; read it back with readRecorder.
 */
export async function recordMessage(page, text) {
  await page.evaluate((text) => {
    const rec = (window.__e2eRec ??= {});
    const entry = (rec[text] = { counts: [], statuses: [] });
    const snap = () => {
      const items = [...document.querySelectorAll('[data-testid="message"]')].filter(
        (el) => el.querySelector('[data-testid="message-text"]')?.textContent === text,
      );
      entry.counts.push(items.length);
      for (const el of items) {
        const s = el.getAttribute("data-status");
        if (entry.statuses.at(-1) !== s) entry.statuses.push(s);
      }
    };
    new MutationObserver(snap).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }, text);
}

export const readRecorder = (page, text) => page.evaluate((text) => window.__e2eRec?.[text], text);

/** Delays the page's POST /api/messages (the agent send) so the optimistic state is observable. */
export async function delaySends(page, ms) {
  if (page.delayPosts) return page.delayPosts(ms); // WebDriver engines: no request interception, done in the page
  await page.route("**/api/messages*", async (route) => {
    if (route.request().method() === "POST") await sleep(ms);
    await route.continue();
  });
}

/** Every record of one object store ("entries": the outbox, "rooms": saved conversations) of the page's database. */
export const savedRecords = (page, store) =>
  page.evaluate(
    (store) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("inbox-realtime-outbox");
        open.onsuccess = () => {
          const all = open.result.transaction(store).objectStore(store).getAll();
          all.onsuccess = () => resolve(all.result);
          all.onerror = () => reject(all.error);
        };
        open.onerror = () => reject(open.error);
      }),
    store,
  );

/** Writes a record into one object store of the page's database (e.g. a corrupt one). */
export const saveRecord = (page, store, record) =>
  page.evaluate(
    ([store, record]) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("inbox-realtime-outbox");
        open.onsuccess = () => {
          const tx = open.result.transaction(store, "readwrite");
          tx.objectStore(store).put(record);
          tx.oncomplete = () => resolve(undefined);
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
    [store, record],
  );

export async function assertNoProblems(assert, problems, { allowDialogs = false } = {}) {
  await problems.refresh?.(); // WebDriver engines read what the page recorded
  assert.deepEqual(problems.pageErrors, [], "uncaught errors in the page");
  if (!allowDialogs) assert.deepEqual(problems.dialogs, [], "unexpected dialogs");
}
