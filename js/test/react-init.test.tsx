// @vitest-environment jsdom
// useSocket loading the wasm itself (nothing called init() first), under StrictMode's double effects.
import { act, createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, it, vi } from 'vitest';
import { isReady } from 'inbox-realtime';
import { useSocket, type UseSocketResult } from 'inbox-realtime/react';
import { DEAD_URL, wasmBytes } from './helpers';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

it('loads the module once and creates one client', async () => {
  expect(isReady()).toBe(false);
  const instantiate = vi.spyOn(WebAssembly, 'instantiate');
  const wasm = wasmBytes();
  const results: UseSocketResult[] = [];
  function Probe() {
    results.push(useSocket({ url: DEAD_URL, wasm }));
    return null;
  }
  const root = createRoot(document.createElement('div'));
  await act(async () =>
    root.render(createElement(StrictMode, null, createElement(Probe), createElement(Probe))),
  );
  await act(async () => {
    await vi.waitFor(() => expect(isReady()).toBe(true));
  });
  expect(results.at(-1)!.socket).not.toBeNull();
  const sockets = new Set(results.map((r) => r.socket).filter((s) => s !== null));
  expect(sockets.size).toBe(1);
  expect(instantiate.mock.calls.filter(([, imports]) => imports && './inbox_realtime_bg.js' in imports)).toHaveLength(1);
  // Loading worked: any error is the dead URL's connect_error, not a failure to load the module.
  expect([undefined, 'connect_error']).toContain((results.at(-1)!.error as { code?: string } | null)?.code);
  const [socket] = [...sockets];
  await act(async () => root.unmount());
  await new Promise((r) => setTimeout(r, 300));
  expect(socket!.destroyed).toBe(true);
});
