// Smoke test for the dev server (examples/server). Starts real server
// processes on free ports, drives them over HTTP and socket.io-client, and
// stops them. Exits non-zero on failure.
//   node examples/server/smoke.mjs              the embedded database (PGlite in each server process)
//   node examples/server/smoke.mjs --postgres   a real PostgreSQL server (Debian's), started here on 127.0.0.1
//                                               (PG_PORT, default a free port) in a temporary directory and
//                                               stopped after; every server instance gets a database of its own
import { spawn } from "node:child_process";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import jwt from "jsonwebtoken";
import { io as connect } from "socket.io-client";
import { startPostgres } from "./ops/services.mjs";

const serverPath = fileURLToPath(new URL("./server.js", import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "inbox-smoke-"));
const children = new Set();
const sockets = [];

function startServer(env) {
  const child = spawn(process.execPath, [serverPath], {
    env: { ...process.env, PORT: "0", QUIET: "1", DELIVER_DELAY_MS: "50", READ_DELAY_MS: "50", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start")), 10_000);
    let buf = "";
    child.output = () => buf;
    child.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/listening on (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${m[1]}` });
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited early (${code})`)));
  });
}

function stopServer(child, signal = "SIGTERM") {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", resolve);
    child.kill(signal);
  });
}

function once(emitter, event, ms = 3000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), ms);
    emitter.once(event, (arg) => {
      clearTimeout(timer);
      resolve(arg);
    });
  });
}

// Resolves with the first event payload matching pred.
function waitFor(emitter, event, pred, ms = 3000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`timeout waiting for matching "${event}"`));
    }, ms);
    function on(arg) {
      if (!pred(arg)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(arg);
    }
    emitter.on(event, on);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function client(base, opts = {}) {
  const s = connect(base, { transports: ["websocket"], reconnectionDelay: 100, forceNew: true, ...opts });
  sockets.push(s);
  return s;
}

async function http(base, method, p, body, headers = {}) {
  const res = await fetch(base + p, {
    method,
    headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, headers: res.headers, body: type.includes("json") ? await res.json() : await res.text() };
}

function webhook({ messages = [], statuses = [], contacts = [] }) {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: "WABA", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: {}, contacts, messages, statuses } }] }],
  };
}
const textMsg = (from, id, ts, body) => ({ from, id, timestamp: String(ts), type: "text", text: { body } });

// --postgres: one PostgreSQL server for the run, a fresh database per server instance (a restart keeps its own).
const onPostgres = process.argv.includes("--postgres");
let postgres = null;
let databases = 0;
async function dbEnv() {
  if (!onPostgres) return {};
  if (!postgres) {
    const port = Number(process.env.PG_PORT) || (await new Promise((resolve) => {
      const srv = net.createServer().listen(0, "127.0.0.1", () => srv.close(() => resolve(srv.address().port)));
    }));
    postgres = await startPostgres({ port });
  }
  return { DATABASE_URL: await postgres.createDatabase(`smoke_${++databases}`) };
}
const runStart = Date.now();

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name}: ${err.stack}`);
  }
}

try {
  // ---------- main instance: persistence + static files ----------
  const dataFile = path.join(tmp, "data", "messages.json");
  const staticDir = path.join(tmp, "static");
  const pkgDir = path.join(tmp, "pkg");
  fs.mkdirSync(staticDir);
  fs.mkdirSync(pkgDir);
  fs.writeFileSync(path.join(staticDir, "index.html"), "<!doctype html><title>inbox</title>");
  fs.writeFileSync(path.join(pkgDir, "inbox_bg.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  const serverEnv = { DATA_FILE: dataFile, STATIC_DIR: staticDir, PKG_DIR: pkgDir, ...(await dbEnv()) };
  let { child, base } = await startServer(serverEnv);
  console.log(`database: ${onPostgres ? `PostgreSQL ${postgres.url}` : "embedded (PGlite)"}; first server up in ${Date.now() - runStart} ms`);
  const room = "15550001111";

  await check("GET /health", async () => {
    const r = await http(base, "GET", "/health");
    assert.equal(r.status, 200);
    assert.equal(r.body.status, "ok");
    assert.equal(typeof r.body.uptime, "number");
    assert.equal(r.body.connections, 0);
  });

  await check("webhook verification handshake", async () => {
    const ok = await http(base, "GET", "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=dev-verify-token&hub.challenge=12345");
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "12345");
    const bad = await http(base, "GET", "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1");
    assert.equal(bad.status, 403);
  });

  await check("static files: index and .wasm as application/wasm", async () => {
    const idx = await http(base, "GET", "/");
    assert.equal(idx.status, 200);
    assert.match(idx.body, /inbox/);
    const wasm = await fetch(base + "/pkg/inbox_bg.wasm");
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
  });

  const agent = client(base);
  const other = client(base); // joins no room: sees only inbox_message
  await Promise.all([once(agent, "connect"), once(other, "connect")]);

  await check("join_room validates and acks", async () => {
    assert.deepEqual(await agent.emitWithAck("join_room", room), { ok: true, room });
    assert.equal((await agent.emitWithAck("join_room", "")).ok, false);
    assert.equal((await agent.emitWithAck("join_room", "x".repeat(129))).ok, false);
    assert.equal((await agent.emitWithAck("join_room", 42)).ok, false);
  });

  const t0 = Math.floor(Date.now() / 1000) - 3600;
  await check("webhook text message → new_message to room + inbox_message to all", async () => {
    let otherGotNew = false;
    other.on("new_message", () => (otherGotNew = true));
    const gotNew = once(agent, "new_message");
    const gotInbox = once(other, "inbox_message");
    const r = await http(base, "POST", "/webhook/whatsapp",
      webhook({ contacts: [{ profile: { name: "Ana" }, wa_id: room }], messages: [textMsg(room, "wamid.IN1", t0, "hola")] }));
    assert.deepEqual(r.body, { ok: true, messages: 1, statuses: 0 });
    const m = await gotNew;
    assert.deepEqual(m, {
      id: "wamid.IN1", room_id: room, text: "hola", user_id: null, direction: "incoming",
      status: "received", timestamp: t0 * 1000, from: room, contact_name: "Ana",
    });
    const inbox = await gotInbox;
    assert.equal(inbox.room_id, room);
    assert.equal(inbox.message.id, "wamid.IN1");
    await sleep(100);
    assert.equal(otherGotNew, false, "non-member must not get new_message");
  });

  await check("redelivered wamid is not stored twice; non-text gets a placeholder", async () => {
    const r = await http(base, "POST", "/webhook/whatsapp", webhook({
      messages: [textMsg(room, "wamid.IN1", t0, "hola"), { from: room, id: "wamid.IMG", timestamp: String(t0 + 1), type: "image", image: { id: "media1" } }],
    }));
    assert.deepEqual(r.body, { ok: true, messages: 1, statuses: 0 });
    const h = await http(base, "GET", `/api/messages?room=${room}`);
    assert.deepEqual(h.body.messages.map((m) => [m.id, m.text]), [["wamid.IN1", "hola"], ["wamid.IMG", "[image]"]]);
  });

  const before = (await http(base, "GET", `/api/messages?room=${room}`)).body;
  const malformed = [
    ["not an object", "[1,2]"],
    ["wrong object", { object: "page", entry: [] }],
    ["no entry", { object: "whatsapp_business_account" }],
    ["message without id", webhook({ messages: [textMsg(room, "wamid.OK", t0, "fine"), { from: room, timestamp: "1", type: "text", text: { body: "x" } }] })],
    ["message without from", webhook({ messages: [{ id: "wamid.X", timestamp: "1", type: "text", text: { body: "x" } }] })],
    ["message bad timestamp", webhook({ messages: [{ from: room, id: "wamid.X", timestamp: "yesterday", type: "text", text: { body: "x" } }] })],
    ["text without body", webhook({ messages: [{ from: room, id: "wamid.X", timestamp: "1", type: "text", text: {} }] })],
    ["unknown status", webhook({ messages: [textMsg(room, "wamid.OK2", t0, "fine")], statuses: [{ id: "wamid.IN1", status: "seen", timestamp: "1", recipient_id: room }] })],
    ["invalid JSON", "{nope"],
  ];
  for (const [name, payload] of malformed) {
    await check(`malformed webhook (${name}) → 400, nothing changed`, async () => {
      const r = await http(base, "POST", "/webhook/whatsapp", payload);
      assert.equal(r.status, 400);
      assert.equal(typeof r.body.error, "string");
    });
  }
  await check("history unchanged after malformed webhooks", async () => {
    assert.deepEqual((await http(base, "GET", `/api/messages?room=${room}`)).body, before);
  });

  let sent;
  await check("POST /api/messages → sent, new_message, delivered, read", async () => {
    const statuses = [];
    agent.on("message_status_update", (u) => statuses.push(u.status));
    const gotNew = waitFor(agent, "new_message", (m) => m.client_id === "c-1");
    const r = await http(base, "POST", "/api/messages", { to: room, text: "Hello Ana", user_id: "agent-7", client_id: "c-1" });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, "sent");
    assert.equal(r.body.client_id, "c-1");
    assert.match(r.body.id, /^wamid\./);
    assert.equal(typeof r.body.timestamp, "number");
    sent = r.body;
    const m = await gotNew;
    assert.equal(m.id, r.body.id);
    assert.equal(m.direction, "outgoing");
    assert.equal(m.user_id, "agent-7");
    await waitFor(agent, "message_status_update", (u) => u.id === sent.id && u.status === "read");
    assert.deepEqual(statuses, ["delivered", "read"]);
    agent.off("message_status_update");
  });

  await check("retry with the same client_id does not send twice", async () => {
    const r = await http(base, "POST", "/api/messages", { to: room, text: "Hello Ana", user_id: "agent-7", client_id: "c-1" });
    assert.equal(r.body.id, sent.id);
    const h = await http(base, "GET", `/api/messages?room=${room}`);
    assert.equal(h.body.messages.filter((m) => m.client_id === "c-1").length, 1);
  });

  await check("the same webhook 8× and the same send 8× at once: one row and one event each (unique at the database)", async () => {
    const cr = "15550003333";
    let events = 0;
    const count = (e) => (e.room_id === cr ? (events += 1) : 0);
    other.on("inbox_message", count);
    const hook = webhook({ messages: [textMsg(cr, "wamid.RACE", t0, "once")] });
    const hooks = await Promise.all(Array.from({ length: 8 }, () => http(base, "POST", "/webhook/whatsapp", hook)));
    assert.deepEqual(hooks.map((r) => r.body.messages).sort(), [0, 0, 0, 0, 0, 0, 0, 1]);
    const send = { to: cr, text: "once from the agent", user_id: 7, client_id: "c-race" };
    const sends = await Promise.all(Array.from({ length: 8 }, () => http(base, "POST", "/api/messages", send)));
    assert.deepEqual(new Set(sends.map((r) => r.status)), new Set([200]));
    assert.equal(new Set(sends.map((r) => r.body.id)).size, 1, "every retry answers the one stored message");
    await sleep(200);
    other.off("inbox_message", count);
    assert.equal(events, 2);
    const h = (await http(base, "GET", `/api/messages?room=${cr}`)).body.messages;
    assert.deepEqual(h.map((m) => [m.id === "wamid.RACE" ? m.id : m.client_id, m.user_id]), [["wamid.RACE", null], ["c-race", 7]]);
  });

  await check("status webhook is forward only", async () => {
    let updates = 0;
    const count = () => (updates += 1);
    agent.on("message_status_update", count);
    const r = await http(base, "POST", "/webhook/whatsapp",
      webhook({ statuses: [{ id: sent.id, status: "delivered", timestamp: "1", recipient_id: room }] }));
    assert.deepEqual(r.body, { ok: true, messages: 0, statuses: 0 });
    await sleep(100);
    agent.off("message_status_update", count);
    assert.equal(updates, 0);
    const h = await http(base, "GET", `/api/messages?room=${room}`);
    assert.equal(h.body.messages.find((m) => m.id === sent.id).status, "read");
  });

  await check("status webhook moves a message forward and emits", async () => {
    const r1 = await http(base, "POST", "/api/messages", { to: room, text: "second" });
    const got = waitFor(agent, "message_status_update", (u) => u.id === r1.body.id && u.status === "failed", 1000);
    // Failed arrives before the simulated receipts (50 ms), so it wins and stays.
    const r = await http(base, "POST", "/webhook/whatsapp",
      webhook({ statuses: [{ id: r1.body.id, status: "failed", timestamp: String(t0), recipient_id: room }] }));
    assert.equal(r.body.statuses, 1);
    const u = await got;
    assert.deepEqual(u, { id: r1.body.id, room_id: room, status: "failed", timestamp: t0 * 1000 });
    await sleep(200);
    const h = await http(base, "GET", `/api/messages?room=${room}`);
    assert.equal(h.body.messages.find((m) => m.id === r1.body.id).status, "failed");
  });

  await check("send validation → 400", async () => {
    for (const body of [{ text: "x" }, { to: "", text: "x" }, { to: room }, { to: room, text: "   " }, { to: room, text: "x".repeat(4097) }]) {
      assert.equal((await http(base, "POST", "/api/messages", body)).status, 400, JSON.stringify(body).slice(0, 60));
    }
    assert.equal((await http(base, "POST", "/api/messages", { to: room, text: "x".repeat(4096) })).status, 200);
  });

  await check("failed sends: /fail prefix and runtime toggle emit nothing", async () => {
    await sleep(100); // let events from the previous check arrive first
    let emitted = 0;
    const count = () => (emitted += 1);
    agent.on("new_message", count);
    const r = await http(base, "POST", "/api/messages", { to: room, text: "/fail please" });
    assert.equal(r.status, 422, "a refusal for good");
    assert.deepEqual(r.body, { error: "whatsapp send failed" });
    assert.deepEqual((await http(base, "POST", "/dev/fail-sends", { enabled: true })).body, { ok: true, enabled: true });
    assert.equal((await http(base, "POST", "/api/messages", { to: room, text: "hi", client_id: "c-fail" })).status, 422);
    await http(base, "POST", "/dev/fail-sends", { enabled: true, status: 503 });
    assert.equal((await http(base, "POST", "/api/messages", { to: room, text: "hi", client_id: "c-fail" })).status, 503);
    await http(base, "POST", "/dev/fail-sends", { enabled: false });
    await sleep(100);
    agent.off("new_message", count);
    assert.equal(emitted, 0);
    // The retry of the failed client_id now goes through.
    assert.equal((await http(base, "POST", "/api/messages", { to: room, text: "hi", client_id: "c-fail" })).status, 200);
  });

  await check("history paging: before/limit/has_more and since", async () => {
    const pr = "15550002222";
    const msgs = Array.from({ length: 7 }, (_, i) => textMsg(pr, `wamid.P${i}`, t0 + i, `m${i}`));
    // All in one second too, to exercise the unique-timestamp rule.
    msgs.push(textMsg(pr, "wamid.S1", t0 + 10, "same-a"), textMsg(pr, "wamid.S2", t0 + 10, "same-b"));
    await http(base, "POST", "/webhook/whatsapp", webhook({ messages: msgs }));
    const page1 = (await http(base, "GET", `/api/messages?room=${pr}&limit=4`)).body;
    assert.deepEqual(page1.messages.map((m) => m.text), ["m5", "m6", "same-a", "same-b"]);
    assert.equal(page1.has_more, true);
    const page2 = (await http(base, "GET", `/api/messages?room=${pr}&limit=4&before=${page1.messages[0].timestamp}`)).body;
    assert.deepEqual(page2.messages.map((m) => m.text), ["m1", "m2", "m3", "m4"]);
    assert.equal(page2.has_more, true);
    const page3 = (await http(base, "GET", `/api/messages?room=${pr}&limit=4&before=${page2.messages[0].timestamp}`)).body;
    assert.deepEqual(page3.messages.map((m) => m.text), ["m0"]);
    assert.equal(page3.has_more, false);
    const since = (await http(base, "GET", `/api/messages?room=${pr}&since=${page1.messages[2].timestamp}`)).body;
    assert.deepEqual(since.messages.map((m) => m.text), ["same-a", "same-b"]);
    assert.equal((await http(base, "GET", "/api/messages")).status, 400);
  });

  await check("GET /api/rooms", async () => {
    const rooms = (await http(base, "GET", "/api/rooms")).body;
    const ana = rooms.find((r) => r.room_id === room);
    assert.equal(ana.contact_name, "Ana");
    assert.equal(ana.last_message.text, "hi");
    assert.equal(ana.unread, 0);
    const other = rooms.find((r) => r.room_id === "15550002222");
    assert.equal(other.unread, 9);
  });

  await check("typing: /dev/typing and agent typing event", async () => {
    const got = once(agent, "typing_indicator");
    await http(base, "POST", "/dev/typing", { room_id: room });
    assert.deepEqual(await got, { room_id: room, is_typing: true, user: "Ana" });
    const second = client(base);
    await once(second, "connect");
    await second.emitWithAck("join_room", room);
    let selfGot = false;
    agent.on("typing_indicator", () => (selfGot = true));
    const got2 = once(second, "typing_indicator");
    agent.emit("typing", { room_id: room, is_typing: true });
    assert.deepEqual(await got2, { room_id: room, is_typing: true, user: "agent" });
    await sleep(100);
    assert.equal(selfGot, false, "sender must not get its own typing");
    agent.off("typing_indicator");
  });

  await check("/dev/customer-message goes through the webhook path", async () => {
    const got = waitFor(agent, "new_message", (m) => m.text === "from dev button");
    const r = await http(base, "POST", "/dev/customer-message", { room_id: room, text: "from dev button" });
    assert.equal(r.body.ok, true);
    assert.equal(r.body.messages, 1);
    const m = await got;
    assert.equal(m.direction, "incoming");
    assert.equal(m.contact_name, "Ana");
    assert.match(m.id, /^wamid\./);
  });

  await check("DATA_FILE: history survives kill -9 and restart", async () => {
    const snapshot = (await http(base, "GET", `/api/messages?room=${room}&limit=500`)).body;
    const rooms = (await http(base, "GET", "/api/rooms")).body;
    await stopServer(child, "SIGKILL");
    ({ child, base } = await startServer(serverEnv));
    assert.deepEqual((await http(base, "GET", `/api/messages?room=${room}&limit=500`)).body, snapshot);
    assert.deepEqual((await http(base, "GET", "/api/rooms")).body, rooms);
  });

  for (const s of sockets.splice(0)) s.disconnect();
  await stopServer(child);

  // ---------- logging instance: the original inbox's test plan, and what the log says ----------
  const loud = await startServer({ QUIET: "", ...(await dbEnv()) });
  const planRoom = "628123456789";
  // The test plan's payload, byte for byte (no `field` on its change): see tests/e2e/fixtures/.
  const testPlan = fs.readFileSync(new URL("../../tests/e2e/fixtures/test-plan-webhook.json", import.meta.url), "utf8");
  const until = async (pred, what) => {
    for (let i = 0; i < 50 && !pred(); i++) await sleep(20);
    assert.ok(pred(), `${what}; server output:\n${loud.child.output()}`);
  };

  await check("the test plan's webhook (no `field`) is applied, emitted and logged", async () => {
    const s = client(loud.base);
    await once(s, "connect");
    await s.emitWithAck("join_room", planRoom);
    const got = once(s, "new_message");
    const r = await http(loud.base, "POST", "/webhook/whatsapp", testPlan);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ok: true, messages: 1, statuses: 0 });
    const m = await got;
    assert.equal(m.text, "Hello from customer!");
    assert.equal(m.contact_name, "Test Customer");
    assert.equal(m.room_id, planRoom);
    await until(() => loud.child.output().includes("[webhook] applied 1 message(s), 0 status(es)"), "summary line");
    assert.match(loud.child.output(), /applied message wamid\.test123 in room 628123456789 \(Test Customer\): "Hello from customer!"/);
  });

  await check("the log says what a webhook ignored and why", async () => {
    const again = await http(loud.base, "POST", "/webhook/whatsapp", testPlan);
    assert.deepEqual(again.body, { ok: true, messages: 0, statuses: 0 });
    await until(() => loud.child.output().includes("ignored message wamid.test123: already stored (a redelivery)"), "redelivery");
    const other = { object: "whatsapp_business_account", entry: [{ changes: [{ field: "account_update", value: {} }, { value: { contacts: [] } }] }] };
    assert.deepEqual((await http(loud.base, "POST", "/webhook/whatsapp", other)).body, { ok: true, messages: 0, statuses: 0 });
    await until(() => loud.child.output().includes('ignored entry[0].changes[0]: field "account_update" is not processed'), "other field");
    await until(() => loud.child.output().includes("ignored entry[0].changes[1]: no field, and its value carries no messages or statuses"), "no field");
    const bad = await http(loud.base, "POST", "/webhook/whatsapp", { object: "page", entry: [] });
    assert.equal(bad.status, 400);
    await until(() => loud.child.output().includes('[webhook] rejected (400, nothing applied): object must be "whatsapp_business_account"'), "400");
  });
  for (const s of sockets.splice(0)) s.disconnect();
  await stopServer(loud.child);

  // ---------- secured instance: JWT + CORS list + recovery ----------
  const secret = crypto.randomBytes(16).toString("hex");
  const sec = await startServer({ JWT_SECRET: secret, CORS_ORIGIN: "http://allowed.test", RECOVERY: "1", ...(await dbEnv()) });

  await check("JWT: missing/bad/expired tokens rejected with 'unauthorized'", async () => {
    const tokens = [undefined, "garbage", jwt.sign({ sub: "a" }, "other-secret"), jwt.sign({ sub: "a", exp: 1 }, secret)];
    for (const token of tokens) {
      const s = client(sec.base, { auth: token ? { token } : {}, reconnection: false });
      const err = await once(s, "connect_error");
      assert.equal(err.message, "unauthorized");
    }
  });

  await check("JWT: valid token connects", async () => {
    const s = client(sec.base, { auth: { token: jwt.sign({ sub: "agent-1" }, secret, { expiresIn: "5m" }) } });
    await once(s, "connect");
    assert.deepEqual(await s.emitWithAck("join_room", "r"), { ok: true, room: "r" });
  });

  await check("RECOVERY=1: transport loss is recovered, rooms kept, missed events replayed", async () => {
    const s = client(sec.base, { auth: { token: jwt.sign({ sub: "agent-2" }, secret) }, reconnectionDelay: 500, randomizationFactor: 0 });
    const session = await once(s, "session");
    assert.deepEqual(session, { sid: s.id, recovered: false, user: "agent-2" });
    await s.emitWithAck("join_room", "15559990000");
    const sid = s.id;
    const reason = once(s, "disconnect");
    s.io.engine.close(); // simulate a network drop from the client side
    assert.equal(await reason, "forced close");
    await sleep(100); // server has seen the close; client is still waiting to reconnect
    await http(sec.base, "POST", "/dev/typing", { room_id: "15559990000", user: "Bob" });
    const replayed = once(s, "typing_indicator", 5000);
    await once(s, "connect", 5000);
    assert.equal(s.recovered, true);
    assert.equal(s.id, sid);
    assert.deepEqual(await replayed, { room_id: "15559990000", is_typing: true, user: "Bob" });
  });

  await check("CORS_ORIGIN list: allowed origin reflected, others not", async () => {
    const ok = await http(sec.base, "OPTIONS", "/api/messages", undefined, { Origin: "http://allowed.test" });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), "http://allowed.test");
    const no = await http(sec.base, "GET", "/health", undefined, { Origin: "http://evil.test" });
    assert.equal(no.headers.get("access-control-allow-origin"), null);
  });
} finally {
  for (const s of sockets) s.disconnect();
  await Promise.all([...children].map((c) => stopServer(c)));
  await postgres?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed (${onPostgres ? "PostgreSQL" : "embedded PGlite"}, ${((Date.now() - runStart) / 1000).toFixed(1)} s)`);
process.exit(failed === 0 ? 0 : 1);
