// One socket and one store serving several tabs over ports (js/src/tabs): against a real socket.io server, with
// Node's MessageChannel standing in for the ports a SharedWorker or a leader tab would hand out.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Server } from 'socket.io';
import { MessageStore, SocketClient, type Message } from 'inbox-realtime';
import { RemoteStore, SharedConnection, TabHost, TabSocket } from 'inbox-realtime/tabs';
import { acceptJoins, startSocketServer } from './helpers';

let io: Server;
let url: string;
let close: () => Promise<void>;
/** The REST send endpoint: accepted sends by client id (a repeated client id is the same message), and 503s left. */
const accepted = new Map<string, number>();
let unavailable = 0;

beforeAll(async () => {
  const rooms = (server: Server) => {
    acceptJoins(server);
    server.on('connection', (socket) => socket.on('leave_room', (room: string) => void socket.leave(room)));
  };
  ({ io, url, close } = await startSocketServer(rooms, (req, res) => {
    if (req.method !== 'POST' || req.url !== '/api/messages') return;
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (unavailable > 0) {
        unavailable--;
        res.writeHead(503).end('{"error":"try later"}');
        return;
      }
      const p = JSON.parse(body) as { to: string; text: string; user_id: string | null; client_id: string };
      const first = !accepted.has(p.client_id);
      accepted.set(p.client_id, (accepted.get(p.client_id) ?? 0) + 1);
      const id = `srv-${p.client_id}`;
      if (first) {
        io.to(p.to).emit('new_message', { id, room_id: p.to, text: p.text, user_id: p.user_id, client_id: p.client_id, direction: 'outgoing', timestamp: Date.now() });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    });
  }));
});
afterAll(() => close());

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
  accepted.clear();
  unavailable = 0;
});

/** A host on a connected client, and `n` tabs on ports to it; each tab's port counts the batches it received. */
async function shared(n: number, saves: ConstructorParameters<typeof TabHost>[2] = {}) {
  const client = new SocketClient(url);
  const store = new MessageStore({ keepFailed: true, sendRetryDelayMs: 50, sendRetryDelayMaxMs: 100 });
  store.attach(client);
  store.setSender(async (payload) => {
    const res = await fetch(`${url}/api/messages`, { method: 'POST', body: JSON.stringify(payload) });
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
    return res.json();
  });
  const host = new TabHost(store, client, saves);
  const tabs = Array.from({ length: n }, () => {
    const { port1, port2 } = new MessageChannel();
    host.connect(port1);
    /** The room of every change that reached the tab, in order. */
    const counted = { rooms: [] as string[] };
    const onmessage = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(port2), 'onmessage')!;
    // Count what reaches the tab: the host must not send a tab the changes of rooms it does not render.
    const tab = new RemoteStore({
      postMessage: (m: unknown) => port2.postMessage(m),
      close: () => port2.close(),
      set onmessage(f: ((e: MessageEvent) => void) | null) {
        onmessage.set!.call(
          port2,
          f &&
            ((e: MessageEvent) => {
              const m = e.data as { op: string; batch?: { rooms: { room_id: string }[] } };
              if (m.op === 'batch') counted.rooms.push(...m.batch!.rooms.map((r) => r.room_id));
              f(e);
            }),
        );
      },
      get onmessage() {
        return null;
      },
    });
    return Object.assign(tab, { counted });
  });
  cleanup.push(() => {
    for (const tab of tabs) tab.close();
    host.close();
    store.destroy();
    client.destroy();
  });
  await vi.waitFor(() => expect(client.connected).toBe(true));
  return { client, store, host, tabs };
}

const ids = (messages: readonly Message[]) => messages.map((m) => m.id);
let seq = 0;
function incoming(room: string, text = 'hello') {
  io.to(room).emit('new_message', { id: `in-${++seq}`, room_id: room, text, timestamp: Date.now() + seq });
}
const roomSize = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;

describe('tabs sharing one connection', () => {
  it('five tabs: one socket at the server, in the union of their rooms; a room is left when no tab shows it', async () => {
    const { host, tabs } = await shared(5);
    tabs.forEach((tab, i) => tab.joinRoom(i < 3 ? 'a' : 'b'));
    tabs[0]!.joinRoom('c');
    await vi.waitFor(() => expect([roomSize('a'), roomSize('b'), roomSize('c')]).toEqual([1, 1, 1]));
    expect(io.engine.clientsCount).toBe(1);
    expect(host.joinedRooms.sort()).toEqual(['a', 'b', 'c']);

    // Two of the three tabs showing `a` leave it: still in it. The last one: left.
    tabs[1]!.leaveRoom('a');
    tabs[2]!.leaveRoom('a');
    tabs[0]!.leaveRoom('c');
    await vi.waitFor(() => expect(roomSize('c')).toBe(0));
    expect(roomSize('a')).toBe(1);
    tabs[0]!.leaveRoom('a');
    await vi.waitFor(() => expect(roomSize('a')).toBe(0));
    // A tab that goes releases what only it held.
    tabs[4]!.close();
    await vi.waitFor(() => expect(host.tabCount).toBe(4));
    expect(roomSize('b')).toBe(1);
    tabs[3]!.close();
    await vi.waitFor(() => expect(roomSize('b')).toBe(0));
  });

  it('each tab gets the changes of the rooms it renders, and a room opened late starts as it is', async () => {
    const { tabs } = await shared(3);
    type Counted = RemoteStore & { counted: { rooms: string[] } };
    const [a, b, both] = tabs as [Counted, Counted, Counted];
    for (const tab of tabs) {
      tab.joinRoom('r1');
      tab.joinRoom('r2');
    }
    await vi.waitFor(() => expect([roomSize('r1'), roomSize('r2')]).toEqual([1, 1]));
    const heard = { a: 0, b: 0 };
    a.subscribe('r1', () => heard.a++);
    b.subscribe('r2', () => heard.b++);
    both.subscribe('r1', () => {});
    both.subscribe('r2', () => {});
    await vi.waitFor(() => expect(a.counted.rooms.length + b.counted.rooms.length + both.counted.rooms.length).toBe(4)); // the resets
    for (let i = 0; i < 5; i++) incoming('r1');
    for (let i = 0; i < 3; i++) incoming('r2');
    await vi.waitFor(() => expect([both.snapshot('r1').length, both.snapshot('r2').length]).toEqual([5, 3]));
    await vi.waitFor(() => expect([a.snapshot('r1').length, b.snapshot('r2').length]).toEqual([5, 3]));
    expect(ids(a.snapshot('r1'))).toEqual(ids(both.snapshot('r1')));
    // Only its own room's batches reached each tab.
    expect(a.counted.rooms).toEqual(Array(1 + 5).fill('r1'));
    expect(b.counted.rooms).toEqual(Array(1 + 3).fill('r2'));
    expect(heard).toEqual({ a: 5 + 1, b: 3 + 1 });

    // A room b never rendered, opened now: it shows r1 as it is, then follows.
    const late: string[][] = [];
    b.subscribe('r1', () => late.push(ids(b.snapshot('r1'))));
    await vi.waitFor(() => expect(b.snapshot('r1')).toHaveLength(5));
    incoming('r1', 'after');
    await vi.waitFor(() => expect(b.snapshot('r1')).toHaveLength(6));
    expect(late.every((l) => l.length >= 5)).toBe(true); // never a half-made list
    expect(b.snapshot('r1').at(-1)!.text).toBe('after');
  });

  it('sends from five tabs go through the one outbox: each once at the server (some while it refused), shown in every tab', async () => {
    const { store, tabs } = await shared(5);
    for (const tab of tabs) {
      tab.joinRoom('s');
      tab.subscribe('s', () => {});
    }
    await vi.waitFor(() => expect(roomSize('s')).toBe(1));
    unavailable = 15; // the first 15 attempts get 503: they wait and go again by themselves
    const sent = tabs.flatMap((tab, t) => Array.from({ length: 20 }, (_, i) => tab.queueSend('s', `tab ${t} #${i}`, `agent-${t}`)));
    expect(new Set(sent).size).toBe(100);
    await vi.waitFor(() => expect(accepted.size).toBe(100), { timeout: 10_000 });
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    expect(unavailable).toBe(0);
    for (const tab of tabs) {
      await vi.waitFor(() => expect(tab.snapshot('s').filter((m) => m.status === 'sent')).toHaveLength(100));
      expect(new Set(tab.snapshot('s').map((m) => m.key)).size).toBe(100);
      expect(tab.snapshot('s').map((m) => m.client_id).sort()).toEqual([...sent].sort());
    }
    expect(store.outbox()).toEqual([]);
    await vi.waitFor(() => expect(tabs.map((tab) => tab.unaccepted)).toEqual([0, 0, 0, 0, 0]));
  });

  it('read in one tab is read in all; typing shows in every tab rendering the room', async () => {
    const { tabs } = await shared(2);
    const [a, b] = tabs as unknown as [RemoteStore, RemoteStore];
    for (const tab of tabs) {
      tab.joinRoom('u');
      tab.subscribe('u', () => {});
      tab.subscribe('*', () => {});
    }
    await vi.waitFor(() => expect(roomSize('u')).toBe(1));
    for (let i = 0; i < 3; i++) incoming('u');
    await vi.waitFor(() => expect([a._room('u').unread, b._room('u').unread]).toEqual([3, 3]));
    await vi.waitFor(() => expect(b.rooms().find((r) => r.room_id === 'u')?.unread).toBe(3));
    a.markRead('u');
    await vi.waitFor(() => expect([a._room('u').unread, b._room('u').unread]).toEqual([0, 0]));
    await vi.waitFor(() => expect(b.rooms().find((r) => r.room_id === 'u')?.unread).toBe(0));
    io.to('u').emit('typing_indicator', { room_id: 'u', user: { id: 'c1', name: 'Ana' }, is_typing: true });
    await vi.waitFor(() => expect([a.typingUsers('u'), b.typingUsers('u')]).toEqual([['Ana'], ['Ana']]));
  });

  it('a tab drops changes of a room it asked for until the room as it is arrives (they belong to an earlier watch)', async () => {
    const { port1: host, port2 } = new MessageChannel();
    const tab = new RemoteStore(port2);
    cleanup.push(() => {
      tab.close();
      host.close();
    });
    const asked: unknown[] = [];
    host.onmessage = (e) => asked.push(e.data);
    const shown: (string | undefined)[][] = [];
    tab.subscribe('late', () => shown.push(Array.from(tab.snapshot('late'), (m) => m?.id)));
    await vi.waitFor(() => expect(asked).toContainEqual({ op: 'watch', room: 'late' }));
    const msg = (id: string, timestamp: number) => ({ id, key: id, room_id: 'late', text: id, user_id: null, direction: 'incoming', status: 'sent', timestamp, client_id: null, error: null });
    // A batch posted before the host saw the watch (positions of a list this tab does not have): dropped.
    host.postMessage({ op: 'batch', batch: { rooms: [{ room_id: 'late', ops: [['insert', 7, msg('stale', 7)], ['update', 3, msg('x', 3)]] }], inbox: [] } });
    host.postMessage({ op: 'batch', batch: { rooms: [{ room_id: 'late', ops: [['reset', [msg('a', 1), msg('b', 2)]]], unread: 2 }], inbox: [] } });
    host.postMessage({ op: 'batch', batch: { rooms: [{ room_id: 'late', ops: [['insert', 2, msg('c', 3)]] }], inbox: [] } });
    await vi.waitFor(() => expect(ids(tab.snapshot('late'))).toEqual(['a', 'b', 'c']));
    expect(tab._room('late').unread).toBe(2);
    // Never a list made of the stale positions (a hole, a message of the earlier watch).
    expect(shown).toEqual([['a', 'b'], ['a', 'b', 'c']]);
  });

  it('a tab emits through the host and gets its own ack; it hears the server events it listens to', async () => {
    io.on('connection', (socket) => socket.on('whoami', (n: number, ack: (r: unknown) => void) => ack({ n, sid: socket.id })));
    const { client, tabs } = await shared(2);
    const [a, b] = tabs as unknown as [RemoteStore, RemoteStore];
    const [ra, rb] = await Promise.all([a.emit('whoami', [1], true), b.emit('whoami', [2], true)]);
    expect(ra).toEqual([{ n: 1, sid: client.id }]);
    expect(rb).toEqual([{ n: 2, sid: client.id }]);
    const heard: unknown[] = [];
    const off = b.listen('announcement', (...args) => heard.push(args));
    await new Promise((r) => setTimeout(r, 50)); // the listen reaches the host
    io.emit('announcement', 'hello tabs', 2);
    await vi.waitFor(() => expect(heard).toEqual([['hello tabs', 2]]));
    // An event the server wants acked: its ack callback stays in the host (a function cannot cross), the rest comes.
    const asked: unknown[] = [];
    const offAsked = b.listen('asks', (...args) => asked.push(args));
    await new Promise((r) => setTimeout(r, 50));
    for (const socket of io.sockets.sockets.values()) socket.emit('asks', 'answer me', () => {});
    await vi.waitFor(() => expect(asked).toEqual([['answer me']]));
    offAsked();
    off();
    await new Promise((r) => setTimeout(r, 50));
    io.emit('announcement', 'after');
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toHaveLength(1);
  });

  it('any tab reads the one outbox, disconnects and connects the one socket, and logs every tab out', async () => {
    let cleared = 0;
    const { client, tabs } = await shared(3, { clear: async () => void (cleared += 1) });
    const [a, b, c] = tabs as unknown as [RemoteStore, RemoteStore, RemoteStore];
    unavailable = 1_000; // the server refuses every send: they stay in the outbox
    const sentByA = a.queueSend('r', 'from a', 'agent');
    const sentByB = b.queueSend('r', 'from b', 'agent');
    const outcomeA = a.outcome(sentByA);
    await vi.waitFor(async () => expect((await c.outbox()).map((e) => e.client_id).sort()).toEqual([sentByA, sentByB].sort()));
    expect(await c.outbox('elsewhere')).toEqual([]);

    b.disconnect();
    await vi.waitFor(() => expect([client.connected, a.status, c.status]).toEqual([false, 'disconnected', 'disconnected']));
    c.connect();
    await vi.waitFor(() => expect([client.connected, a.status]).toEqual([true, 'connected']));

    // The logout in tab c: A's and B's sends are gone from the outbox and from their tabs (never sent again to a
    // new host after a takeover), and the device's copies are deleted in the host.
    await c.clearLocal();
    expect(cleared).toBe(1);
    expect(await c.outbox()).toEqual([]);
    await vi.waitFor(() => expect([a.unaccepted, b.unaccepted]).toEqual([0, 0]));
    expect(await outcomeA).toMatchObject({ ok: false, error: { message: 'inbox-realtime: discarded' } });
    expect(accepted.size).toBe(0);
  });

  it('a tab shown, or back online, wakes the holder: it reconnects and retries now (hidden, its own timers may be throttled)', async () => {
    const { client, store, host } = await shared(0);
    const page = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    vi.stubGlobal('window', new EventTarget());
    vi.stubGlobal('document', page);
    try {
      const { port1, port2 } = new MessageChannel();
      host.connect(port1);
      const tab = new RemoteStore(port2);
      cleanup.push(() => tab.close());
      const wakeSends = vi.spyOn(store, 'wakeSends');
      const reconnect = vi.spyOn(client as unknown as { _wake(): void }, '_wake');
      window.dispatchEvent(new Event('online'));
      await vi.waitFor(() => expect(wakeSends).toHaveBeenCalledTimes(1));
      page.dispatchEvent(new Event('visibilitychange')); // hidden still: nothing
      page.visibilityState = 'visible';
      page.dispatchEvent(new Event('visibilitychange'));
      await vi.waitFor(() => expect(wakeSends).toHaveBeenCalledTimes(2));
      expect(reconnect).toHaveBeenCalledTimes(2);
      tab.close();
      window.dispatchEvent(new Event('online')); // closed: its listeners are gone
      await new Promise((r) => setTimeout(r, 50));
      expect(wakeSends).toHaveBeenCalledTimes(2);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a TabSocket speaks socket.io-client: onAny, timeout(ms) acks, volatile emits', async () => {
    const volatile: unknown[] = [];
    io.on('connection', (socket) => {
      socket.on('echo', (x: unknown, ack: (r: unknown) => void) => ack(x));
      socket.on('silent', () => {});
      socket.on('v', (x: unknown) => volatile.push(x));
    });
    // Without Web Locks (Node) the connection is the tab's own ('alone'), through the same host and ports.
    const connection = new SharedConnection({ url });
    const socket = new TabSocket(connection, url);
    cleanup.push(() => socket.destroy());
    await vi.waitFor(() => expect(socket.connected).toBe(true));
    expect(socket.mode).toBe('alone');
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const any: unknown[] = [];
    const off = socket.onAny((event, ...args) => any.push([event, ...args]));
    await sleep(50); // the listen reaches the holder
    io.emit('news', 1, 'two');
    await vi.waitFor(() => expect(any).toEqual([['news', 1, 'two']]));
    off();
    await sleep(50);
    io.emit('news', 3);
    await sleep(100);
    expect(any).toHaveLength(1);

    expect(await socket.timeout(1000).emitWithAck('echo', 'hi')).toBe('hi');
    await expect(socket.timeout(100).emitWithAck('silent')).rejects.toMatchObject({ code: 'ack_timeout' });
    const late = await new Promise((resolve) => socket.timeout(100).emit('silent', (err: unknown) => resolve(err)));
    expect(late).toMatchObject({ code: 'ack_timeout' });

    socket.volatile.emit('v', 1);
    await vi.waitFor(() => expect(volatile).toEqual([1]));
    socket.disconnect();
    await vi.waitFor(() => expect(socket.connected).toBe(false));
    socket.volatile.emit('v', 2); // dropped: not buffered for the reconnect
    socket.connect();
    await vi.waitFor(() => expect(socket.connected).toBe(true));
    await sleep(100);
    expect(volatile).toEqual([1]);
  });

  it('a message that is not ours is ignored with a warning, and the host keeps serving', async () => {
    const { host } = await shared(0);
    const { port1, port2 } = new MessageChannel();
    host.connect(port1);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    port2.postMessage({ op: 'format_disk' });
    port2.postMessage(null);
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(2));
    const tab = new RemoteStore(port2);
    cleanup.push(() => tab.close());
    tab.joinRoom('ok');
    await vi.waitFor(() => expect(roomSize('ok')).toBe(1));
  });
});
