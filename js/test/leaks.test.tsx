// @vitest-environment jsdom
// No leaks: 1 000 StrictMode mount/unmount cycles of the hooks, and 1 000 create/connect/destroy cycles of a
// client, against a real socket.io 4.8 server (the `ws` package as the WebSocket), leave no extra listeners (wasm
// client, wasm store, window/document), no JS values held by wasm (live externref slots: closures, callbacks),
// no open WebSockets or server connections, no pending timers, and no growth of wasm linear memory beyond a small
// bound. The figures are printed (console.log) so they show in the test output.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { act, createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Server } from 'socket.io';
import { WebSocket as WsWebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { init, SocketClient, type MessageStore } from 'inbox-realtime';
import { getMessageStore, getSharedSocket, useInbox, useRealtimeMessages, useSocket, type TabSocket } from 'inbox-realtime/react';
// The wasm-bindgen glue the package itself imports (same file, so the same module instance): once the module is
// loaded, its default export resolves with the wasm exports, `memory` and the externref table among them.
import wasmGlue, { type InitOutput } from '../../pkg/wasm/inbox_realtime.js';
import { wasmBytes } from './helpers';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const CYCLES = 1000;
const WARMUP = 100;
/** Rooms the mount/unmount cycles switch among (see the distinct-rooms test for rooms seen only once). */
const ROOMS = 20;
/** Most wasm linear memory may grow between the end of the warm-up and the last cycle. */
const MEMORY_BOUND = 256 * 1024;
const KiB = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

// ---------------------------------------------------------------------------------------------------------------
// Probes
// ---------------------------------------------------------------------------------------------------------------

let wasm: InitOutput;

/** Bytes of wasm linear memory (it only ever grows, in 64 KiB pages). */
const memoryBytes = () => wasm.memory.buffer.byteLength;

/** JS values wasm currently holds in its externref table (listeners, closures, promises, sockets, …). */
function liveExternrefs(): number {
  const table = wasm.__wbindgen_externrefs;
  let n = 0;
  for (let i = 0; i < table.length; i++) {
    const v = table.get(i);
    if (v !== undefined && v !== null) n++;
  }
  return n;
}

/** WebSockets created and not yet closed (client side). */
let openSockets = 0;
let socketsCreated = 0;
class CountingWebSocket extends WsWebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols);
    // A socket closed while still connecting emits `error`; keep an unhandled one from throwing.
    this.on('error', () => {});
    openSockets += 1;
    socketsCreated += 1;
    this.once('close', () => {
      openSockets -= 1;
    });
  }
}

/** Listeners on window/document added and not removed (the client's online/offline/visibility hooks). */
const domListeners = new Map<string, Set<unknown>>();
const restoreDom: (() => void)[] = [];
function trackListeners(target: EventTarget, name: string) {
  const add = target.addEventListener;
  const remove = target.removeEventListener;
  target.addEventListener = function (this: EventTarget, type: string, fn: unknown, options?: unknown) {
    const key = `${name}:${type}`;
    const set = domListeners.get(key) ?? new Set();
    set.add(fn);
    domListeners.set(key, set);
    return add.call(this, type, fn as EventListener, options as AddEventListenerOptions);
  } as typeof add;
  target.removeEventListener = function (this: EventTarget, type: string, fn: unknown, options?: unknown) {
    domListeners.get(`${name}:${type}`)?.delete(fn);
    return remove.call(this, type, fn as EventListener, options as EventListenerOptions);
  } as typeof remove;
  restoreDom.push(() => {
    target.addEventListener = add;
    target.removeEventListener = remove;
  });
}
/** The client's own window/document listeners (React DOM adds a `selectionchange` of its own, once). */
const CLIENT_EVENTS = ['window:online', 'window:offline', 'document:visibilitychange'];
const domListenerCount = () => CLIENT_EVENTS.reduce((n, key) => n + (domListeners.get(key)?.size ?? 0), 0);

/** Pending timeouts (set, neither fired nor cleared): the wasm client's connect/heartbeat/backoff timers. */
const pendingTimers = new Set<unknown>();
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
function trackTimers() {
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const id: unknown = realSetTimeout(
      (...a: unknown[]) => {
        pendingTimers.delete(id);
        if (typeof fn === 'function') fn(...a);
      },
      ms,
      ...rest,
    );
    pendingTimers.add(id);
    return id;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((id: unknown) => {
    pendingTimers.delete(id);
    realClearTimeout(id as Parameters<typeof clearTimeout>[0]);
  }) as typeof clearTimeout;
}

interface Snapshot {
  memory: number;
  externrefs: number;
  domListeners: number;
  openSockets: number;
  timers: number;
  serverClients: number;
}
function snapshot(): Snapshot {
  return {
    memory: memoryBytes(),
    externrefs: liveExternrefs(),
    domListeners: domListenerCount(),
    openSockets,
    timers: pendingTimers.size,
    serverClients: io.engine.clientsCount,
  };
}

/** Let microtasks, socket events and React's scheduler run. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));
async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}
/** No WebSocket open on either side (what an earlier test left behind has gone). */
async function settled(): Promise<void> {
  await until('every WebSocket to close', () => openSockets === 0);
  await until('the server to drop every connection', () => io.engine.clientsCount === 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------------

let io: Server;
let url: string;
let joins = 0;
let leaves = 0;

beforeAll(async () => {
  (globalThis as { WebSocket?: unknown }).WebSocket = CountingWebSocket;
  await init(wasmBytes());
  wasm = await wasmGlue();
  expect(wasm.memory).toBeInstanceOf(WebAssembly.Memory);
  trackListeners(window, 'window');
  trackListeners(document, 'document');
  trackTimers();
  const http = createServer();
  io = new Server(http, { transports: ['websocket'] });
  io.on('connection', (socket) => {
    socket.on('join_room', (room: string, ack?: (r: unknown) => void) => {
      joins += 1;
      void socket.join(room);
      ack?.({ ok: true, room });
    });
    socket.on('leave_room', (room: string) => {
      leaves += 1;
      void socket.leave(room);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  globalThis.setTimeout = realSetTimeout;
  globalThis.clearTimeout = realClearTimeout;
  for (const restore of restoreDom.splice(0)) restore();
  await new Promise((resolve) => io.close(resolve));
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
});

// ---------------------------------------------------------------------------------------------------------------
// Hooks
// ---------------------------------------------------------------------------------------------------------------

interface Seen {
  socket: SocketClient | null;
  loading: boolean;
  rooms: number;
}

function Chat(props: { url: string; roomId: string; out: (seen: Seen) => void }) {
  // A connection of the tab's own: these tests count its client's and store's insides.
  const { socket, isConnected } = useSocket({ url: props.url, shareAcrossTabs: false });
  const { loading } = useRealtimeMessages({ socket, roomId: props.roomId, isConnected });
  const { rooms } = useInbox({ socket });
  props.out({ socket, loading, rooms: rooms.length });
  return null;
}

/** MessagePorts made and not yet closed (a shared connection's ports: the tab's own to its host, in this test). */
let openPorts = 0;
const NativeMessageChannel = globalThis.MessageChannel;
class CountingMessageChannel {
  readonly port1: MessagePort;
  readonly port2: MessagePort;
  constructor() {
    const channel = new NativeMessageChannel();
    for (const port of [channel.port1, channel.port2]) {
      openPorts += 1;
      const close = port.close.bind(port);
      let closed = false;
      port.close = () => {
        if (!closed) openPorts -= 1;
        closed = true;
        close();
      };
    }
    this.port1 = channel.port1;
    this.port2 = channel.port2;
  }
}

interface SharedSeen {
  socket: TabSocket | null;
  loading: boolean;
}

function SharedChat(props: { url: string; roomId: string; out: (seen: SharedSeen) => void }) {
  // Shared across tabs (the default).
  const { socket, isConnected } = useSocket({ url: props.url });
  const { loading } = useRealtimeMessages({ socket, roomId: props.roomId, isConnected });
  useInbox({ socket });
  props.out({ socket, loading });
  return null;
}

describe('no leaks', () => {
  it(`hooks, shareAcrossTabs: false: ${CYCLES} StrictMode mount/unmount cycles (${ROOMS} rooms in turn) return to the baseline`, async () => {
    await settled();
    const hookUrl = `${url}/?case=hooks`;
    const joins0 = joins;
    const leaves0 = leaves;
    let seen: Seen = { socket: null, loading: true, rooms: 0 };
    const out = (s: Seen) => (seen = s);
    const start = snapshot();
    let client: SocketClient | null = null;
    let store: MessageStore | null = null;
    let base: (Snapshot & { clientListeners: number; storeListeners: number }) | null = null;
    const t0 = Date.now();

    for (let i = 0; i < CYCLES; i++) {
      const container = document.createElement('div');
      document.body.appendChild(container);
      const root = createRoot(container);
      const roomId = `room-${i % ROOMS}`;
      const chat = createElement(Chat, { url: hookUrl, roomId, out });
      await act(async () => root.render(createElement(StrictMode, null, chat)));
      if (i === 0) {
        // First cycle: wait for the connection, so later cycles mount on a connected shared client.
        await act(async () => until('the shared client to connect', () => seen.socket?.connected === true));
        client = seen.socket;
        store = getMessageStore(client!);
      }
      // The hook is mounted on the shared client and joined its room.
      expect(seen.socket).toBe(client);
      expect(seen.loading).toBe(false);
      expect(client!.rooms).toEqual([roomId]);
      await act(async () => root.unmount());
      container.remove();
      expect(client!.rooms).toEqual([]);

      if (i === WARMUP - 1) {
        // Let the server process this cycle's join/leave, then take the baseline (nothing mounted, client alive).
        await until('the warm-up joins and leaves to reach the server', () => leaves - leaves0 === WARMUP);
        base = { ...snapshot(), clientListeners: client!.listenerCount, storeListeners: store!.listenerCount };
      }
    }
    const elapsed = Date.now() - t0;

    // Nothing mounted, the shared client still inside its teardown delay: same client, same store, nothing left.
    await until('every join/leave to reach the server', () => leaves - leaves0 === CYCLES);
    expect(joins - joins0).toBe(CYCLES);
    const end = { ...snapshot(), clientListeners: client!.listenerCount, storeListeners: store!.listenerCount };
    expect(getSharedSocket(hookUrl)).toBe(client);
    expect(getMessageStore(client!)).toBe(store);
    expect(end.clientListeners).toBe(base!.clientListeners);
    expect(end.storeListeners).toBe(base!.storeListeners);
    expect(end.externrefs).toBe(base!.externrefs);
    expect(end.domListeners).toBe(base!.domListeners);
    expect(end.openSockets).toBe(1);
    expect(end.serverClients).toBe(1);
    const serverSocket = [...io.sockets.sockets.values()][0]!;
    expect([...serverSocket.rooms]).toEqual([serverSocket.id]); // every room left on the server too
    expect(end.memory - base!.memory).toBeLessThanOrEqual(MEMORY_BOUND);

    // After the teardown delay (250 ms) the shared registry is empty and everything is released.
    await sleep(300);
    expect(getSharedSocket(hookUrl)).toBeNull();
    expect(client!.destroyed).toBe(true);
    expect(store!.destroyed).toBe(true);
    await until('the server to see the client go', () => io.engine.clientsCount === start.serverClients);
    await until('the WebSocket to close', () => openSockets === start.openSockets);
    const after = snapshot();
    expect(after.externrefs).toBe(start.externrefs);
    expect(after.domListeners).toBe(start.domListeners);
    expect(after.timers).toBeLessThanOrEqual(start.timers);

    console.log(
      `[leaks] hooks x${CYCLES} in ${elapsed} ms (StrictMode, useSocket+useRealtimeMessages+useInbox, ${ROOMS} ` +
        `rooms in turn): client listeners ${base!.clientListeners} -> ${end.clientListeners}, store listeners ` +
        `${base!.storeListeners} -> ${end.storeListeners}, live externrefs ${start.externrefs} / ` +
        `${base!.externrefs} (cycle ${WARMUP}) / ${end.externrefs} (cycle ${CYCLES}) / ${after.externrefs} (torn ` +
        `down), window+document listeners ${base!.domListeners} -> ${end.domListeners} -> ${after.domListeners}, ` +
        `wasm memory ${KiB(start.memory)} / ${KiB(base!.memory)} / ${KiB(end.memory)} (growth cycle ${WARMUP}..` +
        `${CYCLES}: ${end.memory - base!.memory} B, bound ${MEMORY_BOUND} B), pending timers ${start.timers} -> ` +
        `${after.timers}, open WebSockets ${openSockets}, server clients ${after.serverClients}, shared client ` +
        `torn down: ${client!.destroyed}`,
    );
  }, 60_000);

  it(`hooks, shared across tabs (the default): ${CYCLES} StrictMode mount/unmount cycles return to the baseline, then close every port`, async () => {
    // jsdom has no Web Locks: the connection is this tab's own ('alone'), served to itself over a MessageChannel,
    // the same host and tab code as when shared.
    await settled();
    globalThis.MessageChannel = CountingMessageChannel as unknown as typeof MessageChannel;
    try {
      const hookUrl = `${url}/?case=tabs`;
      const leaves0 = leaves;
      let seen: SharedSeen = { socket: null, loading: true };
      const out = (s: SharedSeen) => (seen = s);
      const start = { ...snapshot(), ports: openPorts };
      let socket: TabSocket | null = null;
      let base: (Snapshot & { listeners: number; ports: number }) | null = null;
      for (let i = 0; i < CYCLES; i++) {
        const container = document.createElement('div');
        document.body.appendChild(container);
        const root = createRoot(container);
        const roomId = `room-${i % ROOMS}`;
        await act(async () => root.render(createElement(StrictMode, null, createElement(SharedChat, { url: hookUrl, roomId, out }))));
        if (i === 0) {
          await act(async () => until('the shared connection to connect', () => seen.socket?.connected === true));
          socket = seen.socket;
          expect(socket!.mode).toBe('alone');
        }
        expect(seen.socket).toBe(socket);
        expect(seen.loading).toBe(false);
        await act(async () => root.unmount());
        container.remove();
        if (i === WARMUP - 1) {
          await until('the warm-up leaves to reach the server', () => leaves - leaves0 === WARMUP);
          base = { ...snapshot(), listeners: socket!.connection.store.listenerCount, ports: openPorts };
        }
      }
      await until('every leave to reach the server', () => leaves - leaves0 === CYCLES);
      const end = { ...snapshot(), listeners: socket!.connection.store.listenerCount, ports: openPorts };
      expect(end.listeners).toBe(base!.listeners);
      expect(end.externrefs).toBe(base!.externrefs);
      expect(end.ports).toBe(base!.ports);
      expect(end.openSockets).toBe(1);
      expect(end.serverClients).toBe(1);
      const serverSocket = [...io.sockets.sockets.values()][0]!;
      expect([...serverSocket.rooms]).toEqual([serverSocket.id]);
      expect(end.memory - base!.memory).toBeLessThanOrEqual(MEMORY_BOUND);

      // After the teardown delay the connection, its host and both ports are gone.
      await sleep(300);
      expect(socket!.destroyed).toBe(true);
      expect(socket!.connection.store.destroyed).toBe(true);
      await until('the server to see the client go', () => io.engine.clientsCount === start.serverClients);
      await until('the WebSocket to close', () => openSockets === start.openSockets);
      const after = { ...snapshot(), ports: openPorts };
      expect(after.ports).toBe(start.ports);
      expect(after.externrefs).toBe(start.externrefs);
      expect(after.domListeners).toBe(start.domListeners);
      expect(after.timers).toBeLessThanOrEqual(start.timers);
      console.log(
        `[leaks] hooks shared across tabs (the default) x${CYCLES}: tab listeners ${base!.listeners} -> ${end.listeners}, open ports ` +
          `${start.ports} / ${base!.ports} / ${end.ports} / ${after.ports} (torn down), live externrefs ${start.externrefs} / ` +
          `${base!.externrefs} / ${end.externrefs} / ${after.externrefs}, wasm memory growth ${end.memory - base!.memory} B`,
      );
    } finally {
      globalThis.MessageChannel = NativeMessageChannel;
    }
  }, 60_000);

  it(`hooks: ${CYCLES} cycles that each tear the shared client down (fake 250 ms) leave nothing behind`, async () => {
    // Each cycle: mount (StrictMode), unmount, let the 250 ms teardown run (fake timers): a new shared client and
    // store every time, destroyed before it connects (a page switch faster than the handshake).
    await settled();
    const hookUrl = `${url}/?case=churn`;
    let seen: Seen = { socket: null, loading: true, rooms: 0 };
    const out = (s: Seen) => (seen = s);
    const start = snapshot();
    let base: Snapshot | null = null;
    const clients = new Set<SocketClient>();
    const created0 = socketsCreated;
    const t0 = Date.now();
    // (The fake clock also drives the in-process server's timers, so vi.getTimerCount() is no measure of the
    // client's timers here; the real-timer tests count those.)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      for (let i = 0; i < CYCLES; i++) {
        const container = document.createElement('div');
        document.body.appendChild(container);
        const root = createRoot(container);
        const chat = createElement(Chat, { url: hookUrl, roomId: `churn-${i}`, out });
        await act(async () => root.render(createElement(StrictMode, null, chat)));
        const client = seen.socket!;
        expect(client).not.toBeNull();
        expect(clients.has(client)).toBe(false);
        clients.add(client);
        await act(async () => root.unmount());
        container.remove();
        expect(getSharedSocket(hookUrl)).toBe(client); // still inside the teardown delay
        vi.advanceTimersByTime(260);
        expect(getSharedSocket(hookUrl)).toBeNull();
        expect(client.destroyed).toBe(true);
        if (i % 50 === 49) await until('closed WebSockets', () => openSockets === start.openSockets, 5000);
        if (i === WARMUP - 1) base = snapshot();
      }
    } finally {
      vi.useRealTimers();
    }
    const elapsed = Date.now() - t0;
    await until('every WebSocket to close', () => openSockets === start.openSockets);
    await until('the server to drop every connection', () => io.engine.clientsCount === start.serverClients);
    await sleep(50);
    const end = snapshot();
    expect(clients.size).toBe(CYCLES);
    expect(end.externrefs).toBe(start.externrefs);
    expect(end.domListeners).toBe(start.domListeners);
    expect(end.memory - base!.memory).toBeLessThanOrEqual(MEMORY_BOUND);
    console.log(
      `[leaks] hooks with full teardown x${CYCLES} in ${elapsed} ms: ${clients.size} shared clients created and ` +
        `destroyed, ${socketsCreated - created0} WebSockets opened, open WebSockets ${end.openSockets}, server ` +
        `clients ${end.serverClients}, live externrefs ${start.externrefs} / ${base!.externrefs} / ` +
        `${end.externrefs}, window+document listeners ${end.domListeners}, wasm memory ${KiB(base!.memory)} -> ` +
        `${KiB(end.memory)} (growth cycle ${WARMUP}..${CYCLES}: ${end.memory - base!.memory} B)`,
    );
  }, 60_000);

  it(`hooks: ${CYCLES} rooms each shown once keep per-room views only until the store goes`, async () => {
    // Regression (found here): the store used to cache a snapshot and a typing array for every room it was asked
    // about, even empty ones no hook shows any more (2 JS values per room). Empty rooms and empty typing lists now
    // share one frozen empty array: nothing is kept per room.
    await settled();
    const hookUrl = `${url}/?case=distinct`;
    let seen: Seen = { socket: null, loading: true, rooms: 0 };
    const out = (s: Seen) => (seen = s);
    const start = snapshot();
    let client: SocketClient | null = null;
    let store: MessageStore | null = null;
    let base: (Snapshot & { clientListeners: number; storeListeners: number }) | null = null;
    for (let i = 0; i < CYCLES; i++) {
      const container = document.createElement('div');
      document.body.appendChild(container);
      const root = createRoot(container);
      await act(async () =>
        root.render(createElement(StrictMode, null, createElement(Chat, { url: hookUrl, roomId: `d-${i}`, out }))),
      );
      if (i === 0) {
        await act(async () => until('the shared client to connect', () => seen.socket?.connected === true));
        client = seen.socket;
        store = getMessageStore(client!);
      }
      expect(seen.socket).toBe(client);
      await act(async () => root.unmount());
      container.remove();
      if (i === WARMUP - 1) {
        base = { ...snapshot(), clientListeners: client!.listenerCount, storeListeners: store!.listenerCount };
      }
    }
    const end = { ...snapshot(), clientListeners: client!.listenerCount, storeListeners: store!.listenerCount };
    expect(getSharedSocket(hookUrl)).toBe(client);
    expect(client!.rooms).toEqual([]);
    expect(store!.rooms()).toEqual([]); // no room the inbox would list
    expect(end.clientListeners).toBe(base!.clientListeners);
    expect(end.storeListeners).toBe(base!.storeListeners);
    expect(end.domListeners).toBe(base!.domListeners);
    const rooms = CYCLES - WARMUP;
    const refsPerRoom = (end.externrefs - base!.externrefs) / rooms;
    const bytesPerRoom = (end.memory - base!.memory) / rooms;
    expect(refsPerRoom).toBe(0);
    expect(end.memory - base!.memory).toBeLessThanOrEqual(MEMORY_BOUND);
    await sleep(300);
    expect(getSharedSocket(hookUrl)).toBeNull();
    expect(store!.destroyed).toBe(true);
    await settled();
    const after = snapshot();
    expect(after.externrefs).toBe(start.externrefs); // all freed with the store
    expect(after.domListeners).toBe(start.domListeners);
    console.log(
      `[leaks] hooks x${CYCLES}, a distinct room each: while the store lives, live externrefs ${base!.externrefs} ` +
        `(cycle ${WARMUP}) -> ${end.externrefs} (cycle ${CYCLES}) = ${refsPerRoom.toFixed(2)} per distinct room ` +
        `(store snapshot/typing views), wasm memory ${KiB(base!.memory)} -> ${KiB(end.memory)} = ` +
        `${bytesPerRoom.toFixed(0)} B per distinct room; client listeners ${end.clientListeners}, store listeners ` +
        `${end.storeListeners}; after teardown externrefs ${after.externrefs} (start ${start.externrefs})`,
    );
  }, 60_000);

  it(`client: ${CYCLES} new SocketClient + connect() + destroy() cycles return to the baseline`, async () => {
    await settled();
    const start = snapshot();
    let base: Snapshot | null = null;
    const t0 = Date.now();
    for (let i = 0; i < CYCLES; i++) {
      const client = new SocketClient(url, { autoConnect: false });
      const connected = new Promise<void>((resolve) => client.on('connect', () => resolve()));
      client.on('status', () => {});
      client.connect();
      await connected;
      client.joinRoom(`c-${i}`);
      expect(client.listenerCount).toBe(2);
      client.destroy();
      expect(client.listenerCount).toBe(0);
      expect(client.destroyed).toBe(true);
      if (i === WARMUP - 1) {
        await until('the warm-up clients to close', () => openSockets === start.openSockets);
        await until('the server to drop the warm-up clients', () => io.engine.clientsCount === start.serverClients);
        base = snapshot();
      }
    }
    const elapsed = Date.now() - t0;
    await until('every WebSocket to close', () => openSockets === start.openSockets);
    await until('the server to drop every client', () => io.engine.clientsCount === start.serverClients);
    await sleep(50);
    const end = snapshot();
    expect(end.externrefs).toBe(start.externrefs);
    expect(end.domListeners).toBe(start.domListeners);
    expect(end.timers).toBeLessThanOrEqual(base!.timers);
    expect(end.memory - base!.memory).toBeLessThanOrEqual(MEMORY_BOUND);
    console.log(
      `[leaks] client x${CYCLES} connect+destroy in ${elapsed} ms: open WebSockets ${start.openSockets} -> ` +
        `${end.openSockets}, server clients ${start.serverClients} -> ${end.serverClients}, live externrefs ` +
        `${start.externrefs} / ${base!.externrefs} / ${end.externrefs}, window+document listeners ` +
        `${start.domListeners} -> ${end.domListeners}, pending timers ${start.timers} / ${base!.timers} / ` +
        `${end.timers}, wasm memory ${KiB(start.memory)} / ${KiB(base!.memory)} / ${KiB(end.memory)} (growth cycle ` +
        `${WARMUP}..${CYCLES}: ${end.memory - base!.memory} B, bound ${MEMORY_BOUND} B)`,
    );
  }, 60_000);
});
