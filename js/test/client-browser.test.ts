// @vitest-environment jsdom
// The browser hooks of SocketClient: online/offline and page visibility.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { init, SocketClient } from 'inbox-realtime';
import { DEAD_URL, wasmBytes } from './helpers';

let io: Server;
let url: string;

beforeAll(async () => {
  await init(wasmBytes());
  const http = createServer();
  io = new Server(http, { transports: ['websocket'] });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => io.close(resolve)));
afterEach(() => vi.restoreAllMocks());

it('follows offline/online and visibility while connected, and removes its DOM listeners on destroy', async () => {
  const added = vi.spyOn(window, 'addEventListener');
  const removed = vi.spyOn(window, 'removeEventListener');
  const docAdded = vi.spyOn(document, 'addEventListener');
  const docRemoved = vi.spyOn(document, 'removeEventListener');

  const client = new SocketClient(DEAD_URL, { autoConnect: false, reconnectionDelay: 60_000, reconnectionDelayMax: 60_000 });
  expect(added).not.toHaveBeenCalled(); // nothing before connect()
  client.connect();
  const events = added.mock.calls.map((c) => c[0]);
  expect(events).toEqual(expect.arrayContaining(['online', 'offline']));
  expect(docAdded.mock.calls.map((c) => c[0])).toContain('visibilitychange');
  client.connect(); // a second connect() adds nothing
  expect(added.mock.calls.length).toBe(events.length);

  // While waiting out a long backoff, "online" retries at once.
  await vi.waitFor(() => expect(client.status).toBe('reconnecting'));
  const attempts = vi.fn();
  client.on('reconnect_attempt', attempts);
  window.dispatchEvent(new Event('online'));
  await vi.waitFor(() => expect(attempts).toHaveBeenCalled());


  client.destroy();
  for (const [type, fn] of added.mock.calls) {
    expect(removed.mock.calls.some(([t, f]) => t === type && f === fn)).toBe(true);
  }
  const [, visibility] = docAdded.mock.calls.find(([t]) => t === 'visibilitychange')!;
  expect(docRemoved.mock.calls.some(([t, f]) => t === 'visibilitychange' && f === visibility)).toBe(true);
});

it('reports a connected client lost at once when the window goes offline', async () => {
  // A long heartbeat: without the offline handling, nothing else would notice for ~45 s.
  const client = new SocketClient(url, { reconnectionDelay: 60_000, reconnectionDelayMax: 60_000 });
  try {
    await vi.waitFor(() => expect(client.status).toBe('connected'));
    const reasons: string[] = [];
    client.on('disconnect', (reason) => reasons.push(reason));
    window.dispatchEvent(new Event('offline'));
    // Synchronously: the event handler itself reports it.
    expect(client.status).toBe('reconnecting');
    expect(client.connected).toBe(false);
    expect(reasons).toEqual(['offline']);
  } finally {
    client.destroy();
  }
});
