// The registry `preconnect()` (js/src/index.ts) fills, read by src/web/transport.rs: a socket opened early for an
// exact Engine.IO URL, with the events it recorded. Read here rather than through `js_sys::global()`, which keeps a
// reference to the global object alive for good (the leak tests count them).
export function preconnect_take(url) {
  const sockets = globalThis[Symbol.for('inbox-realtime.preconnect')];
  const early = sockets instanceof Map ? sockets.get(url) : undefined;
  if (early === undefined) return undefined;
  sockets.delete(url);
  return early;
}
