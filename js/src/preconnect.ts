// The client's WebSocket opened early, while the wasm module loads (adopted by the first client for its URL).
import type { ClientOptions } from './options.js';

/** Options of {@link preconnect}: the `path` must be the one the client will use. */
export interface PreconnectOptions {
  /** Engine.IO path. Default `/socket.io/`. */
  path?: string;
  /** The client's `query` option (the socket is adopted only by a client whose Engine.IO URL is the same). */
  query?: ClientOptions['query'];
  /** Close the socket if no client adopted it by then. Default 10 000 ms. */
  timeoutMs?: number;
}

/** What the wasm transport looks for (by exact Engine.IO URL) when it opens: see `src/web/transport.rs`. */
interface EarlySocket {
  ws: WebSocket;
  /** What happened before adoption, in order: `['open']`, `['message', data]`, `['error']`, `['close']`. */
  events: unknown[][];
}

const PRECONNECT = Symbol.for('inbox-realtime.preconnect');

function earlySockets(): Map<string, EarlySocket> {
  const g = globalThis as { [PRECONNECT]?: Map<string, EarlySocket> };
  return (g[PRECONNECT] ??= new Map());
}

/** The WebSocket URL the client opens for `url` and `path` (mirrors `Config::endpoint_url` in Rust). */
function engineUrl(url: string, path = '/socket.io/', query = ''): string {
  const trimmed = url.trim();
  const at = trimmed.indexOf('://');
  const scheme = at >= 0 ? trimmed.slice(0, at) : 'http';
  const rest = at >= 0 ? trimmed.slice(at + 3) : trimmed;
  const secure = /^(https|wss)$/i.test(scheme);
  let out = `${secure ? 'wss' : 'ws'}://${rest.split(/[/?#]/)[0]}${path.startsWith('/') ? '' : '/'}${path}`;
  if (!out.endsWith('/')) out += '/';
  const beforeHash = rest.split('#')[0] ?? '';
  const q = beforeHash.indexOf('?');
  const queries = [q >= 0 ? beforeHash.slice(q + 1) : '', query].filter((s) => s !== '');
  return `${out}?EIO=4&transport=websocket${queries.map((s) => `&${s}`).join('')}`;
}

/** The `query` option as URL-encoded text. */
export function encodeQuery(query: ClientOptions['query']): string {
  if (!query) return '';
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

/**
 * Opens the client's WebSocket now, while the wasm module loads, so the connection's slowest part (TCP, the HTTP
 * upgrade, Engine.IO's open packet) overlaps the download and compile instead of following them. The first
 * {@link SocketClient} created for the same URL and `path` adopts the socket and replays what it received in
 * order; unadopted, it is closed after `timeoutMs`. Needs no {@link init}. `useSocket` calls it for you.
 */
export function preconnect(url: string, options: PreconnectOptions = {}): void {
  if (typeof WebSocket === 'undefined') return;
  const key = engineUrl(url, options.path, encodeQuery(options.query));
  const sockets = earlySockets();
  if (sockets.has(key)) return;
  let ws: WebSocket;
  try {
    ws = new WebSocket(key);
  } catch {
    return; // an invalid URL: the client will report it
  }
  ws.binaryType = 'arraybuffer';
  const early: EarlySocket = { ws, events: [] };
  // Properties, not listeners: the adopting transport sets its own, which replaces these.
  ws.onopen = () => early.events.push(['open']);
  ws.onmessage = (e: MessageEvent) => early.events.push(['message', e.data]);
  ws.onerror = () => early.events.push(['error']);
  ws.onclose = () => early.events.push(['close']);
  sockets.set(key, early);
  setTimeout(() => {
    if (sockets.get(key) !== early) return; // adopted
    sockets.delete(key);
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    ws.close();
  }, options.timeoutMs ?? 10_000);
}
