// Packs pkg/ with `npm pack`, unpacks the tarball into a scratch node_modules and imports the package by its name
// in plain Node (no bundler, no aliases): checks the `exports` map, the file list and that the wasm loads.
// Usage: node js/scripts/pack-smoke.mjs <pkg dir>
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const pkgDir = resolve(process.argv[2] ?? 'pkg');
const scratch = mkdtempSync(join(tmpdir(), 'inbox-realtime-pack-'));
try {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: pkgDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [info] = JSON.parse(out);
  const files = info.files.map((f) => f.path).sort();
  const expected = [
    'README.md',
    'dist/cache.d.ts',
    'dist/cache.js',
    'dist/client.d.ts',
    'dist/client.js',
    'dist/debug.d.ts',
    'dist/debug.js',
    'dist/durable.d.ts',
    'dist/durable.js',
    'dist/errors.d.ts',
    'dist/errors.js',
    'dist/generated/boundary.d.ts',
    'dist/generated/boundary.js',
    'dist/hooks/rest.d.ts',
    'dist/hooks/rest.js',
    'dist/hooks/shared.d.ts',
    'dist/hooks/shared.js',
    'dist/hooks/use-inbox.d.ts',
    'dist/hooks/use-inbox.js',
    'dist/hooks/use-realtime-messages.d.ts',
    'dist/hooks/use-realtime-messages.js',
    'dist/hooks/use-socket.d.ts',
    'dist/hooks/use-socket.js',
    'dist/index.d.ts',
    'dist/index.js',
    'dist/init.d.ts',
    'dist/init.js',
    'dist/manager.d.ts',
    'dist/manager.js',
    'dist/options.d.ts',
    'dist/options.js',
    'dist/preconnect.d.ts',
    'dist/preconnect.js',
    'dist/react.d.ts',
    'dist/react.js',
    'dist/store.d.ts',
    'dist/store.js',
    'dist/tabs/host.d.ts',
    'dist/tabs/host.js',
    'dist/tabs/index.d.ts',
    'dist/tabs/index.js',
    'dist/tabs/remote.d.ts',
    'dist/tabs/remote.js',
    'dist/tabs/shared.d.ts',
    'dist/tabs/shared.js',
    'dist/tabs/socket.d.ts',
    'dist/tabs/socket.js',
    'dist/tabs/wire.d.ts',
    'dist/tabs/wire.js',
    'dist/view.d.ts',
    'dist/view.js',
    'dist/waiters.d.ts',
    'dist/waiters.js',
    'package.json',
    'wasm/inbox_realtime.d.ts',
    'wasm/inbox_realtime.js',
    'wasm/inbox_realtime_bg.wasm',
    'wasm/inbox_realtime_bg.wasm.d.ts',
  ];
  const missing = expected.filter((f) => !files.includes(f) && f !== 'README.md');
  // wasm-bindgen's JS snippets (src/web/*.js), under a folder named by a hash of the crate.
  const snippets = files.filter((f) => /^wasm\/snippets\/inbox-realtime-[0-9a-f]+\/src\/web\/[a-z_]+\.js$/.test(f));
  if (snippets.length === 0) throw new Error('no wasm/snippets/ in the tarball (src/web/js_text.js)');
  const extra = files.filter((f) => !expected.includes(f) && !snippets.includes(f));
  if (missing.length || extra.length) {
    throw new Error(`unexpected tarball contents; missing: ${missing.join(', ')}; extra: ${extra.join(', ')}`);
  }

  const modules = join(scratch, 'app', 'node_modules');
  mkdirSync(join(modules, 'inbox-realtime'), { recursive: true });
  execFileSync('tar', ['-xzf', join(scratch, info.filename), '-C', join(modules, 'inbox-realtime'), '--strip-components=1']);
  // React for the `./react` entry comes from the workspace (a peer dependency).
  symlinkSync(resolve('node_modules/react'), join(modules, 'react'), 'dir');
  writeFileSync(join(scratch, 'app', 'package.json'), '{"type":"module","private":true}\n');
  writeFileSync(
    join(scratch, 'app', 'smoke.mjs'),
    `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { init, isReady, MessageStore } from 'inbox-realtime';
import * as hooks from 'inbox-realtime/react';
const require = createRequire(import.meta.url);
const wasmPath = require.resolve('inbox-realtime/inbox_realtime_bg.wasm');
await init(readFileSync(wasmPath));
if (!isReady()) throw new Error('not ready');
const store = new MessageStore();
const id = store.addOptimistic('r', 'hola', 'agent');
if (store.snapshot('r')[0].client_id !== id) throw new Error('store broken');
store.destroy();
for (const name of ['useSocket', 'useRealtimeMessages', 'useInbox']) {
  if (typeof hooks[name] !== 'function') throw new Error(name + ' missing');
}
console.log('pack-smoke: ok (' + ${JSON.stringify(info.filename)} + ', ' + ${info.size} + ' bytes packed, ' + ${info.unpackedSize} + ' unpacked)');
`,
  );
  execFileSync(process.execPath, ['smoke.mjs'], { cwd: join(scratch, 'app'), stdio: 'inherit' });
  const pkg = JSON.parse(readFileSync(join(modules, 'inbox-realtime', 'package.json'), 'utf8'));
  if (Object.keys(pkg.exports['.'])[0] !== 'types') throw new Error('exports: "types" must come first');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
