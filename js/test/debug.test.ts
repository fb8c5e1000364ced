// The `debug` client option: the original inbox's troubleshooting lines on the console, and silence without it.
// Against a real socket.io 4.8 server, with the `ws` package standing in for the browser's WebSocket.
import type { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { SocketClient } from 'inbox-realtime';
import { acceptJoins, DEAD_URL, startSocketServer } from './helpers';

let io: Server;
let url: string;
const clients: SocketClient[] = [];

let close: () => Promise<void>;

beforeAll(async () => {
  ({ io, url, close } = await startSocketServer(acceptJoins));
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

afterAll(() => close());

/** Every console line written, as one string per call. */
function captureConsole(): string[] {
  const lines: string[] = [];
  const record = (...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  };
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation(record);
  }
  return lines;
}

/** Connects, joins a room, receives one new_message; resolves with the client. */
async function chat(options: { debug?: boolean }) {
  const client = new SocketClient(url, options);
  clients.push(client);
  await vi.waitFor(() => expect(client.connected).toBe(true));
  const room = `room-${Math.random().toString(36).slice(2)}`;
  client.joinRoom(room);
  await vi.waitFor(() => expect(io.sockets.adapter.rooms.get(room)?.size).toBe(1));
  const got = new Promise((resolve) => client.once('new_message', resolve));
  io.to(room).emit('new_message', { id: 'wamid.1', room_id: room, text: 'Hello from customer!' });
  await got;
  return { client, room };
}

it('logs the troubleshooting lines with debug: true', async () => {
  const lines = captureConsole();
  const { client, room } = await chat({ debug: true });
  expect(lines).toContain(`✅ Socket connected: ${client.id}`);
  expect(lines).toContain(`📨 Joining room: ${room}`);
  expect(lines.find((l) => l.startsWith('📩 New message:'))).toContain('"text":"Hello from customer!"');
  client.disconnect();
  expect(lines).toContain('🔌 Socket disconnected: io client disconnect');
});

it('logs a connection error with debug: true', async () => {
  const lines = captureConsole();
  const client = new SocketClient(DEAD_URL, { debug: true, reconnectionDelay: 60_000, reconnectionDelayMax: 60_000 });
  clients.push(client);
  await vi.waitFor(() => expect(lines.some((l) => l.startsWith('❌ Socket connection error:'))).toBe(true));
  // The attempt's connect_error (WebSocket refused, then the polling fallback too), with the URL.
  expect(lines.find((l) => l.startsWith('❌'))).toMatch(/^❌ Socket connection error: (websocket|xhr poll) error \(http:\/\/127\.0\.0\.1:9\)$/);
});

it('is silent by default', async () => {
  const lines = captureConsole();
  const { client } = await chat({});
  client.disconnect();
  const dead = new SocketClient(DEAD_URL, { reconnectionDelay: 60_000, reconnectionDelayMax: 60_000 });
  clients.push(dead);
  await vi.waitFor(() => expect(dead.status).toBe('reconnecting'));
  expect(lines).toEqual([]);
});
