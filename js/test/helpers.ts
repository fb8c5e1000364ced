import { readFileSync } from 'node:fs';

/** The built wasm, read from disk (Node cannot fetch a file: URL); the path comes from js/vitest.config.ts. */
export function wasmBytes(): Uint8Array {
  const path = process.env.INBOX_REALTIME_WASM;
  if (!path) throw new Error('INBOX_REALTIME_WASM is not set: run the tests with --config js/vitest.config.ts');
  return readFileSync(path);
}

/** A URL nothing listens on: connects fail fast, which is all most tests need. */
export const DEAD_URL = 'http://127.0.0.1:9';
