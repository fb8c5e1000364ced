// What the real wasm hands to JS against the declarations generated from the Rust side (src/boundary): every object
// has exactly the declared fields with the declared types, every string is one of its union's values, and the wasm
// reads exactly the option keys the TS option types declare. A field renamed on either side fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MessageStore,
  SocketClient,
  isInboxRealtimeError,
  type ClientOptions,
  type ConnectionStatus,
  type DisconnectReason,
  type StoreOptions,
} from 'inbox-realtime';
import { WasmSocketClient } from '../../pkg/wasm/inbox_realtime.js';
import { SHAPES, UNIONS } from './generated/boundary-spec';
import { DEAD_URL, acceptJoins, startSocketServer } from './helpers';

/** What is wrong with `value` as the TS type `type` (as the spec writes it); empty when nothing. */
function problems(value: unknown, type: string, path: string): string[] {
  const found: string[] = [];
  for (const alternative of type.split(' | ')) {
    const wrong = mismatch(value, alternative, path);
    if (wrong.length === 0) return [];
    found.push(...wrong);
  }
  return found;
}

function mismatch(value: unknown, type: string, path: string): string[] {
  const bad = [`${path}: ${JSON.stringify(value)} is not ${type}`];
  switch (type) {
    case 'string':
    case 'number':
    case 'boolean':
      return typeof value === type ? [] : bad;
    case 'null':
      return value === null ? [] : bad;
    case 'unknown':
      return [];
  }
  const array = /^ReadonlyArray<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => problems(v, array[1]!, `${path}[${i}]`)) : bad;
  if (UNIONS[type]) return UNIONS[type].includes(value as string) ? [] : bad;
  if (SHAPES[type]) return shapeProblems(value, type, path);
  return [`${path}: the spec names an unknown type ${type}`];
}

/** Every declared field present (unless optional, `?`) with its type; no undeclared field unless the shape is open. */
function shapeProblems(value: unknown, name: string, path = name): string[] {
  const shape = SHAPES[name]!;
  if (typeof value !== 'object' || value === null) return [`${path}: not an object`];
  const out: string[] = [];
  for (const [field, type] of Object.entries(shape.fields)) {
    const optional = type.endsWith('?');
    if (!(field in value)) {
      if (!optional) out.push(`${path}.${field}: missing`);
      continue;
    }
    out.push(...problems((value as Record<string, unknown>)[field], optional ? type.slice(0, -1) : type, `${path}.${field}`));
  }
  if (!shape.open) {
    for (const key of Object.keys(value)) if (!(key in shape.fields)) out.push(`${path}.${key}: not declared in ${name}`);
  }
  return out;
}

function expectShape(name: string, values: readonly unknown[]): void {
  expect(values.length, `no ${name} observed`).toBeGreaterThan(0);
  // Joined: a failure shows every problem, not a truncated array.
  expect(values.flatMap((v, i) => shapeProblems(v, name, `${name}#${i}`)).join('\n')).toBe('');
}

let server: Awaited<ReturnType<typeof startSocketServer>>;
beforeAll(async () => {
  server = await startSocketServer(acceptJoins);
});
afterAll(() => server.close());

describe('objects from the wasm match the generated declarations', () => {
  it('messages, room summaries, history reports, retry info, failures', () => {
    const store = new MessageStore({ keepFailed: true, maxTextChars: 5 });
    const sendFailures: unknown[] = [];
    store.onSendFailed((f) => sendFailures.push(f));
    // A customer's message with an unknown field and a cut text; a pending agent send; a failed send.
    const now = Date.now();
    store.handleEvent('new_message', { id: 'm1', room_id: 'r1', text: 'hello there', timestamp: now, from: '+1555' });
    store.addOptimistic('r1', 'hi', 'agent-1');
    const failed = store.addOptimistic('r1', 'oops', null);
    store.markFailed(failed, 'HTTP 500');
    const history = store.mergeHistory('r2', [{ id: 'h1', text: 'old', timestamp: now - 1000 }, { text: 'no id' }], true);
    const messages = store.snapshot('r1');
    expectShape('Message', messages);
    // Each nullable field seen both ways, the optional one set, the unknown field kept.
    for (const field of ['user_id', 'client_id', 'error'] as const) {
      expect(messages.some((m) => m[field] === null) && messages.some((m) => typeof m[field] === 'string'), field).toBe(true);
    }
    expect(messages.find((m) => m.id === 'm1')).toMatchObject({ text_truncated: 11, from: '+1555' });
    expectShape('RoomSummary', store.rooms());
    expectShape('HistoryReport', [history]);
    expect(history.rejected).toHaveLength(1);
    expectShape('SendFailure', sendFailures);
    expectShape('RetryInfo', [store.retry(failed)]);
    store.destroy();
  });

  it('outbox entries, the sender payload and the accepted send', async () => {
    const store = new MessageStore();
    const payloads: unknown[] = [];
    const accepted: unknown[] = [];
    let resolve!: (response: unknown) => void;
    store.setSender((payload) => {
      payloads.push(payload);
      return new Promise((r) => (resolve = r));
    });
    store.onSent((a) => accepted.push(a));
    const clientId = store.queueSend('r1', 'hola', 'agent-1');
    store.queueSend('r1', 'hola again', null);
    expectShape('OutboxEntry', store.outbox());
    expectShape('SendPayload', payloads);
    resolve({ id: 'wamid.9' });
    await expect.poll(() => accepted.length).toBe(1);
    expectShape('SendAccepted', accepted);
    expect(accepted[0]).toMatchObject({ client_id: clientId, response: { id: 'wamid.9' } });
    store.destroy();
  });

  it('connect info, statuses and disconnect reasons from a real server', async () => {
    const client = new SocketClient(server.url, { autoConnect: false });
    const infos: unknown[] = [];
    const statuses: ConnectionStatus[] = [];
    const reasons: DisconnectReason[] = [];
    client.on('connect', (info) => infos.push(info));
    client.on('status', (s) => statuses.push(s));
    client.on('disconnect', (r) => reasons.push(r));
    client.connect();
    await expect.poll(() => infos.length).toBe(1);
    statuses.push(client.status);
    client.disconnect();
    expectShape('ConnectInfo', infos);
    expect(statuses.filter((s) => !UNIONS.ConnectionStatus!.includes(s))).toEqual([]);
    expect(statuses).toContain('connected');
    expect(reasons).toEqual(['io client disconnect']);
    expect(UNIONS.DisconnectReason).toContain(reasons[0]);
    client.destroy();
  });

  it('error codes the wasm and the TS layer set are ErrorCode values', () => {
    const store = new MessageStore();
    const client = new SocketClient(DEAD_URL, { autoConnect: false });
    const codes: unknown[] = [];
    const attempt = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(isInboxRealtimeError(e), String(e)).toBe(true);
        codes.push((e as { code: unknown }).code);
      }
    };
    attempt(() => store.handleEvent('bogus', {}));
    attempt(() => store.handleEvent('new_message', 5));
    attempt(() => store.retry('nobody'));
    attempt(() => store.restoreSend({} as never));
    attempt(() => client.emit('connect'));
    attempt(() => client.emit('upload', new Uint8Array(1)));
    expect(codes).toEqual(['unknown_event', 'invalid_event', 'unknown_client_id', 'outbox_record_invalid', 'emit', 'binary_unsupported']);
    expect(codes.filter((c) => !UNIONS.ErrorCode!.includes(c as string))).toEqual([]);
    client.destroy();
    store.destroy();
  });
});

/** The keys the wasm reads from an object (a Proxy over `backing` records them). */
function keysRead(use: (options: object) => unknown, backing: object = {}): string[] {
  const read = new Set<string>();
  const get = (target: object, key: string | symbol) => {
    if (typeof key === 'string') read.add(key);
    return Reflect.get(target, key);
  };
  use(new Proxy(backing, { get }));
  return [...read].sort();
}

describe('option keys the wasm reads are the ones the TS options declare', () => {
  it('MessageStore', () => {
    // Exactly the keys of StoreOptions: tsc fails on a missing or an extra one.
    const declared = {
      matchWindowMs: true, keepFailed: true, pendingTimeoutMs: true, typingTimeoutMs: true, maxMessagesPerRoom: true,
      clientIdPrefix: true, resyncOverlapMs: true, maxTextChars: true, maxIdChars: true, maxFutureMs: true,
      maxHeldUpdates: true, heldMaxAgeMs: true, sendGiveUpMs: true, sendAttemptTimeoutMs: true, sendRetryDelayMs: true,
      sendRetryDelayMaxMs: true, cacheMessagesPerRoom: true, cacheMaxMessages: true,
    } satisfies Record<keyof StoreOptions, true>;
    expect(keysRead((o) => new MessageStore(o).destroy()).join(' ')).toBe(Object.keys(declared).sort().join(' '));
  });

  it('MessageStore.restoreSend reads OutboxEntry fields only', () => {
    const from = new MessageStore();
    from.queueSend('r1', 'hola', 'agent-1');
    const [entry] = from.outbox();
    const to = new MessageStore();
    let restored: unknown;
    const read = keysRead((record) => (restored = to.restoreSend(record as typeof entry & object)), { ...entry });
    expect(restored).toBe(true);
    expect(read).toContain('client_id');
    expect(read.filter((key) => !(key in SHAPES.OutboxEntry!.fields)).join(' ')).toBe('');
    from.destroy();
    to.destroy();
  });

  it('SocketClient (the keys only the TS face reads excepted)', () => {
    const declared = {
      path: 'wasm', namespace: 'wasm', query: 'wasm', auth: 'wasm', reconnection: 'wasm', reconnectionAttempts: 'wasm',
      reconnectionDelay: 'wasm', reconnectionDelayMax: 'wasm', randomizationFactor: 'wasm', timeout: 'wasm',
      ackTimeout: 'wasm', bufferWhenDisconnected: 'wasm', maxBuffered: 'wasm', retries: 'wasm', transports: 'wasm',
      autoConnect: 'ts', debug: 'ts',
    } satisfies Record<keyof ClientOptions, 'wasm' | 'ts'>;
    const wasm = Object.entries(declared).flatMap(([key, side]) => (side === 'wasm' ? [key] : []));
    expect(keysRead((o) => new WasmSocketClient(DEAD_URL, o).free()).join(' ')).toBe(wasm.sort().join(' '));
  });
});
