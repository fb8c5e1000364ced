/**
 * What a tab and the host of the shared connection say to each other over a `MessagePort` (plain, structured-clone
 * data). The host holds the one socket and store; each tab shows some rooms and gets only their changes.
 *
 * Where the host runs (a SharedWorker, or a leader tab) is the business of whoever connects the ports; neither side
 * here depends on it.
 * @module
 */
import type { ChangeBatch, ConnectionStatus, Message, SendFailure, SendPayload } from '../generated/boundary.js';

/** Tab → host. */
export type TabMessage =
  /** First from a tab on a new port (what was posted before it listened is lost): answered with the status. */
  | { readonly op: 'ready' }
  /** The tab shows the room: the shared socket is in it while any tab is. */
  | { readonly op: 'join'; readonly room: string }
  | { readonly op: 'leave'; readonly room: string }
  /** The tab renders the room: it gets the room as it is (one `reset`), then its changes. */
  | { readonly op: 'watch'; readonly room: string }
  | { readonly op: 'unwatch'; readonly room: string }
  | { readonly op: 'watchInbox' }
  | { readonly op: 'unwatchInbox' }
  /**
   * Queue a send in the one outbox under the client id the tab made (so sending it again, to a new host after a
   * failover, is the same send); a refusal is answered (`reply` with the same `id`).
   */
  | {
      readonly op: 'send';
      readonly id: number;
      readonly client: string;
      readonly room: string;
      readonly text: string;
      readonly user: string | null;
      readonly created: number;
      readonly failed: boolean;
    }
  /** What the tab shows of a room, for a new host to start from (after a failover) before the room's resync. */
  | { readonly op: 'seed'; readonly room: string; readonly messages: readonly Message[]; readonly hasMore: boolean }
  /** A history page for a room (`mergeHistory`); answered with its report. */
  | { readonly op: 'history'; readonly id: number; readonly room: string; readonly messages: readonly unknown[]; readonly hasMore: boolean }
  /** A server event the tab got another way (`handleEvent`); answered, with the error if it was refused. */
  | { readonly op: 'event'; readonly id: number; readonly name: string; readonly payload: unknown }
  /** An emit on the shared socket; with `id`, the server's ack comes back as the `reply`'s value (its arguments). */
  | { readonly op: 'emit'; readonly id?: number; readonly event: string; readonly args: readonly unknown[] }
  /** The tab listens to a server event of the shared socket (told as `socketEvent`), or stops. */
  | { readonly op: 'listen'; readonly event: string }
  | { readonly op: 'unlisten'; readonly event: string }
  /** The tab listens to every server event of the shared socket (`onAny`, told as `anyEvent`), or stops. */
  | { readonly op: 'listenAny'; readonly on: boolean }
  /** The tab sends its own sends with a function of its own (the host asks it to: `run`), or stops. */
  | { readonly op: 'sender'; readonly on: boolean }
  /** The tab resyncs `room` with a function of its own (the host asks it to: `run`), or stops. */
  | { readonly op: 'resyncer'; readonly room: string; readonly on: boolean }
  /** The answer to the host's `run`. */
  | { readonly op: 'done'; readonly id: number; readonly value?: unknown; readonly error?: RunError }
  | { readonly op: 'markRead'; readonly room: string }
  | { readonly op: 'retry'; readonly client: string }
  | { readonly op: 'discard'; readonly client: string }
  /** The outbox's sends (of `room`, or all); answered with `OutboxEntry[]`. */
  | { readonly op: 'outbox'; readonly id: number; readonly room?: string }
  /** Logout (`clearLocalData`): the outbox's sends are discarded and the device's copies deleted; answered when done. */
  | { readonly op: 'clearLocal'; readonly id: number }
  /**
   * The tab was shown, or the network came back: the holder reconnects and retries waiting sends now (a hidden
   * holder's own timers may be throttled, and it hears neither event for another tab).
   */
  | { readonly op: 'wake' }
  /** The app's `connect()` / `disconnect()` of the shared socket (every tab's connection). */
  | { readonly op: 'connect' }
  | { readonly op: 'disconnect' }
  /** The app's `setAuth` (plain data: a function cannot cross; the holder's own `auth` option then applies). */
  | { readonly op: 'auth'; readonly auth: Record<string, unknown> | null }
  /** The tab goes (unload, unmount): what only it held is released. */
  | { readonly op: 'close' };

/** Host → tab. */
export type HostMessage =
  /** The changes of the rooms this tab watches (and the inbox, if it watches it). */
  | { readonly op: 'batch'; readonly batch: ChangeBatch }
  | { readonly op: 'status'; readonly status: ConnectionStatus; readonly id?: string }
  /** A server event the tab listens to. */
  | { readonly op: 'socketEvent'; readonly event: string; readonly args: readonly unknown[] }
  /** Any server event, for a tab that listens to all (`onAny`). */
  | { readonly op: 'anyEvent'; readonly event: string; readonly args: readonly unknown[] }
  /** Run the tab's own function: its send of `payload`, or its resync of `room` since `since`; answered by `done`. */
  | { readonly op: 'run'; readonly id: number; readonly what: 'send'; readonly payload: SendPayload }
  | { readonly op: 'run'; readonly id: number; readonly what: 'resync'; readonly room: string; readonly since: number }
  | { readonly op: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: string }
  /** A send of a room this tab watches (or made) failed. */
  | { readonly op: 'sendFailed'; readonly failure: SendFailure }
  /** The server accepted a send this tab made. */
  | { readonly op: 'sent'; readonly client: string; readonly response?: unknown }
  /** A send this tab made was discarded (by another tab, or a logout): it is not sent again after a takeover. */
  | { readonly op: 'dropped'; readonly client: string };

/** A failed function's error as it crosses: what the outbox reads of it to decide on a retry. */
export interface RunError {
  readonly message: string;
  readonly status?: number;
  readonly retryable?: boolean;
  readonly retryAfter?: string;
  readonly retryAfterMs?: number;
}

/** `e` as it crosses. */
export function runError(e: unknown): RunError {
  const x = (e ?? {}) as Partial<RunError> & { response?: { status?: unknown } };
  const status = typeof x.status === 'number' ? x.status : typeof x.response?.status === 'number' ? x.response.status : undefined;
  return {
    message: e instanceof Error ? e.message : String(e),
    ...(status !== undefined && { status }),
    ...(typeof x.retryable === 'boolean' && { retryable: x.retryable }),
    ...(typeof x.retryAfter === 'string' && { retryAfter: x.retryAfter }),
    ...(typeof x.retryAfterMs === 'number' && { retryAfterMs: x.retryAfterMs }),
  };
}

/** An `Error` carrying what crossed (the outbox reads `status`, `retryable`, `retryAfter`, `retryAfterMs`). */
export function fromRunError(e: RunError): Error {
  const { message, ...rest } = e;
  return Object.assign(new Error(message), rest);
}

/** The part of a `MessagePort` both sides use (a `BroadcastChannel` wrapper can offer the same). */
export interface TabPort {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/**
 * Two connected ends within one page, for the holding tab's own side: what one posts reaches the other a microtask
 * later as the same object, without the structured clone and the task of a `MessageChannel` (the holder is also
 * the tab the agent most often has open alone). Safe because neither side changes what it was given: the view
 * layer replaces messages, it never edits them.
 */
export function localPorts(): [TabPort, TabPort] {
  const ends = [0, 1].map(() => ({ onmessage: null as ((event: MessageEvent) => void) | null, open: true }));
  const port = (self: (typeof ends)[number], peer: (typeof ends)[number]): TabPort => ({
    postMessage: (data) => {
      if (self.open) queueMicrotask(() => peer.open && peer.onmessage?.({ data } as MessageEvent));
    },
    close: () => void (self.open = false),
    get onmessage() {
      return self.onmessage;
    },
    set onmessage(f) {
      self.onmessage = f;
    },
  });
  return [port(ends[0]!, ends[1]!), port(ends[1]!, ends[0]!)];
}
