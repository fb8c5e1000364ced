// socket.io-client's Socket API on the TS face, against a real socket.io 4.8 server (the `ws` package standing in
// for the browser's WebSocket): onAny / onAnyOutgoing, chaining, volatile, error-first callbacks with ackTimeout,
// binary refused, reconnection() at run time, reconnect_error, connect_error on network failure.
import type { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { SocketClient } from 'inbox-realtime';
import { DEAD_URL, startSocketServer } from './helpers';

let io: Server;
let url: string;
const clients: SocketClient[] = [];
const make = (u: string, options = {}) => {
  const c = new SocketClient(u, { reconnectionDelay: 20, reconnectionDelayMax: 40, ...options });
  clients.push(c);
  return c;
};

let close: () => Promise<void>;

beforeAll(async () => {
  ({ io, url, close } = await startSocketServer(setup));
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});
afterAll(() => close());

function setup(io: Server): void {
  io.on('connection', (socket) => {
    socket.emit('hello', 'world');
    socket.on('echo', (value: unknown, ack?: (v: unknown) => void) => ack?.(value));
    socket.on('silent', () => {});
    socket.on('ask', async (q: string, ack: (v: unknown) => void) => ack(await socket.emitWithAck('question', q)));
  });
}

it('onAny sees every server event with its name (and the ack callback), onAnyOutgoing every emit', async () => {
  const c = make(url, { autoConnect: false });
  const incoming: unknown[][] = [];
  const outgoing: unknown[][] = [];
  c.onAny((event, ...args) => incoming.push([event, ...args]));
  c.onAnyOutgoing((event, ...args) => outgoing.push([event, ...args]));
  c.on('question', (q: string, ack: (a: string) => void) => ack(`re: ${q}`));
  c.connect();
  await vi.waitFor(() => expect(incoming).toContainEqual(['hello', 'world']));
  await expect(c.emitWithAck('ask', 'why?')).resolves.toBe('re: why?');
  const question = incoming.find((e) => e[0] === 'question')!;
  expect(question[1]).toBe('why?');
  expect(typeof question[2]).toBe('function');
  expect(outgoing).toContainEqual(['ask', 'why?']);
  const before = incoming.length;
  c.offAny(c.listenersAny()[0] as never);
  await c.emitWithAck('ask', 'again');
  expect(incoming.length).toBe(before);
});

it('on/once chain like socket.io-client and still return the unsubscribe function', async () => {
  const c = make(url, { autoConnect: false });
  const hello = vi.fn();
  const connected = vi.fn();
  const off = c.on('hello', hello).once('connect', connected).connect();
  expect(off).toBe(c);
  const unsubscribe = c.on('hello', () => {});
  expect(typeof unsubscribe).toBe('function');
  unsubscribe();
  await vi.waitFor(() => expect(hello).toHaveBeenCalledWith('world'));
  expect(connected).toHaveBeenCalledTimes(1);
  expect(c.listenerCount).toBe(1);
});

it('callbacks are error-first with ackTimeout (and told of a timeout), response-only without', async () => {
  const plain = make(url);
  await vi.waitFor(() => expect(plain.connected).toBe(true));
  await expect(new Promise((resolve) => plain.emit('echo', 1, resolve))).resolves.toBe(1);
  const timed = make(url, { ackTimeout: 200 });
  await vi.waitFor(() => expect(timed.connected).toBe(true));
  await expect(new Promise((resolve) => timed.emit('echo', 2, (...a: unknown[]) => resolve(a)))).resolves.toEqual([
    null,
    2,
  ]);
  const [err] = await new Promise<unknown[]>((resolve) => timed.emit('silent', 3, (...a: unknown[]) => resolve(a)));
  expect(err).toMatchObject({ name: 'InboxRealtimeError', code: 'ack_timeout' });
});

it('refuses binary arguments instead of sending {}', () => {
  const c = make(url, { autoConnect: false });
  expect(() => c.emit('upload', new Uint8Array([1, 2]))).toThrow(expect.objectContaining({ code: 'binary_unsupported' }));
  expect(() => c.emit('upload', { file: { data: new ArrayBuffer(2) } })).toThrow(/binary/);
  return expect(c.emitWithAck('upload', [new ArrayBuffer(1)])).rejects.toMatchObject({ code: 'binary_unsupported' });
});

it('volatile emits are dropped while disconnected, sent when connected', async () => {
  const seen: unknown[] = [];
  io.once('connection', (s) => s.on('typing', (v: unknown) => seen.push(v)));
  const c = make(url, { autoConnect: false });
  c.volatile.emit('typing', 'dropped');
  c.connect();
  await vi.waitFor(() => expect(c.connected).toBe(true));
  c.volatile.emit('typing', 'sent');
  await c.emitWithAck('echo', 'flush'); // after the volatile one on the same socket
  expect(seen).toEqual(['sent']);
});

it('network failures are connect_error + reconnect_error; reconnection(false) stops the retries', async () => {
  const c = make(DEAD_URL, { autoConnect: false, transports: ['websocket'] });
  const errors = vi.fn();
  const reconnectErrors = vi.fn();
  c.on('connect_error', errors);
  c.io.on('reconnect_error', reconnectErrors);
  expect(c.io.reconnection()).toBe(true);
  c.connect();
  await vi.waitFor(() => expect(reconnectErrors).toHaveBeenCalled());
  expect(errors.mock.calls[0]![0]).toMatchObject({ code: 'connect_error', message: 'websocket error' });
  c.io.reconnection(false);
  expect(c.io.reconnection()).toBe(false);
  await vi.waitFor(() => expect(c.status).toBe('disconnected'));
  const count = errors.mock.calls.length;
  await new Promise((r) => setTimeout(r, 200));
  expect(errors.mock.calls.length).toBe(count);
});
