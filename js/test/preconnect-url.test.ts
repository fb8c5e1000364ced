// `preconnect()` builds the Engine.IO URL in TypeScript (it runs before the wasm exists) and the wasm client builds it
// in Rust (`Config::endpoint_url`). If the two disagree the client does not adopt the early socket: it opens a second
// one and the first idles until its timeout. Both are held to tests/engine_url_cases.json (the Rust side in
// tests/connection.rs) and here to each other. A socket that only records its URL stands in for WebSocket: this is
// about which URL gets opened, not about the network (e2e.test.ts adopts a real socket).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { init, preconnect, SocketClient } from 'inbox-realtime';
import { wasmBytes } from './helpers';

interface Case {
  why: string;
  url: string;
  path: string | null;
  websocket: string;
}
const cases: Case[] = JSON.parse(readFileSync(new URL('../../tests/engine_url_cases.json', import.meta.url), 'utf8'));

/** Every URL a socket was opened for, in order. */
const opened: string[] = [];
class RecordingSocket {
  binaryType = 'blob';
  readyState = 0;
  onopen = null;
  onmessage = null;
  onerror = null;
  onclose = null;
  constructor(readonly url: string) {
    opened.push(url);
  }
  send(): void {}
  close(): void {}
}

beforeAll(async () => {
  await init(wasmBytes());
  (globalThis as { WebSocket?: unknown }).WebSocket = RecordingSocket;
});
afterAll(() => {
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
});

it('has the shared cases (an empty file would make the test below vacuous)', () => {
  expect(cases.length).toBeGreaterThanOrEqual(6);
});

it.each(cases)('preconnect() and the client open the same URL: $why', ({ url, path, websocket }) => {
  opened.length = 0;
  const options = path === null ? {} : { path };
  preconnect(url, { ...options, timeoutMs: 1 });
  expect(opened).toEqual([websocket]);
  const client = new SocketClient(url, options); // connects at once: adopts, or opens its own socket
  try {
    expect(opened).toEqual([websocket]);
    const registry = (globalThis as Record<symbol, Map<string, unknown>>)[Symbol.for('inbox-realtime.preconnect')];
    expect(registry.has(websocket)).toBe(false); // taken by the client
  } finally {
    client.destroy();
  }
});
