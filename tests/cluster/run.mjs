// Cluster test: the client against the back end scaled out (examples/server/ops/cluster.mjs): PostgreSQL, Redis
// (Streams adapter), 3 dev-server nodes, HAProxy with sticky sessions, all real, on 127.0.0.1. A headless Chromium
// page runs the built package (tests/chaos/page: SocketClient + MessageStore + REST resync + optimistic sends, as an
// app uses them), served by the nodes THROUGH the balancer, joined to one room, while customer messages stream in as
// webhooks posted to nodes the page is NOT connected to. Meanwhile:
//   1. the page's node is stopped gracefully (SIGTERM): the page reconnects through the balancer to another node and
//      is RECOVERED there (the session and the missed packets are in Redis), or resyncs when recovery is off;
//   2. the page's (new) node crashes (SIGKILL, no session saved): the page reconnects elsewhere and RESYNCS;
//   3. Redis restarts mid-stream: the adapter resumes its stream, nothing is lost live;
// then: the same webhook posted to two nodes at once is one message; a send retried against other nodes is one
// message; a polling-only page keeps working through the balancer, and raw polling requests show the stickiness.
// At the end the page's store must hold exactly the database's messages for the room: 0 lost, 0 duplicated.
//
//   node tests/cluster/run.mjs   (scripts/test.sh runs it; needs pkg/ built and scripts/setup.sh test)
// CLUSTER_TEST_PORT (3940: balancer; nodes +1..+3, PostgreSQL +10, Redis +11), CLUSTER_N (240 messages),
// CLUSTER_RATE (30/s), CLUSTER_RECOVERY (1), CLUSTER_STICKY (1; 0 shows polling failing without stickiness),
// CHROMIUM_PATH. Logs and a JSON report: artifacts/cluster/.
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { startCluster } from "../../examples/server/ops/cluster.mjs";
import { CHROMIUM_ARGS, ROOT, postJSON, sleep, textWebhook } from "../e2e/helpers.mjs";

const env = process.env;
const int = (name, dflt) => (env[name] === undefined || env[name] === "" ? dflt : Number(env[name]));
const PORT = int("CLUSTER_TEST_PORT", 3940);
const N = int("CLUSTER_N", 240);
const RATE = int("CLUSTER_RATE", 30);
const RECOVERY = env.CLUSTER_RECOVERY !== "0";
const STICKY = env.CLUSTER_STICKY !== "0";
const ARTIFACTS = path.join(ROOT, "artifacts", "cluster");
const RUN = Date.now().toString(36);
const ROOM = "1555" + String(Date.now() % 1e7).padStart(7, "0");
const T0 = Date.now();
const say = (msg) => console.log(`[cluster +${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}`);

fs.rmSync(ARTIFACTS, { recursive: true, force: true });
fs.mkdirSync(ARTIFACTS, { recursive: true });

const failures = [];
function expect(ok, what) {
  if (!ok) failures.push(what);
  return ok;
}

const post = (base, pathname, body) => postJSON(base + pathname, body);

async function health(n) {
  try {
    const res = await fetch(`${n.url}/health`, { signal: AbortSignal.timeout(1000) });
    return await res.json();
  } catch {
    return null;
  }
}

/** The room's rows in the database (through the balancer), ascending, paging `since`; a duplicated wamid shows twice. */
async function serverHistory(cluster, room = ROOM) {
  const base = cluster.url;
  const out = new Map();
  let since = 0;
  for (;;) {
    const body = await (await fetch(`${base}/api/messages?room=${room}&since=${since}&limit=500`)).json();
    let last = since;
    for (const m of body.messages) {
      out.set(`${m.id}@${m.timestamp}`, m); // pages overlap at `since`; rows differ in timestamp (unique per room)
      last = Math.max(last, m.timestamp);
    }
    if (!body.has_more || last === since) return [...out.values()];
    since = last;
  }
}

async function waitFor(what, fn, timeoutMs) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out (${timeoutMs} ms) waiting for ${what}`);
    await sleep(100);
  }
}

const count = (xs) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map());
const dupes = (xs) => [...count(xs)].filter(([, n]) => n > 1);

let cluster = null;
let browser = null;
const report = { ok: false, figures: {}, cycles: [], failures };

async function main() {
  say(`starting PostgreSQL, Redis, 3 nodes, HAProxy (sticky ${STICKY ? "on" : "OFF"}, recovery ${RECOVERY ? "on" : "off"}) on ${PORT}..${PORT + 11}`);
  cluster = await startCluster({
    port: PORT,
    nodes: 3,
    recovery: RECOVERY,
    sticky: STICKY,
    logDir: ARTIFACTS,
    env: { STATIC_DIR: path.join(ROOT, "tests", "chaos", "page"), PKG_DIR: path.join(ROOT, "pkg"), DELIVER_DELAY_MS: "100", READ_DELAY_MS: "200", QUIET: "" },
  });
  report.figures.startup_ms = Date.now() - T0;
  say(`cluster up in ${report.figures.startup_ms} ms: balancer ${cluster.url}, nodes ${cluster.nodes.map((n) => `${n.name}:${n.port}`).join(" ")}`);
  const byName = new Map(cluster.nodes.map((n) => [n.name, n]));

  browser = await chromium.launch({ executablePath: env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS, headless: true });
  const openHarness = async (opts) => {
    const page = await (await browser.newContext()).newPage();
    const lines = [];
    page.on("console", (m) => lines.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => lines.push(`pageerror: ${e.stack ?? e}`));
    await page.goto(`${cluster.url}/`); // through the balancer: page, package and API share its origin (and cookie)
    await page.waitForFunction(() => window.chaos !== undefined, null, { timeout: 15_000 });
    await page.evaluate((o) => window.chaos.start(o), { api: cluster.url, ...opts });
    page.lines = lines;
    return page;
  };
  const page = await openHarness({ room: ROOM });
  const status = () => page.evaluate(() => window.chaos.status());

  // The node holding the page's connection: the one whose /health counts a connection (the page is the only client).
  async function pageNode() {
    return waitFor("the page's node", async () => {
      const hs = await Promise.all(cluster.nodes.filter((n) => n.alive).map(async (n) => [n, await health(n)]));
      const holding = hs.filter(([, h]) => h && h.connections > 0);
      return holding.length === 1 && (await status()).connected ? holding[0][0] : null;
    }, 15_000);
  }
  let current = await pageNode();
  say(`page connected through the balancer to ${current.name}`);

  // ---------- the stream: webhooks to the nodes the page is not on ----------
  const generated = [];
  let rr = 0;
  async function generator() {
    const t0 = Date.now();
    for (let seq = 0; seq < N; seq++) {
      const due = t0 + (seq * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      const id = `wamid.CLUSTER.${RUN}.${String(seq).padStart(5, "0")}`;
      const body = textWebhook(ROOM, `cluster msg #${seq}`, { id, name: "Cluster Customer" });
      for (let attempt = 1; ; attempt++) {
        const others = cluster.nodes.filter((n) => n.alive && n !== current);
        const target = others[rr++ % Math.max(1, others.length)] ?? cluster.nodes.find((n) => n.alive);
        try {
          await post(target.url, "/webhook/whatsapp", body);
          generated.push({ id, node: target.name, attempts: attempt, t: Date.now() });
          break;
        } catch {
          await sleep(50); // that node just went down: WhatsApp would redeliver; so do we, to another node
        }
      }
    }
  }

  const sends = [];
  const pageSend = (label) => {
    sends.push(label);
    return page.evaluate((t) => void window.chaos.send(t), `cluster send #${sends.length} (${label})`);
  };

  async function nodeCycle(kind, signal) {
    const victim = current;
    const cycle = { kind, node: victim.name, signal, tDown: Date.now() };
    report.cycles.push(cycle);
    say(`${kind}: ${signal} to ${victim.name}, the page's node`);
    await victim.kill(signal);
    await pageSend(`${victim.name} ${kind}`);
    await waitFor(`the page to re-join after ${kind}`, async () => (await status()).lastRejoin >= cycle.tDown, 15_000);
    cycle.rejoinMs = (await status()).lastRejoin - cycle.tDown;
    current = await pageNode();
    cycle.to = current.name;
    const events = (await page.evaluate(() => window.chaos.result())).events;
    const connect = events.filter((e) => e.type === "connect" && e.t >= cycle.tDown)[0];
    cycle.recovered = Boolean(connect?.recovered);
    say(`${kind}: page re-joined on ${current.name} in ${cycle.rejoinMs} ms, ${cycle.recovered ? "RECOVERED (session from Redis)" : "resynced over REST"}; restarting ${victim.name}`);
    await victim.start();
  }

  async function redisCycle() {
    const cycle = { kind: "redis restart", tDown: Date.now() };
    report.cycles.push(cycle);
    say("redis: restart (down 500 ms) mid-stream");
    await cluster.redis.restart({ signal: "SIGTERM", downMs: 500 });
    cycle.tBack = Date.now();
    say(`redis: back after ${cycle.tBack - cycle.tDown} ms`);
  }

  async function chaos() {
    const span = (N / RATE) * 1000;
    await sleep(span * 0.2);
    await nodeCycle("graceful stop", "SIGTERM");
    await sleep(span * 0.1);
    await nodeCycle("crash", "SIGKILL");
    await sleep(span * 0.1);
    await redisCycle();
  }

  async function randomSends() {
    const span = (N / RATE) * 1000;
    for (const at of [0.1, 0.35, 0.6, 0.85]) {
      await sleep(span * 0.25);
      await pageSend(`at ${at}`);
    }
  }

  const tStream = Date.now();
  await Promise.all([generator(), chaos(), randomSends()]);
  report.figures.stream_ms = Date.now() - tStream;
  say(`stream done: ${generated.length} webhooks (${generated.filter((g) => g.attempts > 1).length} redelivered to another node), ${sends.length} sends`);

  // ---------- the same webhook at two nodes at once; a send retried against other nodes ----------
  const [a, b, c] = cluster.nodes;
  const twiceId = `wamid.CLUSTER.${RUN}.twice`;
  const twice = textWebhook(ROOM, "posted to two nodes at once", { id: twiceId });
  const both = await Promise.all([post(a.url, "/webhook/whatsapp", twice), post(b.url, "/webhook/whatsapp", twice)]);
  report.figures.webhook_two_nodes_applied = both.map((r) => r.messages);
  const cid = `cluster-retry-${RUN}`;
  const send = { to: ROOM, text: "sent once, retried on other nodes", user_id: "agent-cluster", client_id: cid };
  const retried = await Promise.all([post(a.url, "/api/messages", send), post(b.url, "/api/messages", send)]);
  retried.push(await post(c.url, "/api/messages", send));
  report.figures.send_retry_ids = [...new Set(retried.map((r) => r.id))].length;

  // ---------- settle, then compare the page's store with the database ----------
  await waitFor("sends to settle", async () => (await status()).pendingSends === 0, 30_000).catch((e) => say(e.message));
  let history = await serverHistory(cluster);
  await waitFor("the page to hold the database's messages", async () => {
    history = await serverHistory(cluster);
    return (await status()).count >= history.length;
  }, 20_000).catch((e) => say(e.message));
  await sleep(500); // late duplicates would show up now
  history = await serverHistory(cluster);
  const result = await page.evaluate(() => window.chaos.result());
  const snap = result.snapshot;
  const serverIds = new Set(history.map((m) => m.id));
  const dbDupes = dupes(history.map((m) => m.id)).length + dupes(history.filter((m) => m.client_id).map((m) => m.client_id)).length;
  const storeIds = new Set(snap.map((m) => m.id));
  const lost = history.filter((m) => !storeIds.has(m.id));
  Object.assign(report, { lostIds: lost.map((m) => ({ id: m.id, ts: m.timestamp, posted: generated.find((g) => g.id === m.id) })),
    events: result.events, resyncCalls: result.resyncCalls });
  const dupIds = dupes(snap.map((m) => m.id));
  const dupCids = dupes(snap.filter((m) => m.client_id).map((m) => m.client_id));
  // Sends go through the outbox (as the hooks do): what is left in it is unresolved; every failure here is transient,
  // so any onSendFailed report is a false failure.
  const failedCids = new Set(result.sendFailed.map((f) => f.client_id));
  const unexpected = snap.filter((m) => !serverIds.has(m.id) && !failedCids.has(m.client_id));
  const order = history.map((m) => m.id);
  const positions = snap.filter((m) => serverIds.has(m.id)).map((m) => order.indexOf(m.id));
  const inversions = positions.filter((p, i) => i > 0 && p < positions[i - 1]).length;
  const missingGenerated = generated.filter((g) => !serverIds.has(g.id)).length;
  const connects = result.events.filter((e) => e.type === "connect");
  Object.assign(report.figures, {
    generated: generated.length,
    db_messages: history.length,
    store_messages: snap.length,
    lost: lost.length,
    duplicated: dupIds.length + dupCids.length,
    duplicated_in_db: dbDupes,
    unexpected_in_store: unexpected.length,
    order_inversions: inversions,
    missing_in_db: missingGenerated,
    webhook_two_nodes_rows: history.filter((m) => m.id === twiceId).length,
    send_retry_rows: history.filter((m) => m.client_id === cid).length,
    sends: sends.length,
    sends_unresolved: result.outbox.length,
    sends_falsely_failed: result.sendFailed.length,
    connects: connects.length,
    recovered_connects: connects.filter((e) => e.recovered).length,
    resync_calls: result.resyncCalls.length,
  });
  expect(lost.length === 0, `lost ${lost.length}: ${lost.slice(0, 3).map((m) => m.id)}`);
  expect(dupIds.length + dupCids.length === 0, `duplicated: ${JSON.stringify([...dupIds, ...dupCids].slice(0, 3))}`);
  expect(dbDupes === 0, `the database holds ${dbDupes} wamid/client_id twice`);
  expect(unexpected.length === 0, `in the store but not in the database: ${unexpected.length}`);
  expect(inversions === 0, `order inversions: ${inversions}`);
  expect(missingGenerated === 0, `webhooks answered 200 but not in the database: ${missingGenerated}`);
  expect(report.figures.webhook_two_nodes_rows === 1, `the webhook posted to two nodes at once is ${report.figures.webhook_two_nodes_rows} rows`);
  expect(both.reduce((s, r) => s + r.messages, 0) === 1, `the two nodes applied the webhook ${JSON.stringify(report.figures.webhook_two_nodes_applied)} times`);
  expect(report.figures.send_retry_rows === 1 && report.figures.send_retry_ids === 1, `the retried send is ${report.figures.send_retry_rows} rows, ${report.figures.send_retry_ids} ids`);
  expect(report.figures.sends_unresolved === 0, `sends unresolved: ${report.figures.sends_unresolved}`);
  expect(report.figures.sends_falsely_failed === 0, `sends reported failed: ${report.figures.sends_falsely_failed}`);
  for (const cy of report.cycles.filter((x) => x.signal)) {
    expect(cy.to && cy.to !== cy.node, `${cy.kind}: the page did not move to another node`);
    // Graceful: the node stored the session in Redis on its way down, so another node restores it. Crash: nothing
    // was stored, so the client resyncs.
    const wantRecovered = RECOVERY && cy.signal === "SIGTERM";
    expect(cy.recovered === wantRecovered, `${cy.kind}: recovered=${cy.recovered}, expected ${wantRecovered}`);
  }
  report.figures.page_console_errors = page.lines.filter((l) => l.startsWith("pageerror")).length;

  // ---------- polling only, through the balancer ----------
  const pollRoom = "1555" + String((Date.now() + 1) % 1e7).padStart(7, "0");
  const tPoll = Date.now();
  const pollPage = await openHarness({ room: pollRoom, transports: ["polling"] });
  await waitFor("the polling page", async () => (await pollPage.evaluate(() => window.chaos.status())).connected, 10_000);
  const K = 20;
  for (let i = 0; i < K; i++) {
    const n = cluster.nodes[i % 3];
    await post(n.url, "/webhook/whatsapp", textWebhook(pollRoom, `polling #${i}`, { id: `wamid.CLUSTER.${RUN}.poll${i}` }));
    await sleep(100);
  }
  await waitFor("the polling page to get every message", async () => (await pollPage.evaluate(() => window.chaos.status())).count >= K, 10_000)
    .catch((e) => say(e.message));
  const pollResult = await pollPage.evaluate(() => window.chaos.result());
  const pollIds = pollResult.snapshot.map((m) => m.id);
  report.figures.polling = {
    received: new Set(pollIds).size,
    of: K,
    duplicated: dupes(pollIds).length,
    connects: pollResult.events.filter((e) => e.type === "connect").length,
    disconnects: pollResult.events.filter((e) => e.type === "disconnect").length,
    seconds: (Date.now() - tPoll) / 1000,
  };
  const p = report.figures.polling;
  expect(p.received === K && p.duplicated === 0, `polling page received ${p.received}/${K}, ${p.duplicated} duplicated`);
  expect(p.connects === 1 && p.disconnects === 0, `polling page connected ${p.connects} times, disconnected ${p.disconnects} times`);

  // Raw Engine.IO polling: one session's requests with the balancer's cookie all reach its node; without the cookie
  // round robin spreads them and the other nodes answer 400 "Session ID unknown".
  report.figures.stickiness = { with_cookie: await rawPolling(cluster.url, true), without_cookie: await rawPolling(cluster.url, false) };
  const st = report.figures.stickiness;
  expect(st.with_cookie.ok === st.with_cookie.of, `polling with the balancer's cookie: ${st.with_cookie.ok}/${st.with_cookie.of} requests accepted`);
  expect(st.without_cookie.ok < st.without_cookie.of, "without the cookie every request still reached the session's node: round robin is not in play");
}

/** An Engine.IO polling session through the balancer: handshake, CONNECT, then 6 packets POSTed (cookie or not). */
async function rawPolling(base, withCookie) {
  const url = `${base}/socket.io/?EIO=4&transport=polling`;
  const hs = await fetch(url);
  const cookie = (hs.headers.get("set-cookie") ?? "").split(";")[0];
  const sid = JSON.parse((await hs.text()).slice(1)).sid;
  const headers = { "content-type": "text/plain;charset=UTF-8", ...(withCookie && cookie && { cookie }) };
  const results = [];
  for (const body of ["40", ...Array.from({ length: 6 }, () => '42["typing",{"room_id":"sticky-check","is_typing":false}]')]) {
    const res = await fetch(`${url}&sid=${sid}`, { method: "POST", headers, body });
    results.push(res.status);
    await res.text();
  }
  return { ok: results.filter((s) => s === 200).length, of: results.length, statuses: results.join(" ") };
}

function print() {
  const f = report.figures;
  const cyc = report.cycles.map((c) => c.signal
    ? `${c.kind} ${c.node} (${c.signal}) -> ${c.to ?? "?"} in ${c.rejoinMs ?? "?"} ms, ${c.recovered ? "recovered" : "resynced"}`
    : `${c.kind} (${c.tBack - c.tDown} ms down)`);
  console.log("");
  console.log(`cluster: ${report.ok ? "PASS" : "FAIL"}  (3 nodes, HAProxy sticky ${STICKY ? "on" : "OFF"}, recovery ${RECOVERY ? "on" : "off"}; ${((Date.now() - T0) / 1000).toFixed(1)} s in all, start-up ${f.startup_ms} ms)`);
  console.log(`  stream: ${f.generated} webhooks to the nodes the page was not on, at ${RATE}/s (${(f.stream_ms / 1000).toFixed(1)} s), ${f.sends} page sends`);
  for (const line of cyc) console.log(`  cycle: ${line}`);
  console.log(`  page: connects ${f.connects} (recovered ${f.recovered_connects}), resync calls ${f.resync_calls}`);
  console.log(`  lost: ${f.lost}  duplicated: ${f.duplicated} (in the database: ${f.duplicated_in_db})  unexpected: ${f.unexpected_in_store}  order inversions: ${f.order_inversions}  ` +
    `(database ${f.db_messages}, store ${f.store_messages})`);
  console.log(`  same webhook at two nodes at once: applied ${JSON.stringify(f.webhook_two_nodes_applied)}, ${f.webhook_two_nodes_rows} row; ` +
    `send retried on 3 nodes: ${f.send_retry_rows} row, ${f.send_retry_ids} id`);
  if (f.polling) console.log(`  polling-only page: ${f.polling.received}/${f.polling.of} messages from 3 nodes, connects ${f.polling.connects}, disconnects ${f.polling.disconnects}`);
  if (f.stickiness) console.log(`  raw polling: with the cookie ${f.stickiness.with_cookie.ok}/${f.stickiness.with_cookie.of} accepted [${f.stickiness.with_cookie.statuses}], ` +
    `without ${f.stickiness.without_cookie.ok}/${f.stickiness.without_cookie.of} [${f.stickiness.without_cookie.statuses}]`);
  for (const x of failures) console.log(`  FAILED: ${x}`);
  fs.writeFileSync(path.join(ARTIFACTS, "report.json"), JSON.stringify(report, null, 2));
}

const deadline = setTimeout(async () => {
  failures.push("run exceeded 150 s");
  print();
  await browser?.close().catch(() => {});
  await cluster?.stop().catch(() => {});
  process.exit(2);
}, 150_000);
try {
  await main();
} catch (e) {
  failures.push(`error: ${e.stack ?? e}`);
} finally {
  clearTimeout(deadline);
  report.ok = failures.length === 0;
  print();
  await browser?.close().catch(() => {});
  await cluster?.stop().catch((e) => console.log(`stop: ${e.message}`));
}
process.exit(report.ok ? 0 : 1);
