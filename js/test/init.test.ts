import { describe, expect, it, vi } from 'vitest';
import { init, isReady, MessageStore, SocketClient } from 'inbox-realtime';
import { wasmBytes } from './helpers';

// Each test file gets a fresh module graph, so the package is not initialised when this file starts.
describe('init', () => {
  it('refuses to create objects before init with a clear message', () => {
    expect(isReady()).toBe(false);
    expect(() => new SocketClient('http://localhost:8080')).toThrow(
      'inbox-realtime: call await init() before creating a SocketClient',
    );
    expect(() => new MessageStore()).toThrow('inbox-realtime: call await init() before creating a MessageStore');
  });

  it('instantiates once for concurrent and repeated calls', async () => {
    const instantiate = vi.spyOn(WebAssembly, 'instantiate');
    // Only count our module (Node may instantiate its own, e.g. undici's HTTP parser).
    const ours = () =>
      instantiate.mock.calls.filter(([, imports]) => imports && './inbox_realtime_bg.js' in imports).length;
    const bytes = wasmBytes();
    const a = init(bytes);
    const b = init(bytes);
    const c = init();
    expect(a).toBe(b);
    expect(b).toBe(c);
    await Promise.all([a, b, c]);
    expect(ours()).toBe(1);
    expect(isReady()).toBe(true);
    await init(bytes);
    expect(ours()).toBe(1);
  });

  it('works after init', () => {
    const store = new MessageStore();
    expect(store.snapshot('room')).toEqual([]);
    store.destroy();
  });
});
