// Several namespaces over one Engine.IO connection (socket.io-client's Manager and io()) on the TS face, against a
// real socket.io 4.8 server: the server counts Engine.IO clients, sees each namespace's own auth, and re-joins.
import type { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { io as connectIo, Manager, SocketClient } from 'inbox-realtime';
import { startSocketServer } from './helpers';

let server: Server;
let url: string;
let close: () => Promise<void>;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  ({ io: server, url, close } = await startSocketServer(setup));
});
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
afterAll(() => close());

/** Auth seen per namespace, and `join_room` with ack on both. */
const auths: Record<string, unknown[]> = { '/': [], '/admin': [] };
function setup(io: Server): void {
  for (const nsp of ['/', '/admin'] as const) {
    io.of(nsp).use((socket, next) => {
      auths[nsp]!.push(socket.handshake.auth);
      if (socket.handshake.auth.token === 'bad') return next(new Error('refused'));
      next();
    });
    io.of(nsp).on('connection', (socket) => {
      socket.on('join_room', (room: string, ack?: (r: unknown) => void) => {
        void socket.join(room);
        ack?.({ ok: true });
      });
      socket.on('where', (ack: (v: unknown) => void) => ack(nsp));
    });
  }
}

const engineClients = () => server.engine.clientsCount;

function manager(options = {}): Manager {
  const m = new Manager(url, { reconnectionDelay: 20, reconnectionDelayMax: 40, ...options });
  cleanups.push(() => m.destroy());
  return m;
}

it('two namespaces share one Engine.IO connection, each with its own auth; one leaving keeps the other', async () => {
  auths['/']!.length = auths['/admin']!.length = 0;
  const m = manager();
  const root = m.socket('/', { auth: { token: 'root' } });
  const admin = m.socket('/admin', { auth: { token: 'admin' } });
  expect(m.socket('/admin')).toBe(admin);
  expect(admin.io).toBe(m);
  await vi.waitFor(() => expect([root.connected, admin.connected]).toEqual([true, true]));
  expect(engineClients()).toBe(1);
  expect(auths).toEqual({ '/': [{ token: 'root' }], '/admin': [{ token: 'admin' }] });
  await expect(admin.emitWithAck('where')).resolves.toBe('/admin');
  await expect(root.emitWithAck('where')).resolves.toBe('/');
  admin.disconnect();
  expect(admin.status).toBe('disconnected');
  await expect(root.emitWithAck('where')).resolves.toBe('/');
  expect(engineClients()).toBe(1);
  root.disconnect();
  await vi.waitFor(() => expect(engineClients()).toBe(0), { timeout: 2000 });
});

it('a refused namespace does not affect the other', async () => {
  const m = manager();
  const root = m.socket('/');
  const admin = m.socket('/admin', { auth: { token: 'bad' } });
  const errors = vi.fn();
  admin.on('connect_error', errors);
  await vi.waitFor(() => expect(errors).toHaveBeenCalledTimes(1));
  expect(admin.status).toBe('error');
  await vi.waitFor(() => expect(root.connected).toBe(true));
  await expect(root.emitWithAck('where')).resolves.toBe('/');
});

it('after the server drops the connection both namespaces reconnect (manager reconnect once) and re-join', async () => {
  const m = manager();
  const root = m.socket('/');
  const admin = m.socket('/admin');
  root.joinRoom('r1');
  admin.joinRoom('a1');
  await vi.waitFor(() => expect([root.connected, admin.connected]).toEqual([true, true]));
  const reconnects = vi.fn();
  m.on('reconnect', reconnects);
  const rejoined = { root: vi.fn(), admin: vi.fn() };
  root.on('rooms_rejoined', rejoined.root);
  admin.on('rooms_rejoined', rejoined.admin);
  for (const socket of server.of('/').sockets.values()) socket.conn.close();
  await vi.waitFor(() => expect([rejoined.root.mock.calls.length, rejoined.admin.mock.calls.length]).toEqual([1, 1]));
  expect(reconnects).toHaveBeenCalledTimes(1);
  expect(engineClients()).toBe(1);
  const [adminSocket] = server.of('/admin').sockets.values();
  expect(adminSocket!.rooms.has('a1')).toBe(true);
});

it('io() shares a connection per URL like socket.io-client; forceNew and new SocketClient do not', async () => {
  const a = connectIo(url, { namespace: '/' });
  const b = connectIo(`${url}/admin`);
  const forced = connectIo(url, { forceNew: true });
  const own = new SocketClient(url);
  cleanups.push(() => [a, b, forced, own].forEach((s) => s.destroy()));
  expect(a.io).toBe(b.io);
  expect(forced.io).not.toBe(a.io);
  await vi.waitFor(() => expect([a, b, forced, own].every((s) => s.connected)).toBe(true));
  expect(engineClients()).toBe(3);
  // The same namespace again: a new manager, as socket.io-client does.
  const again = connectIo(url);
  cleanups.push(() => again.destroy());
  expect(again.io).not.toBe(a.io);
  // (connected before the clean-up: the `ws` package throws when a WebSocket is closed while it opens)
  await vi.waitFor(() => expect(again.connected).toBe(true));
});

it("a new SocketClient's own manager (socket.io) adds namespaces over the client's connection", async () => {
  const client = new SocketClient(url, { auth: { token: 'root' } });
  const admin = client.io.socket('/admin', { auth: { token: 'admin' } });
  cleanups.push(() => {
    admin.destroy();
    client.destroy();
  });
  expect(client.io).toBe(admin.io);
  await vi.waitFor(() => expect([client.connected, admin.connected]).toEqual([true, true]));
  // The Engine.IO session id of a namespace socket (`conn.id` is typed private; `request` would not tell).
  const engineOf = (nsp: string, id: string | undefined) =>
    (server.of(nsp).sockets.get(id ?? '')?.conn as unknown as { id: string } | undefined)?.id;
  expect(engineOf('/', client.id)).toBeTruthy();
  expect(engineOf('/admin', admin.id)).toBe(engineOf('/', client.id));
  await expect(admin.emitWithAck('where')).resolves.toBe('/admin');
});
