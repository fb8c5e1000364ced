// Against a real socket.io 4.8 server, with the `ws` package standing in for the browser's WebSocket (Node 20 has
// none).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { init, MessageStore, preconnect, SocketClient } from 'inbox-realtime';
import { wasmBytes } from './helpers';

let io: Server;
let url: string;

beforeAll(async () => {
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  await init(wasmBytes());
  const http = createServer();
  io = new Server(http, { transports: ['websocket'] });
  io.use((socket, next) => {
    if (socket.handshake.auth?.token === 'secret') next();
    else next(Object.assign(new Error('unauthorized'), { data: { hint: 'token' } }));
  });
  io.on('connection', (socket) => {
    socket.on('join_room', (room: string, ack?: (r: unknown) => void) => {
      void socket.join(room);
      ack?.({ ok: true, room });
    });
    socket.on('leave_room', (room: string) => void socket.leave(room));
    socket.on('echo', (value: unknown, ack: (v: unknown) => void) => ack({ echoed: value }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => io.close(resolve));
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
});

it('connects with auth, acks, joins rooms and feeds the attached store', async () => {
  let token = 'secret';
  const client = new SocketClient(url, { auth: async () => ({ token }) });
  const statuses: string[] = [];
  client.onStatus((s) => statuses.push(s));
  const store = new MessageStore();
  store.attach(client);
  try {
    await vi.waitFor(() => expect(client.connected).toBe(true));
    expect(client.status).toBe('connected');
    expect(typeof client.id).toBe('string');
    expect(statuses).toContain('connected');

    await expect(client.emitWithAck('echo', 'hi')).resolves.toEqual({ echoed: 'hi' });
    const acked = await new Promise((resolve) => client.emit('echo', 42, resolve));
    expect(acked).toEqual({ echoed: 42 });

    client.joinRoom('15550001111');
    await vi.waitFor(() => expect(io.sockets.adapter.rooms.get('15550001111')?.size).toBe(1));

    const seen = vi.fn();
    client.on('new_message', seen);
    const clientId = store.addOptimistic('15550001111', 'hola', 'agent-1');
    io.to('15550001111').emit('new_message', {
      id: 'wamid.A',
      room_id: '15550001111',
      text: 'hola',
      user_id: 'agent-1',
      direction: 'outgoing',
      status: 'sent',
      timestamp: Date.now(),
      client_id: clientId,
    });
    await vi.waitFor(() => expect(store.snapshot('15550001111')[0]?.id).toBe('wamid.A'));
    expect(store.snapshot('15550001111')).toHaveLength(1);
    expect(seen).toHaveBeenCalledTimes(1);

    // An invalid event from the server goes to onError; the store is unchanged.
    const rejected = vi.fn();
    store.onError(rejected);
    const before = store.snapshot('15550001111');
    io.to('15550001111').emit('new_message', { text: 'no id, no room' });
    await vi.waitFor(() => expect(rejected).toHaveBeenCalled());
    expect(rejected.mock.calls[0]![0]).toMatchObject({ name: 'InboxRealtimeError', code: 'invalid_event' });
    expect(store.snapshot('15550001111')).toBe(before);

    io.to('15550001111').emit('typing_indicator', { room_id: '15550001111', is_typing: true, user: 'Ana' });
    await vi.waitFor(() => expect(store.typingUsers('15550001111')).toEqual(['Ana']));

    // The server kicks everyone; with a bad token the reconnect fails with connect_error carrying the data.
    token = 'wrong';
    const errors = vi.fn();
    client.on('connect_error', errors);
    client.disconnect();
    expect(client.connected).toBe(false);
    client.connect();
    await vi.waitFor(() => expect(errors).toHaveBeenCalled());
    expect(errors.mock.calls[0]![0]).toMatchObject({ message: 'unauthorized', data: { hint: 'token' } });

    token = 'secret';
    client.connect();
    await vi.waitFor(() => expect(client.connected).toBe(true));
    // Rooms are joined again after the new connection.
    await vi.waitFor(() => expect(io.sockets.adapter.rooms.get('15550001111')?.size).toBe(1));
  } finally {
    store.destroy();
    client.destroy();
  }
});

it('adopts a preconnected WebSocket: one connection, and what arrived before the client is replayed', async () => {
  let opened = 0;
  const count = () => opened++;
  io.engine.on('connection', count);
  preconnect(url);
  preconnect(url); // a second call for the same URL opens nothing more
  const client = (async () => {
    await vi.waitFor(() => expect(opened).toBe(1)); // open before any client exists
    await new Promise((resolve) => setTimeout(resolve, 50)); // Engine.IO's open packet is now buffered
    return new SocketClient(url, { auth: { token: 'secret' } });
  })();
  const c = await client;
  try {
    await vi.waitFor(() => expect(c.connected).toBe(true));
    await expect(c.emitWithAck('echo', 'early')).resolves.toEqual({ echoed: 'early' });
    expect(opened).toBe(1);
  } finally {
    c.destroy();
    io.engine.off('connection', count);
  }
});

it('closes a preconnected WebSocket that no client adopts', async () => {
  let opened = 0;
  let closed = 0;
  const watch = (conn: { on: (e: string, f: () => void) => void }) => {
    opened++;
    conn.on('close', () => closed++);
  };
  io.engine.on('connection', watch);
  try {
    // Long enough for the socket to open first on a loaded machine (a 100 ms timeout could close it while still
    // connecting, before the server ever saw it: nothing to count).
    preconnect(url, { timeoutMs: 1000 });
    await vi.waitFor(() => expect(opened).toBe(1), { timeout: 3000 });
    await vi.waitFor(() => expect(closed).toBe(1), { timeout: 5000 });
  } finally {
    io.engine.off('connection', watch);
  }
});
