// Loading the WebAssembly module once, and the check every wrapper makes before it touches it.
import wasmInit from '../wasm/inbox_realtime.js';

/** What `init()` accepts: the URL of `inbox_realtime_bg.wasm`, its bytes, a `fetch` response or a compiled module. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;


let initPromise: Promise<void> | undefined;
let ready = false;

/**
 * Loads the WebAssembly module. Call (and await) it before creating a {@link SocketClient} or {@link MessageStore}.
 * Memoized: every call returns the same promise, so components may call it in their effects freely (React
 * StrictMode's double effects instantiate once). Only the first call's `input` is used; a failed load may be
 * retried by calling again.
 *
 * Without `input`, the `.wasm` file next to the package's glue code is fetched via
 * `new URL('inbox_realtime_bg.wasm', import.meta.url)`, which webpack 5 and Turbopack resolve at build time. Pass
 * a URL (e.g. a copy in `public/`), the bytes (Node: `readFileSync(...)`), a `Response` or a compiled module to
 * override.
 */
export function init(input?: InitInput | Promise<InitInput>): Promise<void> {
  if (!initPromise) {
    // No argument at all, so the glue's own single-level `new URL(..., import.meta.url)` is what bundlers see.
    const loading = input === undefined ? wasmInit() : wasmInit({ module_or_path: input });
    initPromise = loading.then(
      () => {
        ready = true;
      },
      (error: unknown) => {
        initPromise = undefined;
        throw error;
      },
    );
  }
  return initPromise;
}

/** Whether {@link init} has completed. */
export function isReady(): boolean {
  return ready;
}

export function assertReady(what: string): void {
  if (!ready) {
    throw new Error(`inbox-realtime: call await init() before creating a ${what}`);
  }
}
