'use client';
// The REST calls the hooks make by default: the dev server's contract (send, history, resync).
import type { ResyncFunction, ResyncResult, SocketClient } from '../index.js';

/** Body of the REST send; `client_id` lets the server echo it so the store can match the echo exactly. */
export interface SendPayload {
  to: string;
  text: string;
  user_id: string | null;
  client_id: string;
}

/** A page of history: messages in any order, and whether older ones exist. */
export interface HistoryPage {
  messages: unknown[];
  has_more: boolean;
}

export type SendFunction = (payload: SendPayload) => Promise<unknown>;
export type HistoryLoader = (roomId: string, beforeMs?: number) => Promise<HistoryPage>;
export type { ResyncFunction, ResyncResult };

/** Options of {@link restResyncLoader}. */
export interface ResyncLoaderOptions {
  /** Page size asked for (the dev server allows 1..500). Default 200. */
  limit?: number;
  /** Stop after this many pages even if the server says there is more (a bound on one resync). Default 20. */
  maxPages?: number;
  /** Extra `fetch` options (headers, credentials, …). */
  init?: RequestInit;
}

/** The REST base of a socket URL: without its query string (the socket's `query`), fragment and trailing slash. */
function trimSlash(url: string): string {
  return url.replace(/[?#].*$/, '').replace(/\/+$/, '');
}

/** A hook's send for the outbox: its `sendMessage` option as it is when the attempt starts, else the REST send. */
export function hookSend(latest: { current: { sendMessage?: SendFunction } }, socket: SocketClient): SendFunction {
  return (payload) => (latest.current.sendMessage ?? restSender(socket.url))(payload);
}

/** An HTTP failure: `status` tells the outbox whether to retry (408/429/5xx) or fail for good (other 4xx). */
export class HttpError extends Error {
  readonly status: number;
  /** The `Retry-After` header (seconds or an HTTP date), if the server sent one; the outbox reads it. */
  readonly retryAfter?: string;
  constructor(message: string, status: number, retryAfter?: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    if (retryAfter) this.retryAfter = retryAfter;
  }
}

async function json(response: Response): Promise<any> {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = body && typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new HttpError(reason, response.status, response.headers?.get?.('retry-after') ?? undefined);
  }
  return body;
}

/**
 * `POST {baseUrl}/api/messages` with `{to, text, user_id, client_id}`; resolves with `{id, status, …}`, rejects
 * with an {@link HttpError} (its `status` classifies it for the outbox) or `fetch`'s network error (retried).
 */
export function restSender(baseUrl: string, init?: RequestInit): SendFunction {
  return async (payload) =>
    json(
      await fetch(`${trimSlash(baseUrl)}/api/messages`, {
        ...init,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(init?.headers as Record<string, string> | undefined) },
        body: JSON.stringify(payload),
      }),
    );
}

/** `GET {baseUrl}/api/messages?room=…&before=…&limit=…`; resolves with `{messages, has_more}`. */
export function restHistoryLoader(baseUrl: string, limit = 50, init?: RequestInit): HistoryLoader {
  return async (roomId, beforeMs) => {
    const query = new URLSearchParams({ room: roomId, limit: String(limit) });
    if (beforeMs !== undefined) query.set('before', String(beforeMs));
    const body = await json(await fetch(`${trimSlash(baseUrl)}/api/messages?${query}`, init));
    return { messages: Array.isArray(body?.messages) ? body.messages : [], has_more: Boolean(body?.has_more) };
  };
}

/**
 * A {@link ResyncFunction} for the dev server's contract: `GET {baseUrl}/api/messages?room=…&since=…&limit=…`
 * (messages with `timestamp >= since`, ascending, and `has_more`), following `has_more` page by page (the next
 * page starts at the last timestamp seen; overlaps are dropped by id) for at most `maxPages` pages. Resolves with
 * `{messages, has_more}`, `has_more` telling whether it stopped before the end. Rejects on an HTTP or network
 * error (the store reports it as `resync_failed`).
 */
export function restResyncLoader(
  baseUrl: string,
  options: ResyncLoaderOptions = {},
): (roomId: string, sinceMs: number) => Promise<HistoryPage> {
  const { limit = 200, maxPages = 20, init } = options;
  return async (roomId, sinceMs) => {
    const seen = new Set<string>();
    const messages: unknown[] = [];
    let since = Number.isFinite(sinceMs) ? sinceMs : 0;
    let more = true;
    for (let page = 0; page < maxPages && more; page++) {
      const query = new URLSearchParams({ room: roomId, since: String(since), limit: String(limit) });
      const body = await json(await fetch(`${trimSlash(baseUrl)}/api/messages?${query}`, init));
      const items: unknown[] = Array.isArray(body?.messages) ? body.messages : [];
      more = Boolean(body?.has_more);
      let fresh = 0;
      let last = since;
      for (const item of items) {
        const m = item as { id?: unknown; timestamp?: unknown } | null;
        const id = m && (typeof m.id === 'string' || typeof m.id === 'number') ? String(m.id) : null;
        if (typeof m?.timestamp === 'number' && m.timestamp > last) last = m.timestamp;
        if (id !== null) {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        fresh += 1;
        messages.push(item);
      }
      // No progress (a page of timestamps we already had): asking again would loop.
      if (fresh === 0 || last === since) break;
      since = last;
    }
    return { messages, has_more: more };
  };
}

/** A history loader's newest page as a resync: enough for short outages, a gap longer than a page stays a gap. */
export function newestPageResync(load: HistoryLoader): ResyncFunction {
  return (roomId) => load(roomId);
}
