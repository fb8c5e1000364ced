// Smoke test for tests/server/server.js: starts it on a free port, drives it
// with socket.io-client and fetch, then stops it. Exits non-zero on failure.
//   node tests/server/smoke.mjs
import { spawn } from "node:child_process";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { io as connect } from "socket.io-client";

const serverPath = fileURLToPath(new URL("./server.js", import.meta.url));

function startServer() {
  const child = spawn(process.execPath, [serverPath], {
    env: { ...process.env, TEST_SERVER_PORT: "0", TEST_SERVER_QUIET: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start")), 10_000);
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/listening on (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited early (${code})`)));
  });
}

function once(emitter, event, ms = 3000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), ms);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args[0]); // first argument only (e.g. the disconnect reason)
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { child, port } = await startServer();
const base = `http://127.0.0.1:${port}`;
const sockets = [];
const open = (nsp = "/", opts = {}) => {
  const s = connect(base + nsp, { transports: ["websocket"], reconnectionDelay: 100, forceNew: true, ...opts });
  sockets.push(s);
  return s;
};
const getJson = async (path) => (await fetch(base + path)).json();
const postJson = async (path, body) =>
  (await fetch(base + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })).json();

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
  await check("GET /health", async () => {
    assert.deepEqual(await getJson("/health"), { ok: true });
  });

  await check("CORS preflight and headers", async () => {
    const pre = await fetch(base + "/control/broadcast", { method: "OPTIONS", headers: { Origin: "http://127.0.0.1:9" } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    const res = await fetch(base + "/socket.io/?EIO=4&transport=polling", { headers: { Origin: "http://127.0.0.1:9" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "http://127.0.0.1:9");
  });

  const a = open("/", { auth: { token: "super-secret", user: "alice", nested: { token: "x" } } });
  await check("welcome masks the token", async () => {
    const w = await once(a, "welcome");
    assert.equal(w.ns, "/");
    assert.equal(w.sid, a.id);
    assert.deepEqual(w.auth, { token: "***", user: "alice", nested: { token: "***" } });
  });

  await check("join_room ack + room_joined + rooms + stats", async () => {
    const joined = once(a, "room_joined");
    assert.deepEqual(await a.emitWithAck("join_room", "r1"), { ok: true, room: "r1" });
    assert.deepEqual(await joined, { room: "r1" });
    assert.deepEqual(await a.emitWithAck("rooms"), ["r1"]);
    assert.deepEqual(await getJson("/control/room-members?room=r1"), { count: 1 });
    const stats = await getJson("/control/stats");
    assert.ok(stats.connections >= 1); // the CORS polling probe above may still count
    assert.deepEqual(stats.rooms, { r1: 1 });
  });

  await check("echo ack round-trips args incl. binary", async () => {
    // emitWithAck resolves with the first ack argument only, so use a callback.
    const [err, x, y, bin] = await new Promise((resolve) =>
      a.timeout(2000).emit("echo", 1, { b: "two" }, Buffer.from([1, 2, 3]), (...r) => resolve(r)),
    );
    assert.equal(err, null);
    assert.equal(x, 1);
    assert.deepEqual(y, { b: "two" });
    assert.deepEqual([...new Uint8Array(bin)], [1, 2, 3]);
  });

  await check("echo_event", async () => {
    const got = once(a, "echo_event");
    a.emit("echo_event", { hello: "world" });
    assert.deepEqual(await got, { hello: "world" });
  });

  const b = open("/");
  await once(b, "welcome");
  await check("broadcast reaches only room members", async () => {
    let bGot = false;
    b.on("only_members", () => (bGot = true));
    const got = once(a, "only_members");
    b.emit("broadcast", { room: "r1", event: "only_members", payload: { n: 1 } });
    assert.deepEqual(await got, { n: 1 });
    await sleep(150);
    assert.equal(bGot, false);
  });

  await check("POST /control/broadcast", async () => {
    const got = once(a, "pushed");
    assert.deepEqual(await postJson("/control/broadcast", { room: "r1", event: "pushed", payload: [1] }), { ok: true, members: 1 });
    assert.deepEqual(await got, [1]);
  });

  await check("leave_room", async () => {
    const left = once(a, "room_left");
    assert.deepEqual(await a.emitWithAck("leave_room", "r1"), { ok: true, room: "r1" });
    assert.deepEqual(await left, { room: "r1" });
    assert.deepEqual(await getJson("/control/room-members?room=r1"), { count: 0 });
  });

  await check("slow_ack and no_ack timeouts", async () => {
    assert.deepEqual(await a.timeout(2000).emitWithAck("slow_ack", 100), { ok: true, delayed: 100 });
    await assert.rejects(a.timeout(100).emitWithAck("slow_ack", 500));
    await assert.rejects(a.timeout(100).emitWithAck("no_ack"));
  });

  await check("/admin namespace welcome + echo", async () => {
    const admin = open("/admin");
    const w = await once(admin, "welcome");
    assert.equal(w.ns, "/admin");
    assert.deepEqual(await admin.emitWithAck("echo", "hi"), "hi");
  });

  await check("/secure rejects a bad token, accepts good-token", async () => {
    const bad = open("/secure", { auth: { token: "nope" }, reconnection: false });
    const err = await once(bad, "connect_error");
    assert.equal(err.message, "invalid token");
    assert.deepEqual(err.data, { code: "AUTH" });
    assert.equal((await getJson("/control/stats")).secureRejections, 1);
    const good = open("/secure", { auth: { token: "good-token" } });
    assert.equal((await once(good, "welcome")).ns, "/secure");
  });

  await check("drop_me → transport close → auto-reconnect", async () => {
    const reason = once(a, "disconnect");
    a.emit("drop_me");
    assert.equal(await reason, "transport close");
    const w = await once(a, "welcome", 5000);
    assert.equal(w.sid, a.id);
  });

  await check("POST /control/drop-all → clients reconnect", async () => {
    const reason = once(b, "disconnect");
    const res = await postJson("/control/drop-all", {});
    assert.equal(res.ok, true);
    assert.ok(res.dropped >= 2, `dropped ${res.dropped}`);
    assert.equal(await reason, "transport close");
    await once(b, "welcome", 5000);
  });

  await check("kick_me → io server disconnect, no auto-reconnect", async () => {
    const c = open("/");
    await once(c, "welcome");
    const reason = once(c, "disconnect");
    c.emit("kick_me");
    assert.equal(await reason, "io server disconnect");
    await sleep(500);
    assert.equal(c.connected, false);
    assert.equal(c.active, false);
  });
} finally {
  for (const s of sockets) s.disconnect();
  child.kill("SIGTERM");
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
