import { readFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { WebSocket } from 'ws';
import { init } from 'inbox-realtime';

/** The built wasm, read from disk (Node cannot fetch a file: URL); the path comes from js/vitest.config.ts. */
export function wasmBytes(): Uint8Array {
  const path = process.env.INBOX_REALTIME_WASM;
  if (!path) throw new Error('INBOX_REALTIME_WASM is not set: run the tests with --config js/vitest.config.ts');
  return readFileSync(path);
}

/** A URL nothing listens on: connects fail fast, which is all most tests need. */
export const DEAD_URL = 'http://127.0.0.1:9';

/**
 * A real socket.io 4.8 server on a free loopback port for a test file: the `ws` package becomes the global
 * WebSocket (Node 20 has none) and the wasm is loaded. `setup` adds its handlers; `request` answers plain HTTP
 * (REST) beside socket.io's own path. `close()` stops it and removes the global.
 */
export async function startSocketServer(
  setup: (io: Server) => void,
  request?: RequestListener,
): Promise<{ io: Server; url: string; close(): Promise<void> }> {
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  await init(wasmBytes());
  const http = createServer();
  if (request) http.on('request', request);
  const io = new Server(http, { transports: ['websocket'] });
  setup(io);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const close = async () => {
    await new Promise((resolve) => io.close(resolve));
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
  };
  return { io, url, close };
}

/** The usual `join_room` handler: join, then ack. */
export function acceptJoins(io: Server): void {
  io.on('connection', (socket) => {
    socket.on('join_room', (room: string, ack?: (r: unknown) => void) => {
      void socket.join(room);
      ack?.({ ok: true, room });
    });
  });
}
