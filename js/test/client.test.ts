import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { init, isInboxRealtimeError, SocketClient } from 'inbox-realtime';
import { DEAD_URL, wasmBytes } from './helpers';

beforeAll(() => init(wasmBytes()));

const clients: SocketClient[] = [];
function newClient(options = {}) {
  const c = new SocketClient(DEAD_URL, { autoConnect: false, ...options });
  clients.push(c);
  return c;
}
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

describe('SocketClient', () => {
  it('survives a runtime without WebSocket (Node 20) and keeps retrying', async () => {
    expect(typeof (globalThis as { WebSocket?: unknown }).WebSocket).toBe('undefined');
    const c = newClient({ reconnectionDelay: 10, reconnectionDelayMax: 20 });
    const attempts = vi.fn();
    c.on('reconnect_attempt', attempts);
    expect(c.status).toBe('disconnected');
    expect(() => c.connect()).not.toThrow();
    expect(c.connected).toBe(false);
    expect(c.id).toBeUndefined();
    await vi.waitFor(() => expect(attempts).toHaveBeenCalled());
    expect(['connecting', 'reconnecting']).toContain(c.status);
  });

  it('on() returns an unsubscribe for exactly that listener', () => {
    const c = newClient();
    const base = c.listenerCount;
    const a = vi.fn();
    const b = vi.fn();
    const offA = c.on('new_message', a);
    c.on('new_message', b);
    expect(c.listenerCount).toBe(base + 2);
    offA();
    offA();
    expect(c.listenerCount).toBe(base + 1);
    c.off('new_message', b);
    expect(c.listenerCount).toBe(base);
  });

  it('off(event) without a listener removes nothing and warns', () => {
    const c = newClient();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    c.on('new_message', () => {});
    const count = c.listenerCount;
    (c.off as unknown as (e: string) => void)('new_message');
    expect(c.listenerCount).toBe(count);
    expect(warn).toHaveBeenCalledOnce();
    c.removeAllListeners('new_message');
    expect(c.listenerCount).toBe(count - 1);
  });

  it('once() listeners can be removed with off(event, fn)', () => {
    const c = newClient();
    const base = c.listenerCount;
    const fn = vi.fn();
    c.once('status', fn);
    expect(c.listenerCount).toBe(base + 1);
    c.off('status', fn);
    expect(c.listenerCount).toBe(base);
  });

  it('once() runs once and removes itself', async () => {
    const c = newClient();
    const base = c.listenerCount;
    const fn = vi.fn();
    c.once('status', fn);
    c.connect(); // disconnected → connecting → …
    await vi.waitFor(() => expect(fn).toHaveBeenCalled());
    expect(fn).toHaveBeenCalledTimes(1);
    expect(c.listenerCount).toBe(base);
  });

  it('emit of a reserved name throws an InboxRealtimeError', () => {
    const c = newClient();
    let caught: unknown;
    try {
      c.emit('connect', 1);
    } catch (e) {
      caught = e;
    }
    expect(isInboxRealtimeError(caught)).toBe(true);
    expect(caught).toBeInstanceOf(Error);
  });

  it('timeout(ms).emitWithAck rejects with ack_timeout while no server answers', async () => {
    const c = newClient({ bufferWhenDisconnected: true });
    await expect(c.timeout(30).emitWithAck('ping', { a: 1 })).rejects.toMatchObject({
      name: 'InboxRealtimeError',
      code: 'ack_timeout',
    });
    const callback = vi.fn();
    c.timeout(30).emit('ping', 1, callback);
    await vi.waitFor(() => expect(callback).toHaveBeenCalled());
    expect(callback.mock.calls[0]![0]).toMatchObject({ code: 'ack_timeout' });
  });

  it('emitWithAck rejects (does not throw) on invalid arguments', async () => {
    const c = newClient();
    const p = c.emitWithAck('connect');
    await expect(p).rejects.toMatchObject({ name: 'InboxRealtimeError' });
  });

  it('joinRoom/leaveRoom track the rooms to re-join', () => {
    const c = newClient();
    c.joinRoom('r1');
    c.joinRoom('r2');
    expect(c.rooms).toEqual(['r1', 'r2']);
    c.leaveRoom('r1');
    expect(c.rooms).toEqual(['r2']);
  });

  it('destroy() removes every listener, is idempotent, and later use throws clearly', () => {
    const c = new SocketClient(DEAD_URL);
    c.on('a', () => {});
    c.onStatus(() => {});
    c.destroy();
    c.destroy();
    expect(c.destroyed).toBe(true);
    expect(c.listenerCount).toBe(0);
    expect(() => c.status).toThrow('inbox-realtime: this SocketClient was destroyed');
    expect(() => c.connect()).toThrow(/destroyed/);
  });
});
