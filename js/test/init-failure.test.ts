import { expect, it } from 'vitest';
import { init, isReady } from 'inbox-realtime';
import { wasmBytes } from './helpers';

it('a failed init can be retried', async () => {
  await expect(init(new Uint8Array([0, 1, 2, 3]))).rejects.toThrow();
  expect(isReady()).toBe(false);
  await init(wasmBytes());
  expect(isReady()).toBe(true);
});
