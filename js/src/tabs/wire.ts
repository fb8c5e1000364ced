/**
 * What a tab and the host of the shared connection say to each other over a `MessagePort` (plain, structured-clone
 * data). The host holds the one socket and store; each tab shows some rooms and gets only their changes.
 *
 * Where the host runs (a SharedWorker, or a leader tab) is the business of whoever connects the ports; neither side
 * here depends on it.
 * @module
 */
import type { ChangeBatch, ConnectionStatus, Message, SendFailure } from '../generated/boundary.js';

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
  | { readonly op: 'markRead'; readonly room: string }
  | { readonly op: 'retry'; readonly client: string }
  | { readonly op: 'discard'; readonly client: string }
  /** The tab goes (unload, unmount): what only it held is released. */
  | { readonly op: 'close' };

/** Host → tab. */
export type HostMessage =
  /** The changes of the rooms this tab watches (and the inbox, if it watches it). */
  | { readonly op: 'batch'; readonly batch: ChangeBatch }
  | { readonly op: 'status'; readonly status: ConnectionStatus }
  | { readonly op: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: string }
  /** A send of a room this tab watches (or made) failed. */
  | { readonly op: 'sendFailed'; readonly failure: SendFailure }
  /** The server accepted a send this tab made. */
  | { readonly op: 'sent'; readonly client: string };

/** The part of a `MessagePort` both sides use (a `BroadcastChannel` wrapper can offer the same). */
export interface TabPort {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}
