// @vitest-environment jsdom
// The browser hooks of SocketClient: online/offline and page visibility.
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { init, SocketClient } from 'inbox-realtime';
import { DEAD_URL, wasmBytes } from './helpers';

beforeAll(() => init(wasmBytes()));
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

  window.dispatchEvent(new Event('offline'));
  expect(['disconnected', 'reconnecting']).toContain(client.status);

  client.destroy();
  for (const [type, fn] of added.mock.calls) {
    expect(removed.mock.calls.some(([t, f]) => t === type && f === fn)).toBe(true);
  }
  const [, visibility] = docAdded.mock.calls.find(([t]) => t === 'visibilitychange')!;
  expect(docRemoved.mock.calls.some(([t, f]) => t === 'visibilitychange' && f === visibility)).toBe(true);
});
