import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { init, isInboxRealtimeError, MessageStore, SocketClient, type Message } from 'inbox-realtime';
import { DEAD_URL, wasmBytes } from './helpers';

beforeAll(() => init(wasmBytes()));

const stores: MessageStore[] = [];
function newStore(options = {}) {
  const store = new MessageStore(options);
  stores.push(store);
  return store;
}
afterEach(() => {
  vi.useRealTimers();
  for (const s of stores.splice(0)) s.destroy();
});

const echo = (over: Partial<Message> & Record<string, unknown> = {}) => ({
  id: 'wamid.1',
  room_id: 'r1',
  text: 'hola',
  user_id: 'agent-1',
  direction: 'outgoing',
  status: 'sent',
  timestamp: Date.now(),
  ...over,
});

describe('MessageStore through the JS face', () => {
  it('optimistic send, then the echo replaces it under the same key', () => {
    const store = newStore();
    const clientId = store.addOptimistic('r1', 'hola', 'agent-1');
    const [pending] = store.snapshot('r1');
    expect(pending).toMatchObject({ status: 'pending', text: 'hola', user_id: 'agent-1', direction: 'outgoing' });
    expect(pending!.client_id).toBe(clientId);

    store.markSent(clientId, 'wamid.1');
    expect(store.snapshot('r1')[0]).toMatchObject({ status: 'sent', key: pending!.key });

    store.handleEvent('new_message', echo({ client_id: clientId, status: 'delivered', contact_name: 'Ana' }));
    const after = store.snapshot('r1');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: 'wamid.1', key: pending!.key, status: 'delivered', contact_name: 'Ana' });
  });

  it('matches an echo that arrives before the REST answer (no duplicate)', () => {
    const store = newStore();
    const clientId = store.addOptimistic('r1', 'ok', 'agent-1');
    store.handleEvent('new_message', echo({ text: 'ok', client_id: clientId }));
    expect(store.snapshot('r1')).toHaveLength(1);
    store.markSent(clientId, 'wamid.1');
    expect(store.snapshot('r1')).toHaveLength(1);
    expect(store.snapshot('r1')[0]!.status).toBe('sent');
  });

  it('returns the same snapshot until the room changes, and keeps unchanged messages', () => {
    const store = newStore();
    store.handleEvent('new_message', echo({ id: 'a', direction: 'incoming', user_id: null }));
    const first = store.snapshot('r1');
    expect(store.snapshot('r1')).toBe(first);

    store.handleEvent('new_message', echo({ id: 'b', room_id: 'r2' }));
    expect(store.snapshot('r1')).toBe(first); // another room changed

    store.handleEvent('new_message', echo({ id: 'c', direction: 'incoming', user_id: null }));
    const second = store.snapshot('r1');
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]); // message 'a' did not change
    expect(store.version('r1')).toBeGreaterThan(0);
  });

  it('a status update by server id reaches a sent message that was never echoed', () => {
    const store = newStore();
    const clientId = store.addOptimistic('r1', 'hola', 'agent-1');
    store.markSent(clientId, 'wamid.5');
    store.handleEvent('message_status_update', { id: 'wamid.5', room_id: 'r1', status: 'delivered' });
    expect(store.snapshot('r1')[0]).toMatchObject({ status: 'delivered', client_id: clientId });
  });

  it('statuses only move forward', () => {
    const store = newStore();
    store.handleEvent('new_message', echo({ id: 'm1' }));
    store.handleEvent('message_status_update', { id: 'm1', room_id: 'r1', status: 'read' });
    store.handleEvent('message_status_update', { id: 'm1', room_id: 'r1', status: 'delivered' });
    expect(store.snapshot('r1')[0]!.status).toBe('read');
  });

  it('subscribe notifies per room and "*" for any; unsubscribe stops it', () => {
    const store = newStore();
    const r1 = vi.fn();
    const any = vi.fn();
    const offR1 = store.subscribe('r1', r1);
    const offAny = store.subscribe('*', any);
    expect(store.listenerCount).toBe(2);

    store.handleEvent('new_message', echo({ id: 'x' }));
    store.handleEvent('new_message', echo({ id: 'y', room_id: 'r2' }));
    expect(r1).toHaveBeenCalledTimes(1);
    expect(r1).toHaveBeenCalledWith('r1');
    expect(any.mock.calls.map((c) => c[0])).toEqual(['r1', 'r2']);

    offR1();
    offR1(); // twice is harmless
    offAny();
    expect(store.listenerCount).toBe(0);
    store.handleEvent('new_message', echo({ id: 'z' }));
    expect(r1).toHaveBeenCalledTimes(1);
    expect(any).toHaveBeenCalledTimes(2);
  });

  it('rejects bad events with a coded error and changes nothing', () => {
    const store = newStore();
    const before = store.snapshot('r1');
    let caught: unknown;
    try {
      store.handleEvent('new_message', { text: 'no id, no room' });
    } catch (e) {
      caught = e;
    }
    expect(isInboxRealtimeError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe('invalid_event');
    expect(store.snapshot('r1')).toBe(before);
  });

  it('failed sends are removed by default, kept with keepFailed, and can be retried', () => {
    const dropping = newStore();
    const failures = vi.fn();
    dropping.onSendFailed(failures);
    const a = dropping.addOptimistic('r1', 'hola', 'agent-1');
    dropping.markFailed(a, 'whatsapp send failed');
    expect(dropping.snapshot('r1')).toHaveLength(0);
    expect(failures).toHaveBeenCalledWith({ room_id: 'r1', client_id: a, reason: 'whatsapp send failed' });

    const keeping = newStore({ keepFailed: true });
    const b = keeping.addOptimistic('r1', 'hola', 'agent-1');
    keeping.markFailed(b, 'whatsapp send failed');
    expect(keeping.snapshot('r1')[0]).toMatchObject({ status: 'failed', error: 'whatsapp send failed' });
    expect(keeping.retry(b)).toEqual({ room_id: 'r1', text: 'hola', user_id: 'agent-1', client_id: b });
    expect(keeping.snapshot('r1')[0]!.status).toBe('pending');
    expect(keeping.discard(b)).toBe(true);
    expect(keeping.snapshot('r1')).toHaveLength(0);
  });

  it('merges history pages and reports hasMore', () => {
    const store = newStore();
    const t = Date.now() - 60_000;
    const report = store.mergeHistory(
      'r1',
      [echo({ id: 'h2', timestamp: t + 2 }), echo({ id: 'h1', timestamp: t + 1 }), { nonsense: true }],
      true,
    );
    expect(report).toMatchObject({ added: 2, updated: 0 });
    expect(report.rejected.map((r) => r.index)).toEqual([2]);
    expect(store.snapshot('r1').map((m) => m.id)).toEqual(['h1', 'h2']);
    expect(store.hasMore('r1')).toBe(true);
    store.mergeHistory('r1', [echo({ id: 'h0', timestamp: t })], false);
    expect(store.hasMore('r1')).toBe(false);
  });

  it('inbox rooms: last message, unread, markRead; same array until a change', () => {
    const store = newStore();
    store.handleEvent('new_message', echo({ id: 'i1', direction: 'incoming', user_id: null, room_id: 'a' }));
    store.handleEvent('new_message', echo({ id: 'i2', direction: 'incoming', user_id: null, room_id: 'b' }));
    const rooms = store.rooms();
    expect(store.rooms()).toBe(rooms);
    const a = rooms.find((r) => r.room_id === 'a')!;
    expect(a.unread).toBe(1);
    expect(a.last_message!.id).toBe('i1');
    store.markRead('a');
    expect(store.rooms()).not.toBe(rooms);
    expect(store.rooms().find((r) => r.room_id === 'a')!.unread).toBe(0);
  });

  it("inbox rooms keep the contact's name while a send is pending or failed", () => {
    const store = newStore({ keepFailed: true });
    const name = () => store.rooms().find((r) => r.room_id === 'a')!.contact_name;
    store.handleEvent('new_message', echo({ id: 'i1', direction: 'incoming', user_id: null, room_id: 'a', contact_name: 'Test Customer', timestamp: Date.now() - 1000 }));
    expect(name()).toBe('Test Customer');
    const clientId = store.addOptimistic('a', 'Hello!', 'agent-1');
    expect(store.rooms()[0]!.last_message!.client_id).toBe(clientId);
    expect(name()).toBe('Test Customer');
    store.markFailed(clientId, 'HTTP 500');
    expect(name()).toBe('Test Customer');
    store.handleEvent('new_message', echo({ id: 'i2', direction: 'incoming', user_id: null, room_id: 'b' }));
    expect(store.rooms().find((r) => r.room_id === 'b')!.contact_name).toBeNull();
  });

  it('typing users expire after typingTimeoutMs (the store runs its own timer)', () => {
    vi.useFakeTimers();
    const store = newStore({ typingTimeoutMs: 3000 });
    const changes = vi.fn();
    store.subscribe('r1', changes);
    store.handleEvent('typing_indicator', { room_id: 'r1', is_typing: true, user: 'Ana' });
    const typing = store.typingUsers('r1');
    expect(typing).toEqual(['Ana']);
    expect(store.typingUsers('r1')).toBe(typing);
    vi.advanceTimersByTime(2000);
    expect(store.typingUsers('r1')).toEqual(['Ana']);
    vi.advanceTimersByTime(1500);
    expect(store.typingUsers('r1')).toEqual([]);
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it('attach feeds server events from the socket; destroying the client detaches', () => {
    const client = new SocketClient(DEAD_URL, { autoConnect: false });
    const store = newStore();
    const baseline = client.listenerCount;
    store.attach(client);
    expect(client.listenerCount).toBe(baseline); // the tap lives inside wasm, not as a JS listener
    client.destroy();
    expect(() => store.attach(client)).toThrow(/destroyed/);
    store.handleEvent('new_message', echo());
    expect(store.snapshot('r1')).toHaveLength(1);
  });

  it('throws a clear error after destroy', () => {
    const store = new MessageStore();
    store.destroy();
    store.destroy();
    expect(store.destroyed).toBe(true);
    expect(() => store.snapshot('r1')).toThrow('inbox-realtime: this MessageStore was destroyed');
  });
});

const T = 1_700_000_000_000;
const message = (id: string, ts: number, over: Record<string, unknown> = {}) => ({
  id,
  room_id: 'r',
  text: 't',
  timestamp: ts,
  ...over,
});

// The view layer the wasm store pushes its changes to: identities React relies on, the refcounted watch, and the
// inbox list that moves one summary per message.
describe('the view layer', () => {
  it('keeps every unchanged message object across an append, a tick and an insert that shifts the list', () => {
    const store = newStore();
    for (let i = 0; i < 200; i++) store.handleEvent('new_message', message(`m${i}`, T + i * 1000));
    const first = store.snapshot('r');
    const unsubscribe = store.subscribe('r', () => {});
    store.handleEvent('new_message', message('m200', T + 200 * 1000));
    const appended = store.snapshot('r');
    expect(appended).toHaveLength(201);
    expect(appended.slice(0, 200).every((m, i) => m === first[i])).toBe(true);
    store.handleEvent('message_status_update', { id: 'm100', status: 'read' });
    const ticked = store.snapshot('r');
    expect(ticked[100]).not.toBe(appended[100]);
    expect(ticked[100]!.status).toBe('read');
    expect(ticked.every((m, i) => i === 100 || m === appended[i])).toBe(true);
    store.handleEvent('new_message', message('early', T - 1e6));
    const shifted = store.snapshot('r');
    expect(shifted[0]!.id).toBe('early');
    expect(ticked.every((m, i) => shifted[i + 1] === m)).toBe(true);
    expect(store.snapshot('r')).toBe(shifted);
    unsubscribe();
    // Still answered (pinned by the first snapshot read), still current.
    store.handleEvent('new_message', message('late', T + 1e6));
    expect(store.snapshot('r').at(-1)!.id).toBe('late');
  });

  it('a list handed to a reader never changes, however many batches follow', () => {
    const store = newStore();
    let heard = 0;
    const off = store.subscribe('r', () => heard++);
    // Many batches, none read: applied to the view's own list, which no reader holds.
    for (let i = 0; i < 150; i++) store.handleEvent('new_message', message(`m${i}`, T + i * 1000));
    const read = store.snapshot('r');
    expect(read.map((m: Message) => m.id)).toEqual(Array.from({ length: 150 }, (_, i) => `m${i}`));
    // An insert in the middle and appends, nothing read: the list read above stays as it was.
    store.handleEvent('new_message', message('early', T - 1));
    for (let i = 150; i < 300; i++) store.handleEvent('new_message', message(`m${i}`, T + i * 1000));
    expect(read).toHaveLength(150);
    expect(read[0]!.id).toBe('m0');
    const now = store.snapshot('r');
    expect(now).toHaveLength(301);
    expect(now[0]!.id).toBe('early');
    expect(now.slice(1, 151).every((m: Message, i: number) => m === read[i])).toBe(true);
    expect(heard).toBe(301);
    off();
  });

  it('a typing list keeps its identity while only messages change', () => {
    const store = newStore({ typingTimeoutMs: 60_000 });
    store.handleEvent('typing_indicator', { room_id: 'r', user: { id: 'u', name: 'Ana' } });
    const typing = store.typingUsers('r');
    expect(typing).toEqual(['Ana']);
    store.handleEvent('new_message', message('m1', T, { user_id: 'other' }));
    expect(store.typingUsers('r')).toBe(typing);
    store.handleEvent('typing_indicator', { room_id: 'r', user: 'u', is_typing: false });
    expect(store.typingUsers('r')).toEqual([]);
  });

  it('one listener call per change of a subscribed room, none for other rooms; hasMore follows history', () => {
    const store = newStore();
    const calls: string[] = [];
    const off = store.subscribe('r', (room) => calls.push(room));
    store.handleEvent('new_message', message('a', T));
    store.handleEvent('new_message', message('b', T, { room_id: 'other' }));
    store.mergeHistory('r', [message('old', T - 1000)], false);
    expect(calls).toEqual(['r', 'r']);
    expect(store.hasMore('r')).toBe(false);
    expect(store.snapshot('r').map((m: Message) => m.id)).toEqual(['old', 'a']);
    off();
    off();
    store.handleEvent('new_message', message('c', T + 1));
    expect(calls).toHaveLength(2);
  });

  it('the inbox moves only the summary that changed, in the store order', () => {
    const store = newStore();
    for (let i = 0; i < 50; i++) store.handleEvent('new_message', message(`m${i}`, T + i, { room_id: `room${i}` }));
    const seen: string[] = [];
    const off = store.subscribe('*', (room) => seen.push(room));
    const before = store.rooms();
    expect(before[0]!.room_id).toBe('room49');
    store.handleEvent('new_message', message('x', T + 1000, { room_id: 'room7', contact_name: 'Bea' }));
    const after = store.rooms();
    expect(seen).toEqual(['room7']);
    expect(after[0]).toMatchObject({ room_id: 'room7', contact_name: 'Bea', unread: 2, typing: [] });
    expect(after.filter((s) => s.room_id !== 'room7').every((s) => before.includes(s))).toBe(true);
    expect(after.map((s) => s.room_id)).toEqual(
      [...before.map((s) => s.room_id)].filter((r) => r !== 'room7').reduce((l, r) => [...l, r], ['room7']),
    );
    // A room without messages goes last.
    store.mergeHistory('empty', [], false);
    expect(store.rooms().at(-1)!.room_id).toBe('empty');
    expect(store.rooms()).toHaveLength(51);
    off();
  });

  it('listeners are counted and gone after unsubscribe', () => {
    const store = newStore();
    const base = store.listenerCount;
    const offs = [store.subscribe('r', () => {}), store.subscribe('r', () => {}), store.subscribe('*', () => {})];
    expect(store.listenerCount).toBe(base + 3);
    for (const off of offs) off();
    expect(store.listenerCount).toBe(base);
  });
});
