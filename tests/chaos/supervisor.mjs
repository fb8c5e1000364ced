// Chaos soak test: a real Socket.IO server (the dev server, tests/chaos/server.mjs) gets N customer messages for
// one room at a steady rate while this supervisor kills (SIGKILL) and restarts it K times, black-holes the
// connection (TCP proxy stops forwarding without closing: only the heartbeat notices) and drops it. The server keeps
// its messages across restarts (DATA_FILE), so the store's resync can load what the browser missed. A headless
// Chromium page (tests/chaos/page/) runs the built package: SocketClient + MessageStore + resync, and sends through
// the outbox (kept in IndexedDB with the room's copy) at random moments, some during outages, some just before the
// page is reloaded (the reloaded page shows the room from its copy, resyncs it and resumes the saved sends).
//
// At the end (server up, quiet) the page's store must hold exactly the server's messages for the room: N incoming
// plus every send, in the server's order, none twice; every send on the server exactly once, none reported failed.
//
//   node tests/chaos/supervisor.mjs            (or: bash scripts/chaos.sh)
//
// Environment: CHAOS_N (300), CHAOS_RATE (50 msg/s), CHAOS_K restarts (3), CHAOS_BLACKHOLES (1), CHAOS_DROPS (1),
// CHAOS_RELOADS (2: page reloads right after a send; with any, one more while the server is down),
// CHAOS_SENDS (random optimistic sends besides one per outage; default N/30), CHAOS_SEED (random),
// CHAOS_RECOVERY=1 (server with connection state recovery), CHAOS_PING_INTERVAL_MS / CHAOS_PING_TIMEOUT_MS
// (1000 / 1000), CHAOS_TIMEOUT_S (whole run, default 100 + N/RATE*2), CHROMIUM_PATH (/usr/bin/chromium),
// CHAOS_WORKAROUNDS=since,join (diagnostics only: app-side workarounds for known client bugs, see page.js).
// Exit code 0 only if lost = 0, duplicated = 0, nothing unexpected in the store, the order matches, every send was
// resolved and every cycle was survived. A JSON report goes to artifacts/chaos/.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { createProxy } from "./proxy.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const HERE = path.join(ROOT, "tests", "chaos");
const ARTIFACTS = path.join(ROOT, "artifacts", "chaos");
const env = process.env;
const int = (name, dflt) => (env[name] === undefined || env[name] === "" ? dflt : Number(env[name]));

const N = int("CHAOS_N", 300);
const RATE = int("CHAOS_RATE", 50);
const K = int("CHAOS_K", 3);
const BLACKHOLES = int("CHAOS_BLACKHOLES", 1);
const DROPS = int("CHAOS_DROPS", 1);
const RELOADS = int("CHAOS_RELOADS", 2);
const SENDS = int("CHAOS_SENDS", Math.max(5, Math.round(N / 30)));
const SEED = int("CHAOS_SEED", Math.floor(Math.random() * 2 ** 31));
const RECOVERY = env.CHAOS_RECOVERY === "1";
// Diagnostics only (see page.js): comma list of app-side workarounds for known client bugs, e.g. "since,join".
const WORKAROUNDS = (env.CHAOS_WORKAROUNDS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const PING_INTERVAL = int("CHAOS_PING_INTERVAL_MS", 1000);
const PING_TIMEOUT = int("CHAOS_PING_TIMEOUT_MS", 1000);
const TIMEOUT_S = int("CHAOS_TIMEOUT_S", Math.round(100 + (N / RATE) * 2));
const ROOM = "1555" + String(SEED % 1e7).padStart(7, "0");
const RUN = `${Date.now().toString(36)}-${SEED.toString(36)}`;

fs.mkdirSync(ARTIFACTS, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();
const T_START = now();
const say = (msg) => console.log(`[chaos +${((now() - T_START) / 1000).toFixed(1)}s] ${msg}`);

// Seeded PRNG (mulberry32): a failing run can be replayed with the same CHAOS_SEED (timing still varies).
let seedState = SEED >>> 0;
function random() {
  seedState = (seedState + 0x6d2b79f5) >>> 0;
  let t = seedState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo, hi) => lo + random() * (hi - lo);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------------------------------

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "inbox-chaos-"));
const DATA_FILE = path.join(dataDir, "messages.json");
const serverLog = fs.createWriteStream(path.join(ARTIFACTS, "server.log"), { flags: "w" });
let server = null; // { child, exited }
let serverPort = 0;

async function startServer() {
  const child = spawn(process.execPath, [path.join(HERE, "server.mjs")], {
    cwd: ROOT,
    env: {
      ...env,
      PORT: String(serverPort),
      HOST: "127.0.0.1",
      DATA_FILE,
      QUIET: "1",
      RECOVERY: RECOVERY ? "1" : "",
      PING_INTERVAL_MS: String(PING_INTERVAL),
      PING_TIMEOUT_MS: String(PING_TIMEOUT),
      DELIVER_DELAY_MS: "100",
      READ_DELAY_MS: "200",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let out = "";
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 15 s:\n${out}`)), 15_000);
    const onData = (buf) => {
      serverLog.write(buf);
      out += buf;
      const m = /listening on (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (buf) => serverLog.write(buf));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal}):\n${out}`));
    });
  });
  child.stdout.on("data", (buf) => serverLog.write(buf));
  serverPort = port;
  server = { child, exited };
  return now();
}

async function killServer(signal = "SIGKILL") {
  if (!server) return;
  const { child, exited } = server;
  server = null;
  child.kill(signal);
  await exited;
}

// ---------------------------------------------------------------------------------------------------------------
// Static files for the page: tests/chaos/page at /, pkg/ at /pkg (a stable origin that survives the restarts)
// ---------------------------------------------------------------------------------------------------------------

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

function staticServer() {
  const roots = [
    ["/pkg/", path.join(ROOT, "pkg")],
    ["/", path.join(HERE, "page")],
  ];
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let pathname = decodeURIComponent(url.pathname);
    if (pathname === "/") pathname = "/index.html";
    for (const [prefix, dir] of roots) {
      if (!pathname.startsWith(prefix)) continue;
      const file = path.join(dir, pathname.slice(prefix.length));
      if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) break;
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      fs.createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404).end("not found");
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve({ srv, port: srv.address().port })));
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP to the server (directly, not through the proxy: this is WhatsApp's side)
// ---------------------------------------------------------------------------------------------------------------

async function postJSON(pathname, body, timeoutMs = 3000) {
  const res = await fetch(`http://127.0.0.1:${serverPort}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw Object.assign(new Error(`POST ${pathname} -> ${res.status} ${text}`), { status: res.status });
  return JSON.parse(text);
}

function webhook(id, text) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "CHAOS-WABA",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550000000", phone_number_id: "CHAOS-PHONE" },
              contacts: [{ profile: { name: "Chaos Customer" }, wa_id: ROOM }],
              messages: [{ from: ROOM, id, timestamp: String(Math.floor(now() / 1000)), type: "text", text: { body: text } }],
            },
          },
        ],
      },
    ],
  };
}

/** The room's full history from the server, ascending (paging `since`). */
async function serverHistory() {
  const out = [];
  const seen = new Set();
  let since = 0;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${serverPort}/api/messages?room=${ROOM}&since=${since}&limit=500`);
    const body = await res.json();
    let last = since;
    for (const m of body.messages) {
      last = Math.max(last, m.timestamp);
      if (!seen.has(m.id)) {
        seen.add(m.id);
        out.push(m);
      }
    }
    if (!body.has_more || last === since) return out;
    since = last;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------------------------

let browser = null;
let proxy = null;
let files = null;

const generated = []; // {seq, id, storedAt, attempts}
let generatorDone = false;
const cycles = []; // {type, tDown, tBack}
const pageSends = []; // {t, during, text}
/** What each page reported before it was reloaded (the final page's is added at the end). */
const pastPages = [];
/** Resolved while a page is up and started; replaced during a reload. */
let pageReady = Promise.resolve();

async function generator() {
  const t0 = now();
  for (let seq = 0; seq < N; seq++) {
    const due = t0 + (seq * 1000) / RATE;
    if (due > now()) await sleep(due - now());
    const id = `wamid.CHAOS.${RUN}.${String(seq).padStart(6, "0")}`;
    let attempts = 0;
    // Retried until the server answers 200: a redelivered id is ignored by the server, so a retry after a kill that
    // hit between "saved" and "answered" cannot store it twice.
    for (;;) {
      attempts += 1;
      try {
        if (serverPort && server) {
          await postJSON("/webhook/whatsapp", webhook(id, `chaos msg #${seq}`));
          break;
        }
      } catch {
        /* down or restarting */
      }
      await sleep(50);
    }
    generated.push({ seq, id, storedAt: now(), attempts });
  }
  generatorDone = true;
}

async function pageSend(page, during) {
  await pageReady;
  const n = pageSends.length;
  const text = `chaos send #${n}${during ? ` (${during})` : ""}`;
  pageSends.push({ t: now(), during, text });
  // Resolves once the send is saved (as the composer clears): from then on nothing may lose it.
  await page.evaluate((text) => window.chaos.send(text), text).catch((e) => {
    say(`page.send failed: ${e.message}`);
  });
}

async function startPage(page) {
  await page.waitForFunction(() => window.chaos !== undefined, null, { timeout: 15_000 });
  await page.evaluate((o) => window.chaos.start(o), pageOptions);
}

/** Reloads the page right after a send (its answer not awaited): the new page must show the room from its copy,
 * resync it and send the saved message, once. */
async function reloadPage(page, during) {
  await pageSend(page, during);
  let ready;
  pageReady = new Promise((resolve) => (ready = resolve));
  try {
    const { snapshot, ...rest } = await page.evaluate(() => window.chaos.result());
    pastPages.push(rest);
    await page.reload({ waitUntil: "load" });
    await startPage(page);
    const { restored, cached } = await page.evaluate(() => window.chaos.result());
    say(`  reloaded: ${cached} messages shown from the saved copy, ${restored} saved sends restored`);
  } catch (e) {
    say(`  reloaded page did not start: ${e.message}`);
  } finally {
    ready();
  }
}

async function chaosLoop(page) {
  const plan = [
    ...Array(K).fill("restart"),
    ...Array(BLACKHOLES).fill("blackhole"),
    ...Array(DROPS).fill("drop"),
    ...Array(RELOADS).fill("reload"),
  ];
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  const end = T_GEN + (N / RATE) * 1000;
  for (const [i, type] of plan.entries()) {
    // Spread over what is left of the generation window, at a random moment (at least 300 ms after the last one).
    const slot = Math.max(0, end - now()) / (plan.length - i + 1);
    await sleep(Math.max(300, between(0.3, 1.5) * slot));
    const cycle = { type, tDown: now(), tBack: null, tRejoined: null };
    cycles.push(cycle);
    if (type === "restart") {
      await killServer("SIGKILL");
      const down = between(300, 1500);
      say(`cycle ${cycles.length}: SIGKILL server, down ${Math.round(down)} ms`);
      // Once (with reloads on): the page is reloaded while the server is down, so the saved copy is all it has.
      let reloaded = null;
      if (RELOADS > 0 && !reloadedDown) {
        reloadedDown = true;
        reloaded = reloadPage(page, "server down, then reload");
      } else {
        await pageSend(page, "server down");
      }
      await sleep(down);
      cycle.tBack = await startServer();
      await reloaded;
    } else if (type === "blackhole") {
      // Longer than pingInterval + pingTimeout, so the heartbeat notices.
      const span = PING_INTERVAL + PING_TIMEOUT + between(500, 2000);
      say(`cycle ${cycles.length}: black-hole ${Math.round(span)} ms`);
      proxy.setMode("blackhole");
      await sleep(between(100, 400));
      await pageSend(page, "black-holed");
      await sleep(span);
      proxy.setMode("pass");
      cycle.tBack = now();
    } else if (type === "reload") {
      // The send's request hangs (black-holed), so the page goes before any answer: the next one must send it.
      const span = between(300, 800);
      say(`cycle ${cycles.length}: black-hole, send, reload the page at once; healed after ${Math.round(span)} ms`);
      proxy.setMode("blackhole");
      const healed = sleep(span).then(() => proxy.setMode("pass"));
      cycle.tBack = now();
      await reloadPage(page, "unanswered, then reload");
      await healed;
    } else {
      const span = between(300, 1200);
      say(`cycle ${cycles.length}: drop connections ${Math.round(span)} ms`);
      proxy.setMode("drop");
      await pageSend(page, "dropped");
      await sleep(span);
      proxy.setMode("pass");
      cycle.tBack = now();
    }
    // The page must be back in the room before the next cycle (bounded: a cycle not survived fails the run).
    const rejoined = await waitFor(
      `rejoin after cycle ${cycles.length}`,
      async () => {
        await pageReady;
        const { lastRejoin } = await page.evaluate(() => window.chaos.status());
        if (lastRejoin >= cycle.tDown) cycle.tRejoined = lastRejoin;
        return lastRejoin >= cycle.tDown;
      },
      15_000,
    ).catch(() => false);
    if (!rejoined) say(`cycle ${cycles.length}: page did not re-join within 15 s`);
  }
}

async function randomSends(page) {
  const window = (N / RATE) * 1000;
  const times = Array.from({ length: SENDS }, () => between(0, window)).sort((a, b) => a - b);
  for (const t of times) {
    const wait = T_GEN + t - now();
    if (wait > 0) await sleep(wait);
    await pageSend(page, null);
  }
}

async function waitFor(what, fn, timeoutMs) {
  const t0 = now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const stats = (xs) => {
  if (!xs.length) return "n/a";
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `min ${s[0]} / median ${q(0.5)} / max ${s.at(-1)} ms`;
};

let T_GEN = 0;
let reloadedDown = false;
let pageOptions = null;

async function main() {
  say(`N=${N} rate=${RATE}/s restarts=${K} blackholes=${BLACKHOLES} drops=${DROPS} sends=${SENDS}+outages ` +
    `reloads=${RELOADS} seed=${SEED} recovery=${RECOVERY ? "on" : "off"}${WORKAROUNDS.length ? ` WORKAROUNDS=${WORKAROUNDS}` : ""} ping=${PING_INTERVAL}/${PING_TIMEOUT} ms room=${ROOM}`);
  serverPort = await freePort();
  await startServer();
  proxy = createProxy({ targetPort: serverPort });
  const proxyPort = await proxy.listen(0);
  files = await staticServer();

  browser = await chromium.launch({
    executablePath: env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
  });
  const page = await (await browser.newContext()).newPage();
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.stack ?? e}`));
  await page.goto(`http://127.0.0.1:${files.port}/`);
  pageOptions = { api: `http://127.0.0.1:${proxyPort}`, room: ROOM, workarounds: WORKAROUNDS };
  await startPage(page);
  say(`page connected through proxy :${proxyPort} -> server :${serverPort}`);

  T_GEN = now();
  await Promise.all([generator(), chaosLoop(page), randomSends(page)]);
  say(`generator done: ${generated.length} stored (${generated.filter((g) => g.attempts > 1).length} needed retries); chaos done`);

  // Quiet period: every send settles, the page is connected, and its store catches up with the server.
  await waitFor("sends to settle", async () => (await page.evaluate(() => window.chaos.status())).pendingSends === 0, 40_000)
    .catch((e) => say(e.message));
  await waitFor("the page to be connected", async () => (await page.evaluate(() => window.chaos.status())).connected, 20_000)
    .catch((e) => say(e.message));
  let history = await serverHistory();
  const settle = now();
  let lastCount = -1;
  let stableSince = now();
  for (;;) {
    const { count } = await page.evaluate(() => window.chaos.status());
    history = await serverHistory();
    if (count !== lastCount) {
      lastCount = count;
      stableSince = now();
    }
    // Statuses (receipts) keep arriving a little after the last message; give them a moment too.
    if ((count >= history.length && now() - stableSince > 1000) || now() - stableSince > 5000 || now() - settle > 20_000) break;
    await sleep(200);
  }
  const result = await page.evaluate(() => window.chaos.result());
  // What every page reported, the final one last.
  const pages = [...pastPages, result];
  for (const key of ["sendFailed", "storeErrors", "resyncCalls", "events"]) result[key] = pages.flatMap((p) => p[key]);
  result.attempts = pages.reduce((n, p) => n + p.attempts, 0);
  result.restoredTotal = pages.reduce((n, p) => n + p.restored, 0);
  result.cachedTotal = pages.reduce((n, p) => n + p.cached, 0);
  return { result, history, consoleLines };
}

function verify({ result, history, consoleLines }) {
  const snap = result.snapshot;
  const serverIds = history.map((m) => m.id);
  const serverSet = new Set(serverIds);
  const byCid = new Map(history.filter((m) => m.client_id).map((m) => [m.client_id, m]));
  const genIds = new Set(generated.map((g) => g.id));

  const count = (xs) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map());
  const idCounts = count(snap.map((m) => m.id));
  const cidCounts = count(snap.filter((m) => m.client_id).map((m) => m.client_id));
  const duplicatedIds = [...idCounts].filter(([, n]) => n > 1).map(([id, n]) => ({ id, n }));
  const duplicatedCids = [...cidCounts].filter(([, n]) => n > 1).map(([cid, n]) => ({ cid, n }));
  const storeIds = new Set(snap.map((m) => m.id));
  const lost = history.filter((m) => !storeIds.has(m.id));
  const lostIncoming = lost.filter((m) => m.direction === "incoming");

  // Every send, found by its (unique) text: on the server exactly once, in the store once under the server's id,
  // never reported failed (every failure here is transient).
  const sends = pageSends.map((p) => {
    const onServer = history.filter((m) => m.text === p.text);
    const inStore = snap.filter((m) => m.text === p.text);
    return { ...p, onServer: onServer.length, inStore: inStore.length, linked: inStore.length === 1 && onServer.length === 1 && inStore[0].id === onServer[0].id, status: inStore[0]?.status ?? null };
  });
  const failedCids = new Set(result.sendFailed.map((f) => f.client_id));
  const sendLost = sends.filter((x) => x.onServer === 0);
  const sendDuplicated = sends.filter((x) => x.onServer > 1 || x.inStore > 1);
  const unresolved = sends.filter((x) => x.onServer === 0 || x.status === "pending").concat(result.outbox.map((e) => ({ text: e.text })));
  const confirmed = sends.filter((x) => x.onServer === 1);
  const notLinked = sends.filter((x) => !x.linked);
  const falselyFailed = sends.filter((x) => x.status === "failed").concat([...failedCids].map((client_id) => ({ client_id })));
  const unexpected = snap.filter((m) => !serverSet.has(m.id));

  // Order: the store's messages that the server has, in the server's order.
  const serverOrder = new Map(serverIds.map((id, i) => [id, i]));
  const positions = snap.filter((m) => serverOrder.has(m.id)).map((m) => serverOrder.get(m.id));
  let inversions = 0;
  for (let i = 1; i < positions.length; i++) if (positions[i] < positions[i - 1]) inversions += 1;

  const missingGenerated = [...genIds].filter((id) => !serverSet.has(id));
  const extraIncoming = history.filter((m) => m.direction === "incoming" && !genIds.has(m.id));
  void byCid;
  const outgoingOnServer = history.filter((m) => m.direction === "outgoing").length;
  const staleStatus = snap.filter((m) => {
    const s = history.find((h) => h.id === m.id);
    // The store shows an incoming message's "received" as "delivered".
    return s && (s.status === "received" ? "delivered" : s.status) !== m.status;
  }).length;

  const survived = [];
  const latency = { restart: [], blackhole: [], drop: [], reload: [] };
  for (const c of cycles) {
    if (c.tRejoined && c.tBack !== null) {
      survived.push(c);
      latency[c.type].push(Math.max(0, c.tRejoined - c.tBack));
    }
  }
  const connects = result.events.filter((e) => e.type === "connect");
  const recoveredConnects = connects.filter((e) => e.recovered).length;
  const storeErrors = result.storeErrors;
  const clientErrors = result.events.filter((e) => e.type === "client_error");

  const summary = {
    seed: SEED,
    n: N,
    generated: generated.length,
    server_messages: history.length,
    store_messages: snap.length,
    expected_in_store: N + sends.length,
    sends: sends.length,
    sends_confirmed: confirmed.length,
    sends_lost: sendLost.length,
    sends_duplicated: sendDuplicated.length,
    sends_unresolved: unresolved.length,
    sends_not_linked: notLinked.length,
    sends_falsely_failed: falselyFailed.length,
    cycles: cycles.length,
    cycles_survived: survived.length,
    lost: lost.length,
    lost_incoming: lostIncoming.length,
    duplicated: duplicatedIds.length + duplicatedCids.length + sendDuplicated.length,
    unexpected_in_store: unexpected.length,
    order_inversions: inversions,
    missing_on_server: missingGenerated.length,
    extra_on_server: extraIncoming.length + Math.max(0, outgoingOnServer - confirmed.length),
    reloads: pastPages.length,
    restored_sends: result.restoredTotal,
    shown_from_copy: result.cachedTotal,
    send_attempts: result.attempts,
    stale_status: staleStatus,
    connects: connects.length,
    recovered_connects: recoveredConnects,
    resync_calls: result.resyncCalls.length,
    store_errors: storeErrors.length,
    client_errors: clientErrors.length,
    rejoin_ms: latency,
  };
  const ok =
    summary.lost === 0 &&
    summary.sends_lost === 0 &&
    summary.duplicated === 0 &&
    summary.sends_falsely_failed === 0 &&
    summary.unexpected_in_store === 0 &&
    summary.order_inversions === 0 &&
    summary.sends_unresolved === 0 &&
    summary.sends_not_linked === 0 &&
    summary.missing_on_server === 0 &&
    summary.cycles_survived === summary.cycles &&
    summary.store_messages === summary.expected_in_store;

  const report = {
    ok,
    summary,
    details: {
      lost: lost.slice(0, 50).map((m) => ({ id: m.id, ts: m.timestamp, text: m.text, direction: m.direction })),
      duplicatedIds,
      duplicatedCids,
      unexpected: unexpected.slice(0, 50),
      unresolved,
      notLinked,
      falselyFailed,
      cycles,
      resyncCalls: result.resyncCalls,
      storeErrors,
      clientErrors: clientErrors.slice(0, 50),
      events: result.events,
      sends,
      console: consoleLines.slice(-200),
    },
  };
  const file = path.join(ARTIFACTS, `report-${RUN}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));

  console.log("");
  console.log(`chaos: ${ok ? "PASS" : "FAIL"}  seed=${SEED}${WORKAROUNDS.length ? `  (diagnostic workarounds: ${WORKAROUNDS})` : ""}  report ${path.relative(ROOT, file)}`);
  console.log(`  messages: N=${N} generated, server has ${history.length} (incoming ${history.length - outgoingOnServer}, outgoing ${outgoingOnServer}), ` +
    `store has ${snap.length}, expected ${summary.expected_in_store}`);
  console.log(`  sends: ${sends.length} through the outbox, ${result.attempts} attempts (delivered once ${confirmed.length}, ` +
    `lost ${sendLost.length}, duplicated ${sendDuplicated.length}, falsely failed ${falselyFailed.length}, unresolved ${unresolved.length}, ` +
    `not linked ${notLinked.length})`);
  console.log(`  reloads: ${pastPages.length}: ${result.cachedTotal} messages shown from the saved copy, ${result.restoredTotal} saved sends restored`);
  console.log(`  cycles survived: ${survived.length}/${cycles.length} (restarts ${K}, black-holes ${BLACKHOLES}, drops ${DROPS}, reloads ${RELOADS}); ` +
    `connects ${connects.length} (recovered ${recoveredConnects}), resync calls ${result.resyncCalls.length}`);
  console.log(`  lost: ${lost.length}  duplicated: ${summary.duplicated}  unexpected in store: ${unexpected.length}  ` +
    `order inversions: ${inversions}  stale statuses: ${staleStatus}  store errors: ${storeErrors.length}  client errors: ${clientErrors.length}`);
  console.log(`  server back up -> rooms re-joined: ${stats(latency.restart)}`);
  if (BLACKHOLES) console.log(`  black-hole healed -> rooms re-joined: ${stats(latency.blackhole)}`);
  if (DROPS) console.log(`  drop ended -> rooms re-joined: ${stats(latency.drop)}`);
  if (RELOADS) console.log(`  page reloaded -> rooms re-joined: ${stats(latency.reload)}`);
  if (lost.length) console.log(`  first lost: ${JSON.stringify(report.details.lost.slice(0, 5))}`);
  for (const e of [...new Set(storeErrors.map((e) => `${e.code}: ${e.message}`))].slice(0, 5)) console.log(`  store error: ${e}`);
  for (const e of [...new Set(clientErrors.map((e) => `${e.code}: ${e.message}`))].slice(0, 5)) console.log(`  client error: ${e}`);
  return ok;
}

async function cleanup() {
  await browser?.close().catch(() => {});
  await proxy?.close().catch(() => {});
  files?.srv.close();
  await killServer("SIGTERM").catch(() => {});
  serverLog.end();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

const deadline = setTimeout(async () => {
  say(`run exceeded CHAOS_TIMEOUT_S=${TIMEOUT_S}`);
  await cleanup();
  process.exit(2);
}, TIMEOUT_S * 1000);

let ok = false;
try {
  ok = verify(await main());
} catch (e) {
  console.error(`chaos: ERROR ${e.stack ?? e}`);
} finally {
  clearTimeout(deadline);
  await cleanup();
}
process.exit(ok ? 0 : 1);
