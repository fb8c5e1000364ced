// @vitest-environment jsdom
// restResyncLoader (paging against a stubbed fetch) and the hooks' resync after a reconnect the server did not
// recover, against a real socket.io 4.8 server (the `ws` package as the WebSocket).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { act, createElement, StrictMode, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TabSocket } from 'inbox-realtime/react';
import {
  restResyncLoader,
  useRealtimeMessages,
  useSocket,
  type ResyncFunction,
  type UseRealtimeMessagesOptions,
  type UseRealtimeMessagesResult,
} from 'inbox-realtime/react';
import { acceptJoins, startSocketServer } from './helpers';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const T0 = Date.now() - 60_000;
const msg = (id: string, ts: number, room = 'r1') => ({
  id,
  room_id: room,
  text: id,
  user_id: null,
  direction: 'incoming',
  status: 'received',
  timestamp: ts,
});

describe('restResyncLoader', () => {
  afterEach(() => vi.unstubAllGlobals());
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('asks for messages since the timestamp and follows has_more, dropping overlaps', async () => {
    const urls: URL[] = [];
    const pages = [
      { messages: [msg('a', T0 + 5), msg('b', T0 + 6)], has_more: true },
      // The next page starts at the last timestamp seen (>=): `b` comes again and is dropped.
      { messages: [msg('b', T0 + 6), msg('c', T0 + 7)], has_more: false },
    ];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: string) => {
        urls.push(new URL(input));
        return json(pages.shift());
      }),
    );
    const result = await restResyncLoader('http://api.test/', { limit: 2 })('r 1', T0 + 5);
    expect(result).toEqual({ messages: [msg('a', T0 + 5), msg('b', T0 + 6), msg('c', T0 + 7)], has_more: false });
    expect(urls.map((u) => [u.origin + u.pathname, Object.fromEntries(u.searchParams)])).toEqual([
      ['http://api.test/api/messages', { room: 'r 1', since: String(T0 + 5), limit: '2' }],
      ['http://api.test/api/messages', { room: 'r 1', since: String(T0 + 6), limit: '2' }],
    ]);
  });

  it('stops after maxPages (has_more stays true) and when a page brings nothing new', async () => {
    let n = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        n += 1;
        return json({ messages: [msg(`m${n}`, T0 + n)], has_more: true });
      }),
    );
    const bounded = await restResyncLoader('http://api.test', { maxPages: 3 })('r1', 0);
    expect(n).toBe(3);
    expect(bounded.has_more).toBe(true);
    expect((bounded as { messages: unknown[] }).messages).toHaveLength(3);

    const fetchStuck = vi.fn(async () => json({ messages: [msg('same', T0)], has_more: true }));
    vi.stubGlobal('fetch', fetchStuck);
    const stuck = await restResyncLoader('http://api.test')('r1', T0);
    expect(fetchStuck).toHaveBeenCalledTimes(1); // no progress possible: stop instead of looping
    expect(stuck).toEqual({ messages: [msg('same', T0)], has_more: true });
  });

  it('rejects on an HTTP error with the server message', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ error: 'room is required' }, 400)));
    await expect(restResyncLoader('http://api.test')('r1', 0)).rejects.toThrow('room is required');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hooks against a real server
// ---------------------------------------------------------------------------------------------------------------

let io: Server;
let url: string;
/** What GET /api/messages?since= serves (per room), and the queries it saw. */
const history = new Map<string, ReturnType<typeof msg>[]>();
const queries: Record<string, string>[] = [];

function api(req: IncomingMessage, res: ServerResponse) {
  if (req.url?.startsWith('/socket.io/')) return; // socket.io's own handler answers
  const u = new URL(req.url ?? '/', 'http://x');
  if (u.pathname !== '/api/messages') {
    res.writeHead(404).end();
    return;
  }
  const q = Object.fromEntries(u.searchParams);
  queries.push(q);
  const since = Number(q.since ?? 0);
  const list = (history.get(q.room ?? '') ?? []).filter((m) => m.timestamp >= since);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages: list, has_more: false }));
}

let close: () => Promise<void>;

beforeAll(async () => {
  ({ io, url, close } = await startSocketServer(acceptJoins, api));
});

afterAll(() => close());

const roots: Root[] = [];
async function render(node: ReactNode): Promise<Root> {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  roots.push(root);
  await act(async () => root.render(createElement(StrictMode, null, node)));
  return root;
}
afterEach(async () => {
  for (const root of roots.splice(0)) await act(async () => root.unmount());
  await new Promise((r) => setTimeout(r, 300)); // shared clients close 250 ms after the last user
  history.clear();
  queries.length = 0;
});

function Chat(props: {
  path: string;
  roomId: string;
  options?: Partial<UseRealtimeMessagesOptions>;
  out: (r: UseRealtimeMessagesResult, socket: TabSocket | null) => void;
}) {
  // A distinct URL per test (same server, main namespace): each test gets its own shared client and store.
  const { socket, isConnected } = useSocket({
    url: `${url}${props.path}`,
    clientOptions: { reconnectionDelay: 50, reconnectionDelayMax: 100 },
  });
  const result = useRealtimeMessages({ socket, roomId: props.roomId, isConnected, ...props.options });
  props.out(result, socket);
  return null;
}

/** Cuts every connection at the transport (no DISCONNECT packet): the client reconnects with a new session. */
function cut() {
  for (const socket of io.sockets.sockets.values()) socket.conn.close();
}

async function joined(room: string) {
  await vi.waitFor(() => expect(io.sockets.adapter.rooms.get(room)?.size).toBe(1));
}

describe('useRealtimeMessages resync', () => {
  it('defaults to restResyncLoader on the socket URL: messages missed while disconnected appear once', async () => {
    let state: UseRealtimeMessagesResult | undefined;
    await render(createElement(Chat, { path: '', roomId: 'r1', out: (r) => (state = r) }));
    await joined('r1');
    await act(async () => {
      io.to('r1').emit('new_message', msg('m1', T0 + 1));
      await vi.waitFor(() => expect(state!.messages).toHaveLength(1));
    });
    expect(queries).toEqual([]); // nothing on the first connect

    history.set('r1', [msg('m1', T0 + 1), msg('m2', T0 + 2), msg('m3', T0 + 3)]);
    await act(async () => {
      cut();
      await vi.waitFor(() => expect(state!.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']));
    });
    // The newest server message less the default resyncOverlapMs (60 s).
    expect(queries).toEqual([{ room: 'r1', since: String(T0 + 1 - 60_000), limit: '200' }]);
  });

  it('uses the resync option when given, and a custom sender without one falls back to loadHistory', async () => {
    const resync = vi.fn<ResyncFunction>(async () => [msg('x2', T0 + 2, 'r2')]);
    const loadHistory = vi.fn(async () => ({ messages: [msg('y2', T0 + 2, 'r3')], has_more: false }));
    let a: UseRealtimeMessagesResult | undefined;
    let b: UseRealtimeMessagesResult | undefined;
    await render(createElement(Chat, { path: '/?case=opt', roomId: 'r2', options: { resync }, out: (r) => (a = r) }));
    await render(
      createElement(Chat, {
        path: '/?case=opt',
        roomId: 'r3',
        options: { sendMessage: async () => ({ id: 'x' }), loadHistory },
        out: (r) => (b = r),
      }),
    );
    await joined('r2');
    await joined('r3');
    await vi.waitFor(() => expect(loadHistory).toHaveBeenCalledTimes(1)); // the first page, on mount
    expect(resync).not.toHaveBeenCalled();

    await act(async () => {
      cut();
      await vi.waitFor(() => expect(a!.messages.map((m) => m.id)).toEqual(['x2']));
      await vi.waitFor(() => expect(b!.messages.map((m) => m.id)).toEqual(['y2']));
    });
    expect(resync).toHaveBeenCalledWith('r2', 0);
    expect(loadHistory).toHaveBeenCalledTimes(2);
    expect(loadHistory).toHaveBeenLastCalledWith('r3');
    expect(queries).toEqual([]); // no default REST resync for these
  });

  it('resync: null turns it off', async () => {
    let state: UseRealtimeMessagesResult | undefined;
    let socket: TabSocket | null = null;
    await render(
      createElement(Chat, {
        path: '/?case=off',
        roomId: 'r4',
        options: { resync: null },
        out: (r, s) => ((state = r), (socket = s)),
      }),
    );
    await joined('r4');
    history.set('r4', [msg('z1', T0 + 1)]);
    const reconnected = vi.fn();
    socket!.on('rooms_rejoined', reconnected);
    await act(async () => {
      cut();
      await vi.waitFor(() => expect(reconnected).toHaveBeenCalled());
      await new Promise((r) => setTimeout(r, 100));
    });
    expect(state!.messages).toEqual([]);
    expect(queries).toEqual([]);
  });
});
