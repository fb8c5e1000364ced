// The view layer the wasm store pushes its changes to: identities React relies on, the refcounted watch, and the
// inbox list that moves one summary per message.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { init, MessageStore, type Message } from 'inbox-realtime';
import { wasmBytes } from './helpers';

beforeAll(() => init(wasmBytes()));

const stores: MessageStore[] = [];
function newStore(options = {}) {
  const store = new MessageStore(options);
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.destroy();
});

const T = 1_700_000_000_000;
const message = (id: string, ts: number, over: Record<string, unknown> = {}) => ({
  id,
  room_id: 'r',
  text: 't',
  timestamp: ts,
  ...over,
});

describe('the view layer', () => {
  it('keeps every unchanged message object across an append, a tick and an insert that shifts the list', () => {
    const store = newStore();
    for (let i = 0; i < 200; i++) store.handleEvent('new_message', message(`m${i}`, T + i * 1000));
    const first = store.snapshot('r');
    expect(Object.isFrozen(first)).toBe(true);
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
