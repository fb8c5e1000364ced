// @vitest-environment jsdom
import { act, createElement, StrictMode, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { init, type SocketClient } from 'inbox-realtime';
import type { TabSocket } from 'inbox-realtime/tabs';
import {
  getMessageStore,
  isWaitingForNetwork,
  getSharedSocket,
  useInbox,
  useRealtimeMessages,
  useSocket,
  type SendPayload,
  type SendResult,
  type UseRealtimeMessagesOptions,
  type UseRealtimeMessagesResult,
  type UseSocketResult,
} from 'inbox-realtime/react';
import { DEAD_URL, wasmBytes } from './helpers';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

beforeAll(() => init(wasmBytes()));

const roots: Root[] = [];
async function render(node: ReactNode): Promise<Root> {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  roots.push(root);
  await act(async () => root.render(createElement(StrictMode, null, node)));
  return root;
}
async function unmount(root: Root) {
  await act(async () => root.unmount());
  roots.splice(roots.indexOf(root), 1);
}
afterEach(async () => {
  for (const root of roots.splice(0)) await act(async () => root.unmount());
  // Let shared clients time out (250 ms) so tests do not leak sockets into each other.
  await new Promise((r) => setTimeout(r, 300));
});

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function SocketProbe(props: { url: string; out: (r: UseSocketResult) => void }) {
  props.out(useSocket({ url: props.url }));
  return null;
}

function Chat(props: {
  url: string;
  roomId: string;
  options?: Partial<UseRealtimeMessagesOptions>;
  out: (r: UseRealtimeMessagesResult, socket: TabSocket | null) => void;
}) {
  const { socket, isConnected } = useSocket({ url: props.url });
  const result = useRealtimeMessages({ socket, roomId: props.roomId, isConnected, ...props.options });
  props.out(result, socket);
  return null;
}

describe('useSocket', () => {
  it('shares one client per URL under StrictMode and closes it after the last unmount', async () => {
    const url = `${DEAD_URL}/strict`;
    const seen = new Set<TabSocket>();
    const record = (r: UseSocketResult) => r.socket && seen.add(r.socket);
    const a = await render(createElement(SocketProbe, { url, out: record }));
    const b = await render(createElement(SocketProbe, { url, out: record }));
    expect(seen.size).toBe(1);
    const [socket] = [...seen];
    expect(getSharedSocket(url)).toBe(socket);
    expect(socket!.destroyed).toBe(false);

    await unmount(a);
    await new Promise((r) => setTimeout(r, 300));
    expect(socket!.destroyed).toBe(false); // b still uses it

    await unmount(b);
    expect(socket!.destroyed).toBe(false); // grace period
    await new Promise((r) => setTimeout(r, 300));
    expect(socket!.destroyed).toBe(true);
    expect(getSharedSocket(url)).toBeNull();
  });

  it('gives different URLs different clients and reports status', async () => {
    let one: UseSocketResult | undefined;
    let two: UseSocketResult | undefined;
    await render(createElement(SocketProbe, { url: `${DEAD_URL}/one`, out: (r) => (one = r) }));
    await render(createElement(SocketProbe, { url: `${DEAD_URL}/two`, out: (r) => (two = r) }));
    expect(one!.socket).not.toBeNull();
    expect(one!.socket).not.toBe(two!.socket);
    expect(one!.isConnected).toBe(false);
    expect(['connecting', 'reconnecting', 'error', 'disconnected']).toContain(one!.status);
  });

  it('removes its listeners on unmount, shared across tabs (the default) or not', async () => {
    for (const shareAcrossTabs of [undefined, false]) {
      const url = `${DEAD_URL}/listeners-${shareAcrossTabs}`;
      let socket: SocketClient | TabSocket | null = null;
      function Probe() {
        socket = useSocket({ url, shareAcrossTabs }).socket;
        return null;
      }
      function Room() {
        const { socket, isConnected } = useSocket({ url, shareAcrossTabs });
        useRealtimeMessages({ socket, roomId: 'r1', isConnected });
        useInbox({ socket });
        return null;
      }
      await render(createElement(Probe));
      const store = getMessageStore(socket!);
      const baseSocket = socket!.listenerCount;
      const baseStore = store.listenerCount;

      const chat = await render(createElement(Room));
      expect(socket!.listenerCount).toBeGreaterThan(baseSocket);
      expect(store.listenerCount).toBeGreaterThan(baseStore);
      expect(socket!.rooms).toEqual(['r1']);

      await unmount(chat);
      expect(socket!.listenerCount).toBe(baseSocket);
      expect(store.listenerCount).toBe(baseStore);
      expect(socket!.rooms).toEqual([]);
    }
  });

  it('passes clientOptions.debug to the client: the console says why it cannot connect, and which room it joins', async () => {
    const url = `${DEAD_URL}/debug`;
    const lines: string[] = [];
    const record = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    vi.spyOn(console, 'log').mockImplementation(record);
    vi.spyOn(console, 'error').mockImplementation(record);
    function DebugChat() {
      const { socket, isConnected } = useSocket({ url, clientOptions: { debug: true, reconnectionDelay: 60_000 } });
      useRealtimeMessages({ socket, roomId: '628123456789', isConnected });
      return null;
    }
    await render(createElement(DebugChat));
    await vi.waitFor(() => expect(lines).toContainEqual(expect.stringMatching(/^❌ Socket connection error: (websocket|xhr poll) error \(/)));
    expect(lines).toContain('📨 Joining room: 628123456789');
  });
});

describe('useRealtimeMessages', () => {
  it('sendMessage: pending at once, then sent with the server id; the echo does not duplicate it', async () => {
    const url = `${DEAD_URL}/send`;
    const reply = deferred<{ id: string }>();
    const sendMessage = vi.fn((_: SendPayload) => reply.promise);
    let state: UseRealtimeMessagesResult | undefined;
    let socket: TabSocket | null = null;
    await render(
      createElement(Chat, { url, roomId: 'r1', options: { sendMessage }, out: (r, s) => ((state = r), (socket = s)) }),
    );
    expect(state!.loading).toBe(false);
    expect(state!.messages).toEqual([]);

    let result: Promise<SendResult> | undefined;
    await act(async () => {
      result = state!.sendMessage('hola', 'agent-1');
    });
    expect(state!.messages).toHaveLength(1);
    const pending = state!.messages[0]!;
    expect(pending).toMatchObject({ status: 'pending', text: 'hola', user_id: 'agent-1' });
    expect(sendMessage).toHaveBeenCalledWith({ to: 'r1', text: 'hola', user_id: 'agent-1', client_id: pending.client_id });

    const queued = await result!;
    expect(queued).toMatchObject({ ok: true, queued: true, clientId: pending.client_id });
    await act(async () => {
      reply.resolve({ id: 'wamid.1' });
      if (queued.ok) expect(await queued.outcome).toEqual({ ok: true, clientId: pending.client_id, response: { id: 'wamid.1' } });
    });
    // The id stays the client id until the echo; the server id links the echo and status updates.
    expect(state!.messages[0]).toMatchObject({ status: 'sent', key: pending.key });

    const before = state!.messages;
    await act(async () => {
      getMessageStore(socket!).handleEvent('new_message', {
        id: 'wamid.1',
        room_id: 'r1',
        text: 'hola',
        user_id: 'agent-1',
        status: 'delivered',
        client_id: pending.client_id,
        timestamp: Date.now(),
      });
    });
    expect(state!.messages).not.toBe(before);
    expect(state!.messages).toHaveLength(1);
    expect(state!.messages[0]).toMatchObject({ status: 'delivered', id: 'wamid.1', key: pending.key });
  });

  it('a send refused for good stays failed with its text by default; keepFailed: false removes it', async () => {
    for (const keepFailed of [undefined, false]) {
      const url = `${DEAD_URL}/fail-${keepFailed}`;
      const sendMessage = vi.fn(async () => {
        throw Object.assign(new Error('whatsapp send refused'), { status: 422 });
      });
      let state: UseRealtimeMessagesResult | undefined;
      await render(createElement(Chat, { url, roomId: 'r1', options: { sendMessage, keepFailed }, out: (r) => (state = r) }));
      let outcome: unknown;
      await act(async () => {
        const r = await state!.sendMessage('hola', 'agent-1');
        if (r.ok) outcome = await r.outcome;
      });
      expect(outcome).toMatchObject({ ok: false, error: { message: 'whatsapp send refused' } });
      expect(sendMessage).toHaveBeenCalledTimes(1);
      if (keepFailed === false) {
        // Shared across tabs, the hook discards it in the tab holding the connection, which then tells every tab.
        await vi.waitFor(() => expect(state!.messages).toEqual([]));
      } else {
        expect(state!.messages).toMatchObject([{ status: 'failed', text: 'hola', error: 'whatsapp send refused' }]);
        await act(async () => {
          expect(state!.discard(state!.messages[0]!.client_id!)).toBe(true);
        });
        await vi.waitFor(() => expect(state!.messages).toEqual([]));
      }
    }
  });

  it('a network failure is retried automatically with the same client id, shown as waiting meanwhile', async () => {
    const url = `${DEAD_URL}/transient`;
    const sendMessage = vi
      .fn<(p: SendPayload) => Promise<unknown>>()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockRejectedValueOnce(Object.assign(new Error('busy'), { status: 503, retryAfterMs: 0 }))
      .mockResolvedValueOnce({ id: 'wamid.5' });
    let state: UseRealtimeMessagesResult | undefined;
    await render(createElement(Chat, { url, roomId: 'r1', options: { sendMessage }, out: (r) => (state = r) }));
    let r: SendResult | undefined;
    await act(async () => {
      r = await state!.sendMessage('hola', 'agent-1');
    });
    await vi.waitFor(() => expect(sendMessage).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect(isWaitingForNetwork(state!.messages[0]!)).toBe(true));
    expect(state!.messages[0]).toMatchObject({ status: 'pending', error: 'Failed to fetch' });
    // Backoff: ~1 s, then ~2 s (jittered ±50 %).
    await act(async () => {
      if (r!.ok) expect(await r!.outcome).toMatchObject({ ok: true, response: { id: 'wamid.5' } });
    });
    expect(sendMessage).toHaveBeenCalledTimes(3);
    const ids = sendMessage.mock.calls.map((c) => c[0].client_id);
    expect(new Set(ids).size).toBe(1);
    expect(state!.messages).toMatchObject([{ status: 'sent', error: null }]);
  }, 15_000);

  it('loads history: loading until the first page, then loadOlder asks for older pages', async () => {
    const url = `${DEAD_URL}/history`;
    const t = Date.now() - 100_000;
    const msg = (id: string, ts: number) => ({ id, room_id: 'r1', text: id, user_id: null, direction: 'incoming', timestamp: ts });
    const first = deferred<{ messages: unknown[]; has_more: boolean }>();
    const loadHistory = vi
      .fn<(room: string, before?: number) => Promise<{ messages: unknown[]; has_more: boolean }>>()
      .mockReturnValueOnce(first.promise)
      .mockResolvedValueOnce({ messages: [msg('m0', t)], has_more: false });
    let state: UseRealtimeMessagesResult | undefined;
    await render(createElement(Chat, { url, roomId: 'r1', options: { loadHistory }, out: (r) => (state = r) }));
    expect(state!.loading).toBe(true);
    expect(loadHistory).toHaveBeenCalledWith('r1');

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await act(async () =>
      first.resolve({ messages: [msg('m2', t + 2), { nonsense: true }, msg('m1', t + 1)], has_more: true }),
    );
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('skipped 1 invalid history item'), expect.stringContaining('#1'));
    expect(state!.loading).toBe(false);
    expect(state!.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(state!.hasMore).toBe(true);

    await act(async () => state!.loadOlder());
    expect(loadHistory).toHaveBeenLastCalledWith('r1', t + 1);
    expect(state!.messages.map((m) => m.id)).toEqual(['m0', 'm1', 'm2']);
    expect(state!.hasMore).toBe(false);
  });

  it('typing indicator shows while active', async () => {
    const url = `${DEAD_URL}/typing`;
    let state: UseRealtimeMessagesResult | undefined;
    let socket: TabSocket | null = null;
    await render(createElement(Chat, { url, roomId: 'r1', out: (r, s) => ((state = r), (socket = s)) }));
    expect(state!.isTyping).toBe(false);
    await act(async () => {
      getMessageStore(socket!).handleEvent('typing_indicator', { room_id: 'r1', is_typing: true, user: 'Ana' });
    });
    expect(state!.isTyping).toBe(true);
    expect(state!.typingUsers).toEqual(['Ana']);
    await act(async () => {
      getMessageStore(socket!).handleEvent('typing_indicator', { room_id: 'r1', is_typing: false, user: 'Ana' });
    });
    expect(state!.isTyping).toBe(false);
  });

});

describe('useInbox', () => {
  it('lists rooms with unread counts and marks them read', async () => {
    const url = `${DEAD_URL}/inbox`;
    let inbox: ReturnType<typeof useInbox> | undefined;
    let socket: TabSocket | null = null;
    function Sidebar() {
      const s = useSocket({ url });
      socket = s.socket;
      inbox = useInbox({ socket: s.socket });
      return null;
    }
    await render(createElement(Sidebar));
    expect(inbox!.rooms).toEqual([]);
    await act(async () => {
      getMessageStore(socket!).handleEvent('new_message', {
        id: 'w1',
        room_id: '15550001111',
        text: 'hola',
        user_id: null,
        timestamp: Date.now(),
      });
    });
    expect(inbox!.rooms).toHaveLength(1);
    expect(inbox!.rooms[0]).toMatchObject({ room_id: '15550001111', unread: 1, last_message: { text: 'hola' } });
    // Shared across tabs, the tab holding the connection marks it read, then every tab shows it.
    await act(async () => inbox!.markRead('15550001111'));
    await vi.waitFor(() => expect(inbox!.rooms[0]!.unread).toBe(0));
  });
});
