// In-page side of the benchmark: every variant, every measure. Bundled by esbuild into bench/.build/harness.js;
// the runner (bench/run.mjs) drives it through page.evaluate(window.bench.<measure>(...)).
import { opened } from './capture-ws.mjs'; // first: it must wrap WebSocket before socket.io-client reads it
import { init, SocketClient, MessageStore } from '../../pkg/dist/index.js';
import { SharedConnection } from '../../pkg/dist/tabs/index.js';
import glueInit, { boundaryProbe } from '../../pkg/wasm/inbox_realtime.js';
import { io } from 'socket.io-client';
import { HooksPortStore } from '../stores/b1-hooks-port.mjs';
import { JsMessageStore } from '../stores/b2-js-store.mjs';
import { optimisticSends, makeEvents, checkRoom, CUSTOMER_PHONE, CUSTOMER_TEXT } from '../lib/workload.mjs';
import { afterMicrotasks } from './tasks.mjs';

const params = new URLSearchParams(location.search);
const IO_URL = `http://127.0.0.1:${params.get('io')}`;
const ECHO_URL = `ws://127.0.0.1:${params.get('echo')}`;
const WASM_URL = params.get('wasm') ?? '/pkg/wasm/inbox_realtime_bg.wasm';

let wasmExports = null;
const now = () => performance.now();
// BENCH_PROFILE: the profile run sets this to CPU-profile only the timed part of e2e, replay, store-only and react
// (console.profile, read over CDP).
const loopProfile = (on, name) => {
  if (globalThis.PROFILE_LOOPS) on ? console.profile(name) : console.profileEnd(name);
};
const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const collect = () => {
  if (typeof gc === 'function') {
    gc();
    gc();
  }
};
let roomSeq = 0;
const freshRoom = (tag) => `room-${tag}-${++roomSeq}-${Math.random().toString(36).slice(2, 8)}`;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---- clients ---------------------------------------------------------------------------------------------------

const FAST_BACKOFF = { reconnectionDelay: 50, reconnectionDelayMax: 50, randomizationFactor: 0 };

async function connectOurs(options = {}) {
  const client = new SocketClient(IO_URL, { autoConnect: false, ...options });
  const connected = new Promise((resolve) => client.once('connect', resolve));
  client.connect();
  await withTimeout(connected, 10_000, 'ours connect');
  return client;
}

async function connectIo(options = {}) {
  // websocket only (ours has no polling): socket.io-client's fastest configuration; forceNew: one connection each.
  const socket = io(IO_URL, { transports: ['websocket'], forceNew: true, ...options });
  await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), 10_000, 'io connect');
  return socket;
}

async function connectFloor() {
  const ws = new WebSocket(ECHO_URL);
  await withTimeout(new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('floor websocket failed'));
  }), 10_000, 'floor connect');
  return ws;
}

function makeStore(variant) {
  switch (variant) {
    case 'ours':
      return new MessageStore({ clientIdPrefix: 'ours' });
    case 'b1':
      return new HooksPortStore();
    case 'b2':
      return new JsMessageStore();
    default:
      return null;
  }
}

const ingestOne = (variant, store) =>
  variant === 'ours' ? (p) => store.handleEvent('new_message', p) : (p) => store.handleNewMessage(p);

function checkStore(variant, store, room, n, base, cids) {
  const opts = variant === 'b1' ? { ordered: false, keys: false } : {};
  return checkRoom(store.snapshot(room), n, base, cids, opts);
}

/**
 * What every ingest measure starts from: a fresh store for `variant` (none for B0 and the floors) subscribed to
 * `room`, the workload's optimistic sends made (their client ids; made-up ones without a store), and the base time.
 */
function prepareIngest(variant, room, n) {
  const store = makeStore(variant);
  const seen = { notified: 0 };
  if (store) store.subscribe(room, () => seen.notified++);
  const cids = optimisticSends(n).map((s) => (store ? store.addOptimistic(room, s.text, s.user) : `${variant}-${s.j}`));
  seen.notified = 0;
  return { store, cids, seen, base: Date.now() };
}

/**
 * A connected client for `variant` that feeds `store` (ours: attached inside wasm, its errors into `errors`;
 * socket.io-client: a listener per event) or, without a store, calls `count` per event. Our SocketClient and
 * socket.io-client's socket have the same on / emit / emitWithAck. `close()` also destroys our store.
 */
async function ingestingClient(variant, store, count, errors) {
  const ours = variant === 'ours' || variant === 'ours0';
  const socket = ours ? await connectOurs() : await connectIo();
  if (store && ours) {
    store.attach(socket);
    store.onError((e) => errors.push(e.message));
  } else socket.on('new_message', store ? ingestOne(variant, store) : count);
  const close = ours
    ? () => {
        store?.destroy();
        socket.destroy();
      }
    : () => socket.disconnect();
  return { socket, ours, close };
}

/** A variant without a store heard every event. */
const counted = (variant, received, n) => (received === n ? null : `${variant} counted ${received} of ${n}`);

/** The store holds exactly the workload's messages, and its subscriber heard one notification per event. */
function checkIngest(variant, store, room, n, base, cids, notified) {
  return checkStore(variant, store, room, n, base, cids) ?? (notified === n ? null : `${notified} notifications for ${n} events`);
}

// ---- measures --------------------------------------------------------------------------------------------------

/**
 * End-to-end ingest: optimistic sends made, events prepared on the server, then timed from the trigger emit until
 * `bench_done` (sent after the last event on the same socket) reached the page: by then every event went through
 * the store and its subscribers.
 */
async function e2e(variant, n) {
  const room = freshRoom(`e2e-${variant}`);
  if (variant === 'floor' || variant === 'wasmfloor') {
    // wasmfloor: the same bare WebSocket, each frame's text handed to a no-op wasm export — the least any wasm
    // client pays per message (MessageEvent.data + the string copied into wasm memory).
    const toWasm = variant === 'wasmfloor';
    const ws = await connectFloor();
    let count = 0;
    let bytes = 0;
    let t1 = 0;
    let onPrepared;
    const prepared = new Promise((resolve) => (onPrepared = resolve));
    const done = new Promise((resolve) => {
      ws.onmessage = (e) => {
        if (e.data.startsWith('42["bench_done"')) {
          t1 = now();
          resolve();
        } else if (e.data === '{"op":"prepared"}') onPrepared();
        else {
          count++;
          if (toWasm) bytes += boundaryProbe(e.data);
        }
      };
    });
    const cids = optimisticSends(n).map((_, k) => `floor-${k}`);
    ws.send(JSON.stringify({ op: 'prepare', room, n, base: Date.now(), cids }));
    await withTimeout(prepared, 30_000, 'floor prepare');
    collect();
    const t0 = now();
    ws.send('{"op":"go"}');
    await withTimeout(done, 300_000, 'floor e2e');
    ws.close();
    const error = count !== n ? `floor received ${count} of ${n}` : toWasm && bytes === 0 ? 'no bytes reached wasm' : null;
    return { ms: t1 - t0, error };
  }

  const { store, cids, seen, base } = prepareIngest(variant, room, n);
  let received = 0;
  const errors = [];
  const { socket, ours, close } = await ingestingClient(variant, store, () => received++, errors);
  if (ours) socket.joinRoom(room); // tracked for re-joins; the prepare ack below comes after its ack
  else await socket.emitWithAck('join_room', room);
  await socket.emitWithAck('bench_prepare', { room, n, base, cids });
  let t1 = 0;
  const done = new Promise((resolve) => socket.on('bench_done', () => resolve((t1 = now()))));
  collect();
  loopProfile(true, 'e2e');
  const t0 = now();
  socket.emit('bench_go', { room });
  await withTimeout(done, 300_000, `${variant} e2e`);
  loopProfile(false, 'e2e');
  const error = errors[0] ?? (store ? checkIngest(variant, store, room, n, base, cids, seen.notified) : counted(variant, received, n));
  close();
  return { ms: t1 - t0, error };
}

/**
 * Frame replay: the frames the server sends in `e2e`, built in the page and handed straight to each client's
 * WebSocket `onmessage` in a loop — the client's whole per-frame cost (Engine.IO/Socket.IO decode, store,
 * notification) with no network, no server and no other process competing for the two cores. floor: a handler
 * that reads `data` and counts; wasmfloor: one that hands `data` to a no-op wasm export.
 */
async function replay(variant, n) {
  const room = freshRoom(`replay-${variant}`);
  const { store, cids, seen, base } = prepareIngest(variant, room, n);
  const frames = makeEvents(room, n, base, cids).map(
    (e) => new MessageEvent('message', { data: `42${JSON.stringify(['new_message', e])}` }),
  );
  let received = 0;
  let bytes = 0;
  let ws = null;
  let handler;
  let close = () => {};
  const errors = [];
  if (variant === 'floor') handler = () => received++;
  else if (variant === 'wasmfloor') handler = (e) => (bytes += boundaryProbe(e.data));
  else ({ close } = await ingestingClient(variant, store, () => received++, errors));
  if (!handler) {
    ws = opened.at(-1);
    if (!ws || ws.readyState !== WebSocket.OPEN || typeof ws.onmessage !== 'function') {
      close();
      return { error: `${variant}: no open WebSocket with an onmessage handler` };
    }
    handler = ws.onmessage;
  }
  collect();
  loopProfile(true, 'replay');
  const t0 = now();
  for (let i = 0; i < n; i++) handler.call(ws, frames[i]);
  // socket.io-client hands decoded packets on in a microtask: time until every queued one ran.
  await afterMicrotasks();
  const ms = now() - t0;
  loopProfile(false, 'replay');
  let error = errors[0] ?? null;
  if (!error && store) error = checkIngest(variant, store, room, n, base, cids, seen.notified);
  else if (!error) error = variant === 'wasmfloor' ? (bytes > 0 ? null : 'no bytes reached wasm') : counted(variant, received, n);
  close();
  return { ms, error };
}

/** Store-only ingest: the same sequence fed straight into the store in the page, no network. */
async function storeOnly(variant, n) {
  if (variant === 'floor') return boundaryFloor(n);
  const room = freshRoom(`mem-${variant}`);
  const { store, cids, seen, base } = prepareIngest(variant, room, n);
  const events = makeEvents(room, n, base, cids);
  const ingest = ingestOne(variant, store);
  collect();
  loopProfile(true, 'store-only');
  const t0 = now();
  for (let i = 0; i < events.length; i++) ingest(events[i]);
  const ms = now() - t0;
  loopProfile(false, 'store-only');
  const error = checkIngest(variant, store, room, n, base, cids, seen.notified);
  if (variant === 'ours') store.destroy();
  return { ms, error };
}

/**
 * The floor under any wasm store fed JS objects: each event serialised (`JSON.stringify`) and the text handed to a
 * no-op wasm export. No store work at all.
 */
function boundaryFloor(n) {
  const cids = optimisticSends(n).map((_, k) => `floor-${k}`);
  const events = makeEvents(freshRoom('floor'), n, Date.now(), cids);
  collect();
  let bytes = 0;
  const t0 = now();
  for (let i = 0; i < events.length; i++) bytes += boundaryProbe(JSON.stringify(events[i]));
  const ms = now() - t0;
  return { ms, error: bytes > 0 ? null : 'no bytes reached wasm' };
}

function percentile(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Round trips: `ack` = emit → server ack → callback; `event` = emit → server emits back → listener. µs. */
async function rtt(variant, kind, count, warmup = 100) {
  const samples = new Float64Array(count);
  const payload = (i) => ({ room_id: 'rtt', text: 'ping', seq: i });
  let close;
  let once;
  if (variant === 'floor') {
    const ws = await connectFloor();
    let resolve;
    ws.onmessage = () => resolve();
    once = (i) =>
      new Promise((r) => {
        resolve = r;
        ws.send(JSON.stringify(payload(i)));
      });
    close = () => ws.close();
  } else if (variant === 'siofloor') {
    // The protocol floor: the least any Socket.IO client can do against the same socket.io server — a bare
    // WebSocket speaking just enough Engine.IO/Socket.IO (handshake, pong, one event or ack at a time).
    const ws = new WebSocket(`${IO_URL.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    let resolve;
    let connected;
    const ready = new Promise((r) => (connected = r));
    ws.onmessage = (e) => {
      const d = e.data;
      if (d === '2') ws.send('3');
      else if (d.startsWith('0{')) ws.send('40');
      else if (d.startsWith('40')) connected();
      else if (kind === 'ack' ? d.startsWith('43') : d.startsWith('42["echo_event"')) resolve();
    };
    await withTimeout(ready, 10_000, 'siofloor connect');
    let ackId = 0;
    once = (i) =>
      new Promise((r) => {
        resolve = r;
        const body = JSON.stringify([kind === 'ack' ? 'echo' : 'echo_event', payload(i)]);
        ws.send(kind === 'ack' ? `42${ackId++}${body}` : `42${body}`);
      });
    close = () => ws.close();
  } else if (variant === 'ours') {
    const client = await connectOurs();
    if (kind === 'ack') once = (i) => client.emitWithAck('echo', payload(i));
    else {
      let resolve;
      client.on('echo_event', () => resolve());
      once = (i) =>
        new Promise((r) => {
          resolve = r;
          client.emit('echo_event', payload(i));
        });
    }
    close = () => client.destroy();
  } else {
    const socket = await connectIo();
    if (kind === 'ack') once = (i) => new Promise((r) => socket.emit('echo', payload(i), r));
    else {
      let resolve;
      socket.on('echo_event', () => resolve());
      once = (i) =>
        new Promise((r) => {
          resolve = r;
          socket.emit('echo_event', payload(i));
        });
    }
    close = () => socket.disconnect();
  }
  for (let i = 0; i < warmup; i++) await once(i);
  collect();
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await once(i);
    samples[i] = (now() - t0) * 1000;
  }
  close();
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), error: null };
}

/**
 * Objects in `next` that `prev` did not hand out: the array itself (0/1) and messages not in `prev`. Compared by
 * position first, allocating nothing when every earlier message kept its place: a 10 000-entry `Set` per message
 * was garbage whose collection landed in the next message's timed part, on whichever variant allocated next (ours:
 * 42 against 16 µs per event + snapshot).
 */
function newObjectCount(prev, next) {
  let created = next === prev ? 0 : 1;
  let i = 0;
  while (i < prev.length && i < next.length && next[i] === prev[i]) i++;
  if (i === prev.length) return created + next.length - i;
  const old = new Set(prev);
  for (let k = 0; k < next.length; k++) if (!old.has(next[k])) created++;
  return created;
}

/**
 * React-facing cost in a `size`-message room: after one new message, produce what the component renders.
 * ours: snapshot(room); B2: snapshot(room); B1: its setState copy `[...prev, msg]` (and the full event, below).
 * Also the whole path, event + snapshot. New objects = new array (0/1) + elements not in the previous snapshot.
 */
async function reactCost(variant, size, reps) {
  const room = freshRoom(`react-${variant}`);
  const store = makeStore(variant);
  const cids = optimisticSends(size).map((s) => store.addOptimistic(room, s.text, s.user));
  const base = Date.now();
  const ingest = ingestOne(variant, store);
  for (const e of makeEvents(room, size, base, cids)) ingest(e);
  // Mounted as a view mounts: subscribed to the room (useSyncExternalStore), then its first snapshot.
  let notified = 0;
  store.subscribe(room, () => notified++);
  let prev = store.snapshot(room);
  const snapUs = [];
  const totalUs = [];
  const newObjects = [];
  collect();
  for (let r = 0; r < reps; r++) {
    const msg = {
      id: `wamid.new.${r}`,
      room_id: room,
      text: 'one more',
      timestamp: base + size + r,
      from: '5511999990000',
      type: 'text',
    };
    let next;
    let snap;
    let t0;
    let t1;
    let t2;
    if (variant === 'b1') {
      // The copy alone, on the same array size, then the real event (which does it again inside its updater).
      const copy = () => [...prev, msg];
      t0 = now();
      copy();
      t1 = now();
      store.handleNewMessage(msg);
      t2 = now();
      next = store.snapshot(room);
      snapUs.push((t1 - t0) * 1000);
      totalUs.push((t2 - t1) * 1000);
    } else {
      t0 = now();
      ingest(msg);
      t1 = now();
      snap = store.snapshot(room);
      t2 = now();
      next = snap;
      snapUs.push((t2 - t1) * 1000);
      totalUs.push((t2 - t0) * 1000);
    }
    newObjects.push(newObjectCount(prev, next));
    if (next.length !== size + r + 1) return { error: `room has ${next.length}, expected ${size + r + 1}` };
    if (notified !== r + 1) return { error: `${notified} notifications after ${r + 1} messages` };
    prev = next;
  }
  if (globalThis.PROFILE_LOOPS) {
    // The timed part alone (event + snapshot), without the checks between reps.
    loopProfile(true, 'react');
    for (let r = 0; r < 300; r++) {
      ingest({ id: `wamid.prof.${r}`, room_id: room, text: 'one more', timestamp: base + 2 * size + r, from: '5511999990000', type: 'text' });
      store.snapshot(room);
    }
    loopProfile(false, 'react');
  }
  if (variant === 'ours') store.destroy();
  // Means: a B2 snapshot takes less than the 5 µs timer step, so medians of single samples would read 0 or 5.
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const med = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  return { snapUs: mean(snapUs), totalUs: mean(totalUs), newObjects: med(newObjects), error: null };
}

/**
 * Memory from now on, after forced GC: call the result after the work to get the JS heap's and the wasm memory's
 * growth in bytes (wasm memory never shrinks: a transient peak there stays).
 */
async function memoryGrowth() {
  const wasmBytes = () => (wasmExports ? wasmExports.memory.buffer.byteLength : 0);
  await sleep(50);
  collect();
  const heap0 = performance.memory.usedJSHeapSize;
  const wasm0 = wasmBytes();
  return async () => {
    await sleep(50);
    collect();
    return { heap: performance.memory.usedJSHeapSize - heap0, wasm: wasmBytes() - wasm0 };
  };
}

/**
 * Bytes retained by a `n`-message room after forced GC (fresh page per call; JS heap + wasm memory growth).
 * `delivery`: 'shared' feeds the workload's objects as built (the 9 000 customer messages share one text string,
 * which a JS store then keeps once); 'network' feeds each event as socket.io-client hands it over — a fresh
 * `JSON.parse` of its frame, so every message has its own strings, as in a real inbox.
 */
async function memory(variant, n, delivery = 'shared') {
  const room = freshRoom(`mem-${variant}`);
  const grown = await memoryGrowth();
  const store = makeStore(variant);
  const cids = optimisticSends(n).map((s) => store.addOptimistic(room, s.text, s.user));
  const base = Date.now();
  {
    const ingest = ingestOne(variant, store);
    let events = makeEvents(room, n, base, cids);
    const network = delivery === 'network';
    for (const e of events) ingest(network ? JSON.parse(JSON.stringify(e)) : e);
    events = null;
  }
  window.__keep = store;
  const alone = await grown();
  // What a mounted room view holds on top: its subscription and one snapshot (ours builds its JS objects here).
  window.__keepView = store.subscribe(room, () => {});
  window.__keepSnapshot = store.snapshot(room);
  const mounted = await grown();
  // Checked last: the check reads a snapshot, which must not be built before the "store alone" reading.
  const error = checkStore(variant, store, room, n, base, cids);
  if (error) return { error };
  return {
    storeBytes: alone.heap + alone.wasm,
    wasmBytes: alone.wasm,
    withSnapshotBytes: mounted.heap + mounted.wasm,
    mountedWasmBytes: mounted.wasm,
    error: null,
  };
}

/**
 * Memory of an inbox-shaped store after forced GC: `roomCount` conversations of `perRoom` customer messages, fed
 * as the network delivers them, then what an inbox page keeps mounted: the inbox list (`subscribe('*')` +
 * `rooms()`) and one open conversation (`subscribe` + `snapshot`). Ours holds a message twice (wasm and the view's
 * object) only in rooms a view shows; `memory` above measures the worst case, a 10 000-message room on screen.
 */
async function memoryInbox(variant, roomCount, perRoom) {
  const tag = freshRoom(`meminbox-${variant}`);
  const rooms = Array.from({ length: roomCount }, (_, r) => `${tag}-${r}`);
  const grown = await memoryGrowth();
  const store = makeStore(variant);
  {
    const feed = ingestOne(variant, store);
    const base = Date.now() - 10_000_000;
    for (let i = 0; i < perRoom; i++) {
      for (let r = 0; r < roomCount; r++) {
        const e = { id: `${rooms[r]}.m${i}`, room_id: rooms[r], text: CUSTOMER_TEXT, timestamp: base + i * roomCount + r, from: CUSTOMER_PHONE, type: 'text', contact_name: `Contact ${r}` };
        feed(JSON.parse(JSON.stringify(e)));
      }
    }
  }
  const open = rooms[roomCount - 1];
  window.__keep = store;
  window.__keepView = [store.subscribe('*', () => {}), store.subscribe(open, () => {})];
  window.__keepSnapshot = [store.rooms(), store.snapshot(open)];
  const { heap, wasm: wasmBytes } = await grown();
  const bytes = heap + wasmBytes;
  const [list, shown] = window.__keepSnapshot;
  let error = null;
  if (list.length !== roomCount || list[0]?.room_id !== open) error = `inbox of ${list.length} rooms led by ${list[0]?.room_id}`;
  else if (shown.length !== perRoom || shown[perRoom - 1].id !== `${open}.m${perRoom - 1}`) error = `open room shows ${shown.length} messages`;
  else if (list.some((s) => s.unread !== perRoom)) error = 'an unread count is not the messages fed';
  window.__keep = window.__keepView = window.__keepSnapshot = null;
  return { bytes, wasmBytes, error };
}

// ---- inbox list ------------------------------------------------------------------------------------------------

/**
 * The inbox list after one message, with `roomCount` conversations of 5 customer messages each: `count` more
 * messages spread over the rooms (message k to room ⌊k·R/count⌋, or k mod R with fewer rooms than messages), each
 * newer than everything before (its room moves to the top), each followed by what a mounted `useInbox` does: a
 * `subscribe('*')` listener heard the change, so the list is read again (`rooms()`). µs per message, timed over all.
 */
async function inboxAfterMessage(variant, roomCount, count) {
  const store = makeStore(variant);
  const feed = ingestOne(variant, store);
  const tag = freshRoom(`inbox-${variant}`);
  const rooms = Array.from({ length: roomCount }, (_, r) => `${tag}-${r}`);
  const contact = (r) => `Contact ${r}`;
  const base = Date.now() - 1_000_000;
  const message = (r, id, timestamp) => ({
    id,
    room_id: rooms[r],
    text: CUSTOMER_TEXT,
    timestamp,
    from: CUSTOMER_PHONE,
    type: 'text',
    contact_name: contact(r),
  });
  // Distinct timestamps: room r's i-th message at base + i·R + r, so the order never rests on the tie-break.
  const PER_ROOM = 5;
  for (let i = 0; i < PER_ROOM; i++) for (let r = 0; r < roomCount; r++) feed(message(r, `${rooms[r]}.m${i}`, base + i * roomCount + r));
  const target = (k) => (roomCount >= count ? Math.floor((k * roomCount) / count) : k % roomCount);
  const events = Array.from({ length: count }, (_, k) => message(target(k), `inbox.${k}`, base + PER_ROOM * roomCount + k));

  let notified = 0;
  let read = 0;
  let list = store.rooms(); // the hook's first render
  const off = store.subscribe('*', () => notified++);
  const tops = new Array(count);
  collect();
  const t0 = now();
  for (let k = 0; k < count; k++) {
    feed(events[k]);
    if (notified !== read) {
      read = notified;
      list = store.rooms();
    }
    tops[k] = list[0];
  }
  const ms = now() - t0;
  off();
  const error = notified !== count ? `${notified} notifications for ${count} messages` : checkInbox(list, rooms, events, tops, PER_ROOM, contact);
  if (variant === 'ours') store.destroy();
  return { us: (ms * 1000) / count, error };
}

/** The list after each message starts with that message's room; the final list is what the messages imply. */
function checkInbox(list, rooms, events, tops, perRoom, contact) {
  for (let k = 0; k < events.length; k++) {
    const top = tops[k];
    if (top?.room_id !== events[k].room_id || top.last_message?.id !== events[k].id) {
      return `after ${events[k].id} the list starts with ${top?.room_id} (last ${top?.last_message?.id}), expected ${events[k].room_id}`;
    }
  }
  if (list.length !== rooms.length) return `the list has ${list.length} rooms, expected ${rooms.length}`;
  const expected = new Map(rooms.map((id, r) => [id, { last: `${id}.m${perRoom - 1}`, unread: perRoom, contact: contact(r) }]));
  for (const e of events) {
    const x = expected.get(e.room_id);
    x.last = e.id;
    x.unread++;
  }
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    const x = expected.get(s.room_id);
    if (!x) return `unexpected room ${s.room_id} in the list`;
    if (s.last_message?.id !== x.last || s.unread !== x.unread || s.contact_name !== x.contact) {
      return `${s.room_id}: last ${s.last_message?.id}, unread ${s.unread}, contact ${s.contact_name}; expected ${x.last}, ${x.unread}, ${x.contact}`;
    }
    const p = list[i - 1];
    if (p && !(p.last_message.timestamp > s.last_message.timestamp)) return `order broken at ${i}: ${p.room_id} before ${s.room_id}`;
  }
  return null;
}

// ---- reconnect -------------------------------------------------------------------------------------------------

let reconnectState = null;

/**
 * Both clients connected and in a room, with the same fast backoff (so the row measures the reconnect path, not
 * a random backoff delay). Rejoined = ours: `rooms_rejoined`; socket.io-client: `connect`, then the app's
 * `join_room` emit acked.
 */
async function reconnectSetup() {
  const room = freshRoom('reconnect');
  const state = { room, ours: {}, io: {} };
  const client = await connectOurs(FAST_BACKOFF);
  const store = new MessageStore();
  store.attach(client);
  client.joinRoom(room);
  await client.emitWithAck('sync');
  state.oursDone = new Promise((resolve) => {
    client.on('disconnect', () => (state.ours.disconnect ??= wallNow()));
    client.on('rooms_rejoined', () => resolve((state.ours.rejoined ??= wallNow())));
  });
  const socket = await connectIo(FAST_BACKOFF);
  await socket.emitWithAck('join_room', room);
  state.ioDone = new Promise((resolve) => {
    socket.on('disconnect', () => (state.io.disconnect ??= wallNow()));
    socket.on('connect', () => {
      socket.emitWithAck('join_room', room).then(() => resolve((state.io.rejoined ??= wallNow())));
    });
  });
  state.cleanup = () => {
    store.destroy();
    client.destroy();
    socket.disconnect();
  };
  reconnectState = state;
  return true;
}

async function reconnectWait() {
  const s = reconnectState;
  try {
    await withTimeout(Promise.all([s.oursDone, s.ioDone]), 20_000, 'reconnect');
    return { ours: s.ours, io: s.io, error: null };
  } catch (e) {
    return { ours: s.ours, io: s.io, error: String(e) };
  } finally {
    s.cleanup();
    reconnectState = null;
  }
}

async function setup() {
  await init(WASM_URL);
  wasmExports = await glueInit({ module_or_path: WASM_URL }); // memoized in the glue: returns the same instance
  return {
    crossOriginIsolated: self.crossOriginIsolated,
    gc: typeof gc === 'function',
    preciseMemory: typeof performance.memory?.usedJSHeapSize === 'number',
    userAgent: navigator.userAgent,
  };
}

function wrap(fn) {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (e) {
      return { error: `${e && e.message ? e.message : e}` };
    }
  };
}

/**
 * Tabs of one browser profile (the `tabs` measure): this page's connection to the bench server, as `variant` makes
 * it: `shared` (inbox-realtime/tabs), `own` (the same, `shareAcrossTabs: false`), `store` (a SocketClient and
 * MessageStore of its own, what the hooks run with `shareAcrossTabs: false`), `b0` (socket.io-client), `b2`
 * (socket.io-client + the B2 store). `watch`: the page shows `room` (else another room). Resolves once connected
 * and in its room.
 */
let tab = null;
async function tabsJoin(variant, room, watch = true) {
  const shown = watch ? room : `${room}-elsewhere`;
  if (variant === 'b0' || variant === 'b2') {
    const socket = await connectIo();
    const store = variant === 'b2' ? new JsMessageStore() : null;
    if (store) {
      socket.on('new_message', (p) => store.handleNewMessage(p));
      store.subscribe(shown, () => {});
    }
    await withTimeout(new Promise((resolve) => socket.emit('join_room', shown, resolve)), 10_000, 'join');
    tab = { mode: () => 'alone', connected: () => socket.connected, count: () => (store ? store.snapshot(room).length : 0) };
    return { error: null };
  }
  if (variant === 'store') {
    // What `useSocket({ shareAcrossTabs: false })` runs: a SocketClient and a MessageStore of the tab's own.
    const client = new SocketClient(IO_URL);
    const store = new MessageStore();
    store.attach(client);
    client.joinRoom(shown);
    store.subscribe(shown, () => {});
    tab = { mode: () => 'alone', connected: () => client.connected, count: () => store.snapshot(room).length };
    await withTimeout(new Promise((resolve) => {
      const check = () => (client.connected ? resolve() : setTimeout(check, 5));
      check();
    }), 10_000, 'tab connect');
    return { error: null };
  }
  const conn = new SharedConnection({ url: IO_URL, shareAcrossTabs: variant === 'shared' });
  conn.store.joinRoom(shown);
  conn.store.subscribe(shown, () => {});
  tab = { mode: () => conn.mode, connected: () => conn.status === 'connected', count: () => conn.store.snapshot(room).length };
  await withTimeout(new Promise((resolve) => {
    const check = () => (conn.status === 'connected' ? resolve() : setTimeout(check, 5));
    check();
  }), 10_000, 'tab connect');
  return { error: null };
}

/** Has the bench server emit `n` workload messages into `room` (from a socket of its own, not in the room). */
async function tabsEmit(room, n) {
  const socket = await connectIo();
  const cids = optimisticSends(n).map((_, k) => `tabs-${k}`);
  await socket.emitWithAck('bench_prepare', { room, n, base: Date.now(), cids });
  socket.emit('bench_go', { room });
  setTimeout(() => socket.disconnect(), 1000);
  return { error: null };
}

window.bench = {
  tabsJoin: wrap(tabsJoin),
  tabsEmit: wrap(tabsEmit),
  tabState: () => (tab ? { mode: tab.mode(), connected: tab.connected(), count: tab.count() } : null),
  setup: wrap(setup),
  e2e: wrap(e2e),
  storeOnly: wrap(storeOnly),
  replay: wrap(replay),
  rtt: wrap(rtt),
  reactCost: wrap(reactCost),
  memory: wrap(memory),
  memoryInbox: wrap(memoryInbox),
  inbox: wrap(inboxAfterMessage),
  reconnectSetup: wrap(reconnectSetup),
  reconnectWait: wrap(reconnectWait),
};
window.benchReady = true;
