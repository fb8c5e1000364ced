// @vitest-environment jsdom
// The outbox through the JS face: the app's sender runs its "send now" requests; coming back online or the tab
// becoming visible sends a waiting message at once instead of after its backoff; order per room; outcomes.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { init, MessageStore, SocketClient, type OutboxSender } from 'inbox-realtime';
import { HttpError } from 'inbox-realtime/react';
import { DEAD_URL, wasmBytes } from './helpers';

beforeAll(() => init(wasmBytes()));

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** A store attached to a client that never connects, with retries far apart (10 min) unless woken. */
function setup(sender: OutboxSender) {
  const client = new SocketClient(DEAD_URL, { autoConnect: false });
  const store = new MessageStore({ keepFailed: true, sendRetryDelayMs: 600_000, sendRetryDelayMaxMs: 600_000 });
  store.attach(client);
  store.setSender(sender);
  cleanup.push(() => {
    store.destroy();
    client.destroy();
  });
  return store;
}

const networkError = () => Promise.reject(new TypeError('Failed to fetch'));

describe('outbox', () => {
  for (const [name, wake] of [
    ['online', () => window.dispatchEvent(new Event('online'))],
    [
      'the tab becoming visible',
      () => {
        Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      },
    ],
  ] as const) {
    it(`a send waiting for the network goes at once on ${name}`, async () => {
      const sender = vi.fn<OutboxSender>().mockImplementationOnce(networkError).mockResolvedValueOnce({ id: 'wamid.1' });
      const store = setup(sender);
      const clientId = store.queueSend('r1', 'hola', 'agent-1');
      const outcome = store.outcome(clientId);
      await vi.waitFor(() => expect(store.outbox()[0]).toMatchObject({ state: 'waiting', waiting_for_network: true }));
      expect(store.snapshot('r1')[0]).toMatchObject({ status: 'pending', error: 'Failed to fetch' });
      wake();
      // The next attempt was 5–15 minutes away: only the wake-up can send it within the test.
      expect(await outcome).toEqual({ ok: true, clientId, response: { id: 'wamid.1' } });
      expect(sender).toHaveBeenCalledTimes(2);
      expect(store.snapshot('r1')[0]).toMatchObject({ status: 'sent', error: null });
      expect(store.outbox()).toEqual([]);
    });
  }

  it("a room's sends go one at a time in the order made; a refused one does not hold the next", async () => {
    const calls: string[] = [];
    const pending: ((v: unknown) => void)[] = [];
    const store = setup((p) => {
      calls.push(p.text);
      if (p.text === 'two') return Promise.reject(Object.assign(new Error('refused'), { status: 422 }));
      return new Promise((resolve) => pending.push(resolve));
    });
    const ids = ['one', 'two', 'three'].map((t) => store.queueSend('r1', t, 'agent-1'));
    await vi.waitFor(() => expect(calls).toEqual(['one']));
    pending.shift()!({ id: 'w1' });
    await vi.waitFor(() => expect(calls).toEqual(['one', 'two', 'three']));
    expect(await store.outcome(ids[1]!)).toMatchObject({ ok: false, error: { message: 'refused' } });
    pending.shift()!({ id: 'w3' });
    await vi.waitFor(() => expect(store.outbox().map((e) => e.state)).toEqual(['failed']));
    expect(store.snapshot('r1').map((m) => [m.text, m.status])).toEqual([
      ['one', 'sent'],
      ['two', 'failed'],
      ['three', 'sent'],
    ]);
  });

  it("waits out the default sender's Retry-After (an HttpError's header, read by the core)", async () => {
    const client = new SocketClient(DEAD_URL, { autoConnect: false });
    // A 10 ms backoff: only the header can push the next attempt 120 s out.
    const store = new MessageStore({ keepFailed: true, sendRetryDelayMs: 10, sendRetryDelayMaxMs: 10 });
    cleanup.push(() => {
      store.destroy();
      client.destroy();
    });
    store.attach(client);
    store.setSender(() => Promise.reject(new HttpError('busy', 503, '120')));
    const started = Date.now();
    store.queueSend('r1', 'later', 'agent');
    await vi.waitFor(() => expect(store.outbox()[0]).toMatchObject({ state: 'waiting', attempts: 1 }));
    expect(store.outbox()[0]!.next_attempt - started).toBeGreaterThanOrEqual(120_000);
  });
});
