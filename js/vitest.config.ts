import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = (file: string) => fileURLToPath(new URL(`../pkg/${file}`, import.meta.url));

// The tests import the package by its published name; the aliases point at the built package (pkg/, made by
// scripts/build-package.sh), so they exercise exactly what npm would ship.
export default defineConfig({
  root,
  resolve: {
    alias: [
      { find: /^inbox-realtime\/react$/, replacement: pkg('dist/react.js') },
      { find: /^inbox-realtime\/tabs$/, replacement: pkg('dist/tabs/index.js') },
      { find: /^inbox-realtime$/, replacement: pkg('dist/index.js') },
    ],
  },
  test: {
    include: ['js/test/**/*.test.{ts,tsx}'],
    environment: 'node',
    pool: 'forks',
    poolOptions: { forks: { singleFork: false, maxForks: 2, minForks: 1 } },
    testTimeout: 20000,
    env: { INBOX_REALTIME_WASM: pkg('wasm/inbox_realtime_bg.wasm') },
    restoreMocks: true,
  },
});
