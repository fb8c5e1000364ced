// JS↔wasm crossings per incoming message with one mounted conversation: production React, `useSocket` +
// `useRealtimeMessages` in a real root (what an app renders), frames handed to the client's WebSocket `onmessage` one
// at a time, each followed by everything it set off (store, notification, React's render and commit). Its own page
// and bundle: the counting wrappers (count-crossings.mjs) must be in place before the wasm is instantiated, and must
// not slow down the timed measures of harness.mjs. Driven by bench/run.mjs through window.bench.crossings(n).
import { crossings, crossingNames, resetCrossings } from './count-crossings.mjs'; // first: before init()
import { opened } from './capture-ws.mjs';
import { createElement, useLayoutEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { init } from '../../pkg/dist/index.js';
import { useRealtimeMessages, useSocket } from '../../pkg/dist/react.js';
import { CUSTOMER_PHONE, CUSTOMER_TEXT } from '../lib/workload.mjs';
import { afterMicrotasks } from './tasks.mjs';

const params = new URLSearchParams(location.search);
const IO_URL = `http://127.0.0.1:${params.get('io')}`;
const WASM_URL = params.get('wasm') ?? '/pkg/wasm/inbox_realtime_bg.wasm';


/** Waits (task by task, at most `tasks`) until `done()`; returns whether it became true. */
async function settle(done, tasks) {
  for (let i = 0; i < tasks; i++) {
    if (done()) return true;
    await afterMicrotasks();
  }
  return done();
}

/** Waits (polling every 5 ms, at most `ms`) until `done()`; returns whether it became true. */
async function waitFor(done, ms) {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  return done();
}

/** What a conversation component last committed, per room. */
const shown = new Map();
const view = (roomId) => {
  if (!shown.has(roomId)) shown.set(roomId, { commits: 0, length: 0, lastId: null, loading: true });
  return shown.get(roomId);
};

function Conversation({ socket, roomId }) {
  const { messages, loading } = useRealtimeMessages({ socket, roomId });
  useLayoutEffect(() => {
    const v = view(roomId);
    v.commits++;
    v.length = messages.length;
    v.lastId = messages.length ? messages[messages.length - 1].id : null;
    v.loading = loading;
  });
  return createElement('ul', null, messages.map((m) => createElement('li', { key: m.key }, m.text)));
}

let current = { socket: null, isConnected: false };

function App({ rooms }) {
  const { socket, isConnected } = useSocket({ url: IO_URL });
  useLayoutEffect(() => {
    current = { socket, isConnected };
  });
  return socket ? rooms.map((roomId) => createElement(Conversation, { key: roomId, socket, roomId })) : null;
}

const frame = (roomId, id, timestamp) =>
  new MessageEvent('message', {
    data: `42${JSON.stringify([
      'new_message',
      { id, room_id: roomId, text: CUSTOMER_TEXT, timestamp, from: CUSTOMER_PHONE, type: 'text', contact_name: 'Maria' },
    ])}`,
  });

/**
 * `n` messages into the mounted room and `n` into a room nobody shows, alternating (after a few uncounted ones);
 * per message the crossings from handing its frame over until its effects settled. Checks: every mounted message
 * is rendered, a message of the other room renders nothing, and that room holds all of its messages at the end.
 */
async function count(n) {
  const tag = Math.random().toString(36).slice(2, 8);
  const room = `cross-${tag}`;
  const other = `cross-other-${tag}`;
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  root.render(createElement(App, { rooms: [room] }));
  const mounted = view(room);
  if (!(await waitFor(() => current.isConnected && mounted.commits > 0 && !mounted.loading, 10_000))) {
    return { error: `the conversation did not mount (connected ${current.isConnected}, loading ${mounted.loading})` };
  }
  // The server has us in the room (as in production; the frames below do not come from it).
  await current.socket.emitWithAck('sync');
  const ws = opened.at(-1);
  if (!ws || ws.readyState !== WebSocket.OPEN || typeof ws.onmessage !== 'function') {
    return { error: 'no open WebSocket with an onmessage handler' };
  }
  const deliver = (roomId, id, ts) => ws.onmessage.call(ws, frame(roomId, id, ts));
  const base = Date.now();
  let seq = 0;
  const WARMUP = 5;
  for (let k = 0; k < WARMUP; k++) {
    deliver(room, `cross.${seq}`, base + seq++);
    deliver(other, `cross.${seq}`, base + seq++);
  }
  if (!(await settle(() => mounted.length === WARMUP, 100))) return { error: `${mounted.length} of ${WARMUP} warm-up messages rendered` };
  await afterMicrotasks();

  const out = { shown: { toWasm: [], toJs: [], total: [] }, hidden: { toWasm: [], toJs: [], total: [] }, names: {}, error: null };
  const record = (kind) => {
    out[kind].toWasm.push(crossings.toWasm);
    out[kind].toJs.push(crossings.toJs);
    out[kind].total.push(crossings.toWasm + crossings.toJs);
    out.names[kind] = crossingNames();
  };
  for (let k = 0; k < n; k++) {
    const id = `cross.${seq}`;
    resetCrossings();
    deliver(room, id, base + seq++);
    if (!(await settle(() => mounted.lastId === id, 100))) return { error: `message ${id} was not rendered` };
    await afterMicrotasks(); // whatever the commit queued
    record('shown');

    const commits = mounted.commits;
    resetCrossings();
    deliver(other, `cross.${seq}`, base + seq++);
    await afterMicrotasks();
    await afterMicrotasks();
    record('hidden');
    if (mounted.commits !== commits) return { error: 'a message of a room nobody shows re-rendered the mounted conversation' };
    if (out.shown.toWasm[k] === 0) return { error: 'no call into wasm counted for a message: the counting wrappers are not in place' };
  }
  if (mounted.length !== WARMUP + n) return { error: `the conversation shows ${mounted.length} messages, expected ${WARMUP + n}` };
  // The other room got every message although nobody showed it: mounting it now shows them all.
  root.render(createElement(App, { rooms: [room, other] }));
  const late = view(other);
  if (!(await waitFor(() => late.commits > 0 && late.length === WARMUP + n, 5_000))) {
    return { error: `the room nobody showed holds ${late.length} messages, expected ${WARMUP + n}` };
  }
  root.unmount();
  container.remove();
  return out;
}

async function setup() {
  await init(WASM_URL);
  if (crossings.instances !== 1) return { error: `the counting wrappers saw ${crossings.instances} wasm instances, expected 1` };
  return { crossOriginIsolated: self.crossOriginIsolated };
}

const wrap = (fn) => async (...args) => {
  try {
    return await fn(...args);
  } catch (e) {
    return { error: `${e && e.message ? e.message : e}` };
  }
};

window.bench = { setup: wrap(setup), crossings: wrap(count) };
window.benchReady = true;
