// Benchmark runner: builds the page bundles, serves them cross-origin isolated, runs the bench server as a child
// process, drives headless Chromium through every measure and variant, prints one table and writes BENCHMARKS.md.
//
//   node bench/run.mjs            (scripts/bench.sh builds the package first and calls this)
//
// Env:
//   BENCH_TRIALS=N   paired trials per measure (default 7; 3 with BENCH_QUICK=1)
//   BENCH_QUICK=1    smoke run (~2 min): fewer trials, fewer round trips, 100k ingest once; every row still printed
//   BENCH_OUT=path   where to write the markdown (default BENCHMARKS.md; quick runs write bench/.build/BENCHMARKS.quick.md)
//   BENCH_PROFILE=1  also CPU-profile ours (Chromium CDP Profiler, wasm with names) and print top self-time functions
//   BENCH_PROFILE_ONLY=text  only the profile cases whose name contains text
//   BENCH_ONLY=a,b   only these measures: size,cold,rtt,e2e,replay,store,react,crossings,inbox,memory,reconnect,tabs
//                    (for development)
//   BENCH_SIZES=a,b  ingest sizes instead of 1000,10000,100000 (for development)
//   BENCH_TRACE=1    instead of the table: a Chromium trace of e2e ingest per variant, summarised as the renderer main
//                    thread's time per message (the task that delivers it, the handler inside it) and its idle time
//   BENCH_AB=dir     instead of the table: ours built from pkg/wasm (A) against another wasm-bindgen `--target web`
//                    output in dir (B), each in its own page, paired trials of replay, store-only and e2e ingest
//                    (BENCH_ONLY picks among those three); prints B/A per trial. For deciding on a build change.
//
// Exits non-zero when any correctness check fails or a measure breaks.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const BUILD = path.join(BENCH, '.build');
const QUICK = process.env.BENCH_QUICK === '1';
const TRIALS = Number(process.env.BENCH_TRIALS || (QUICK ? 3 : 7));
const PROFILE = process.env.BENCH_PROFILE === '1';
const AB = process.env.BENCH_AB;
const TRACE = process.env.BENCH_TRACE === '1';
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const OUT = process.env.BENCH_OUT || (QUICK ? path.join(BUILD, 'BENCHMARKS.quick.md') : path.join(ROOT, 'BENCHMARKS.md'));
const RTT_COUNT = QUICK ? 300 : 1000;
const INGEST_SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : [1_000, 10_000, 100_000];
/** Trials at 100k (each one takes seconds per variant). */
const TRIALS_100K = QUICK ? 1 : TRIALS;
const REACT_REPS = QUICK ? 30 : 100;
/** Messages counted per kind (mounted room, room nobody shows); odd, so the median is one message's count. */
const CROSSING_MESSAGES = QUICK ? 21 : 61;
const INBOX_ROOMS = [10, 100, 1_000, 5_000];
/**
 * Messages and trials of the inbox list measure: each message reads the list, and ours at 5 000 rooms took 40 ms per
 * message before issue 20 (so the quick run does one short trial).
 */
const INBOX_MESSAGES = QUICK ? 20 : 200;
const INBOX_TRIALS = QUICK ? 1 : TRIALS;
const B1_LIMIT_MS = 60_000;
/** Variants of the whole-client ingest measures (e2e, replay); ours0 and wasmfloor are shown as extra rows. */
const CLIENT_VARIANTS = ['ours', 'b1', 'b2', 'b0', 'floor', 'wasmfloor', 'ours0'];
/** Variants of store-only ingest (floor: JSON.stringify + the text into a no-op wasm export). */
const STORE_VARIANTS = ['ours', 'b1', 'b2', 'floor'];

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--js-flags=--expose-gc',
  '--enable-precise-memory-info',
];

const failures = [];
const log = (...a) => console.error('[bench]', ...a);
const want = (m) => !ONLY || ONLY.has(m);

// ---- build -----------------------------------------------------------------------------------------------------

async function bundle(entry, outfile, { minify = false, plugins = [] } = {}) {
  await esbuild.build({
    entryPoints: [path.join(BENCH, 'page', entry)],
    outfile: path.join(BUILD, outfile),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    keepNames: !minify,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins,
  });
  return path.join(BUILD, outfile);
}

async function buildAll() {
  fs.mkdirSync(BUILD, { recursive: true });
  for (const f of ['pkg/wasm/inbox_realtime_bg.wasm', 'pkg/wasm/inbox_realtime.js', 'pkg/dist/index.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} missing: run bash scripts/build-package.sh`);
  }
  await bundle('harness.mjs', 'harness.js');
  await bundle('crossings.mjs', 'crossings.js');
  for (const v of ['ours', 'b2', 'b0', 'floor']) await bundle(`cold-${v}.mjs`, `cold-${v}.js`, { minify: true });
  for (const v of ['ours', 'b0', 'b1', 'b2']) await bundle(`size-${v}.mjs`, `size-${v}.min.js`, { minify: true });
  // The package's init() fetches the wasm next to its glue (`new URL(..., import.meta.url)`): next to the bundle.
  fs.copyFileSync(path.join(ROOT, 'pkg/wasm/inbox_realtime_bg.wasm'), path.join(BUILD, 'inbox_realtime_bg.wasm'));
}

/** A wasm build of the same sources that keeps function names (for the profile only), and a harness using it. */
async function buildProfiling() {
  const target = path.join(BUILD, 'target');
  const env = { ...process.env, CARGO_TARGET_DIR: target, PATH: `${ROOT}/node_modules/.bin:${os.homedir()}/.cargo/bin:${process.env.PATH}` };
  log('profiling build: cargo build --release --target wasm32-unknown-unknown (separate target dir)');
  execFileSync('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--lib'], { cwd: ROOT, env, stdio: 'inherit' });
  const prof = path.join(BUILD, 'prof');
  fs.mkdirSync(prof, { recursive: true });
  execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', prof, '--out-name', 'inbox_realtime',
    path.join(target, 'wasm32-unknown-unknown/release/inbox_realtime.wasm')], { env, stdio: 'inherit' });
  const wasm = path.join(prof, 'inbox_realtime_bg.wasm');
  execFileSync('wasm-opt', ['-Os', '-g', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', wasm, '-o', wasm], { env, stdio: 'inherit' });
  await bundle('harness.mjs', 'harness-prof.js', { plugins: [glueFrom(prof)] });
}

/** An esbuild plugin: the package's wasm glue taken from `dir` (another wasm-bindgen output) instead of pkg/wasm. */
function glueFrom(dir) {
  return {
    name: 'glue-from',
    setup(b) {
      b.onResolve({ filter: /inbox_realtime\.js$/ }, () => ({ path: path.join(dir, 'inbox_realtime.js') }));
    },
  };
}

// ---- static server (cross-origin isolated) ---------------------------------------------------------------------

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

function html(script, head = '') {
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>${head}</head><body><script type="module" src="${script}"></script></body></html>`;
}

/** What the README recommends to an app: fetch the wasm in parallel with the scripts instead of after them. */
const WASM_PRELOAD = '<link rel="preload" href="/build/inbox_realtime_bg.wasm" as="fetch" type="application/wasm" crossorigin>';

function startStatic() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    let m;
    if ((m = /^\/(harness(?:-prof|-ab)?|crossings)\.html$/.exec(url.pathname))) {
      const js = `/build/${m[1]}.js`;
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(html(js));
      return;
    }
    if ((m = /^\/cold\/(\w+)\.html$/.exec(url.pathname))) {
      // ourspreload: ours' page with the wasm preload hint in its <head>; oursnopre: without preconnect().
      const page = m[1] === 'ourspreload'
        ? html('/build/cold-ours.js', WASM_PRELOAD)
        : m[1] === 'oursnopre' ? html('/build/cold-ours.js') : html(`/build/cold-${m[1]}.js`);
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(page);
      return;
    }
    let file = null;
    if ((m = /^\/build\/([\w.-]+(?:\/[\w.-]+)?)$/.exec(url.pathname))) file = path.join(BUILD, m[1]);
    else if ((m = /^\/pkg\/wasm\/([\w.-]+)$/.exec(url.pathname))) file = path.join(ROOT, 'pkg/wasm', m[1]);
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Opens the harness page in `context` (`html`: harness.html, or a variant bundle with its `wasm`) and runs its
 * setup; returns the page and what setup reported (`info.error` when it failed).
 */
async function openHarness(context, base, ports, { html = 'harness.html', wasm = '' } = {}) {
  const page = await context.newPage();
  page.on('pageerror', (e) => log('page error:', e.message));
  await page.goto(`${base}/${html}?io=${ports.io}&echo=${ports.echo}${wasm && `&wasm=${wasm}`}`);
  await page.waitForFunction(() => window.benchReady === true);
  return { page, info: await page.evaluate(() => window.bench.setup()) };
}

// ---- bench server child process --------------------------------------------------------------------------------

class BenchServer {
  child = null;
  ports = { io: 0, echo: 0 };

  start() {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(BENCH, 'server.mjs')], {
        cwd: ROOT,
        env: { ...process.env, BENCH_IO_PORT: String(this.ports.io), BENCH_ECHO_PORT: String(this.ports.echo) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      this.child = child;
      let buf = '';
      const onData = (d) => {
        buf += d;
        const m = /READY (\{.*\})/.exec(buf);
        if (m) {
          child.stdout.off('data', onData);
          this.ports = JSON.parse(m[1]);
          resolve(performance.timeOrigin + performance.now());
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`bench server exited (${code}) before READY`)));
    });
  }

  /** SIGKILL (no goodbye to the clients); resolves once the process is gone. */
  kill() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}

// ---- statistics ------------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);

/** Runs `run(variant, trial)` for `trials` trials, variants in a rotating order; collects numbers per variant. */
async function paired(name, variants, trials, run) {
  const out = Object.fromEntries(variants.map((v) => [v, []]));
  for (let t = 0; t < trials; t++) {
    for (const v of rotate(variants, t)) {
      const r = await run(v, t);
      if (r && r.error) {
        failures.push(`${name} [${v}]: ${r.error}`);
        log(`FAIL ${name} [${v}]: ${r.error}`);
      }
      out[v].push(r);
    }
  }
  return out;
}

// ---- table -----------------------------------------------------------------------------------------------------

const COLS = ['ours', 'b1', 'b2', 'b0', 'floor'];
const RATIO_COLS = ['b1', 'b2', 'b0', 'floor'];
const rows = [];

function fmt(x, digits) {
  if (!Number.isFinite(x)) return '—';
  if (digits === 0) return Math.round(x).toLocaleString('en-US').replace(/,/g, ' ');
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toFixed(d);
}

/**
 * One table row. `samples[v]` = per-trial numbers (paired by index). Cell = median (min–max); ratio = median of
 * per-trial ratios ours/x (falls back to the ratio of medians if trial counts differ).
 */
function addRow(label, samples, { digits, notes = {}, single = false, ratios: withRatios = true } = {}) {
  const cells = {};
  const med = {};
  for (const v of COLS) {
    const xs = (samples[v] ?? []).filter(Number.isFinite);
    med[v] = median(xs);
    if (notes[v]) cells[v] = notes[v];
    else if (!xs.length) cells[v] = '—';
    else if (single || xs.length === 1) cells[v] = fmt(med[v], digits);
    else cells[v] = `${fmt(med[v], digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
  }
  const ratios = {};
  for (const v of RATIO_COLS) {
    const a = samples.ours ?? [];
    const b = samples[v] ?? [];
    if (!withRatios || !Number.isFinite(med.ours) || !Number.isFinite(med[v]) || med[v] === 0) {
      ratios[v] = '—';
      continue;
    }
    let r;
    if (a.length === b.length && a.length > 1) r = median(a.map((x, i) => x / b[i]));
    else r = med.ours / med[v];
    ratios[v] = `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
  }
  rows.push({ label, cells, ratios });
}

function addSection(title) {
  rows.push({ section: title });
}

function renderTable() {
  const head = ['Measure', 'ours', 'B1 hooks port', 'B2 JS store', 'B0 io only', 'floor', 'ours/B1', 'ours/B2', 'ours/B0', 'ours/floor'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`];
  for (const r of rows) {
    if (r.section) {
      lines.push(`| **${r.section}** |${' |'.repeat(head.length - 1)}`);
      continue;
    }
    lines.push(`| ${r.label} | ${COLS.map((v) => r.cells[v]).join(' | ')} | ${RATIO_COLS.map((v) => r.ratios[v]).join(' | ')} |`);
  }
  return lines.join('\n');
}

// ---- measures --------------------------------------------------------------------------------------------------

const gzipSize = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;

/** `entry` and every module it imports by relative path, transitively (the package's JS a root import loads). */
function imported(entry, seen = new Set()) {
  if (seen.has(entry)) return [...seen];
  seen.add(entry);
  for (const [, spec] of fs.readFileSync(entry, 'utf8').matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    imported(path.resolve(path.dirname(entry), spec), seen);
  }
  return [...seen];
}

function measureSize() {
  // The .wasm first; then the JS (glue and snippets included: the graph reaches them).
  const shipped = [path.join(ROOT, 'pkg/wasm/inbox_realtime_bg.wasm'), ...imported(path.join(ROOT, 'pkg/dist/index.js'))];
  const ours = shipped.reduce((s, f) => s + gzipSize(f), 0);
  const oursMin = gzipSize(path.join(BUILD, 'size-ours.min.js')) + gzipSize(shipped[0]);
  const wasmOnly = gzipSize(shipped[0]);
  const sz = (v) => gzipSize(path.join(BUILD, `size-${v}.min.js`));
  addSection('Shipped size, gzip -9, bytes (lower is better)');
  addRow('package as published: wasm + glue (+ its snippets) + the dist JS the root entry loads', { ours: [ours], b1: [sz('b1')], b2: [sz('b2')], b0: [sz('b0')] }, { digits: 0, single: true });
  addRow('same, JS minified by esbuild (as an app bundle ships it)', { ours: [oursMin], b1: [sz('b1')], b2: [sz('b2')], b0: [sz('b0')] }, { digits: 0, single: true });
  addRow('of which the .wasm', { ours: [wasmOnly] }, { digits: 0, single: true });
}

async function measureCold(browser, base, ports) {
  const variants = ['ours', 'oursnopre', 'ourspreload', 'b2', 'b0', 'floor'];
  const res = await paired('cold start', variants, TRIALS + 1, async (v) => {
    await new Promise((r) => setTimeout(r, 100)); // let the previous context's teardown settle
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${base}/cold/${v}.html?io=${ports.io}&echo=${ports.echo}`);
      await page.waitForFunction(() => typeof window.__connectedAt === 'number', null, { timeout: 15_000 });
      return await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return {
          ms: window.__connectedAt,
          afterHtml: window.__connectedAt - nav.responseEnd,
          toScript: window.__scriptAt - nav.responseEnd,
          toReady: window.__readyAt - window.__scriptAt,
          toConnect: window.__connectedAt - window.__readyAt,
          error: null,
        };
      });
    } catch (e) {
      return { error: String(e.message ?? e) };
    } finally {
      await context.close();
    }
  });
  for (const v of variants) res[v].shift(); // the first round warms the browser itself (discarded)
  addSection('Cold start, ms: new browser context per trial, no cache (floor = bare WebSocket open)');
  const sameClient = { notes: { b1: '≈ B2 (same client)' } };
  addRow('navigation start → first `connect` (ours: `preconnect()` while the wasm loads, as `useSocket` does)', pick(res, 'ms'), sameClient);
  const nopre = { ...pick(res, 'ms'), ours: pick(res, 'ms').oursnopre };
  addRow('  same, ours without `preconnect()` (`await init()`, then connect)', nopre, sameClient);
  const preloaded = { ...pick(res, 'ms'), ours: pick(res, 'ms').ourspreload };
  addRow('  same, ours\' page with `<link rel="preload">` of the wasm (README)', preloaded, sameClient);
  addRow('HTML received → first `connect` (scripts, wasm, handshake)', pick(res, 'afterHtml'), sameClient);
  addRow('  of which HTML received → script running', pick(res, 'toScript'), sameClient);
  addRow('  of which script running → wasm ready (ours: `init()`; others: 0)', pick(res, 'toReady'), sameClient);
  addRow('  of which ready → first `connect` (WebSocket + handshake; ours: what is left after preconnect)', pick(res, 'toConnect'), sameClient);
  addRow('    same, ours without `preconnect()`', { ...pick(res, 'toConnect'), ours: pick(res, 'toConnect').oursnopre }, sameClient);
}

const pick = (res, key) => Object.fromEntries(Object.entries(res).map(([v, rs]) => [v, rs.map((r) => (r && !r.error ? r[key] : NaN))]));

async function measureRtt(page) {
  addSection(`Round trip, µs (${RTT_COUNT} sequential round trips per trial; p50/p99 per trial, median over trials)`);
  for (const kind of ['ack', 'event']) {
    // siofloor: a bare WebSocket speaking minimal Socket.IO to the same socket.io server (the protocol floor: the
    // server's own work per round trip included, no client library at all).
    const variants = ['ours', 'b0', 'floor', 'siofloor'];
    const res = await paired(`rtt ${kind}`, variants, TRIALS, (v) =>
      page.evaluate(([v, kind, n]) => window.bench.rtt(v, kind, n), [v, kind, RTT_COUNT]),
    );
    const what = kind === 'ack' ? 'emit → ack → callback' : 'emit → server event → listener';
    const notes = { b1: '= B0 (same client)', b2: '= B0 (same client)' };
    addRow(`${what}, p50 (floor: bare WS echo)`, pick(res, 'p50'), { notes });
    const p50 = pick(res, 'p50');
    addRow(`  p50, floor column = bare WebSocket speaking minimal Socket.IO to the same socket.io server`, { ...p50, floor: p50.siofloor }, { notes });
    addRow(`${what}, p99`, pick(res, 'p99'), { notes });
  }
}

const INGEST = {
  e2e: {
    fn: 'e2e',
    title: 'End-to-end ingest, µs/event: server emits N `new_message` into one room (10 % confirm optimistic sends) → store holds all, subscribers notified',
  },
  replay: {
    fn: 'replay',
    title: "Client CPU per frame, µs: the same frames built in the page and handed straight to each client's WebSocket `onmessage` (no network, no server; floor = a handler that only reads `data`)",
  },
  store: {
    fn: 'storeOnly',
    title: 'Store-only ingest, µs/event: the same events fed straight into the store (no network); floor = `JSON.stringify` + the text into a no-op wasm export',
  },
};

async function measureIngest(page, kind) {
  const e2e = kind !== 'store'; // e2e and replay: whole clients, with the B0/floor variants
  const { fn, title } = INGEST[kind];
  addSection(title);
  let b1Skip = null;
  for (const n of INGEST_SIZES) {
    // Store-only "floor": JSON.stringify + the text handed to a no-op wasm export (no store work); e2e adds
    // "wasmfloor": the bare WebSocket with each frame handed to that export. Both are what any wasm client pays.
    // ours0: our client alone with a listener that only counts, as B0 is socket.io-client alone.
    let variants = e2e ? CLIENT_VARIANTS : STORE_VARIANTS;
    const notes = e2e ? {} : { b0: 'n/a' };
    if (b1Skip && n === 100_000) {
      variants = variants.filter((v) => v !== 'b1');
      notes.b1 = b1Skip;
    }
    const trials = n === 100_000 ? TRIALS_100K : TRIALS;
    const res = await paired(`${kind} ${n}`, variants, trials, (v) =>
      page.evaluate(([fn, v, n]) => window.bench[fn](v, n), [fn, v, n]),
    );
    const perEvent = Object.fromEntries(Object.entries(pick(res, 'ms')).map(([v, xs]) => [v, xs.map((x) => (x * 1000) / n)]));
    const { wasmfloor, ours0, ...shown } = perEvent;
    addRow(`${(n / 1000).toFixed(0)}k events${trials !== TRIALS ? ` (${trials} trial${trials > 1 ? 's' : ''})` : ''}`, shown, { notes });
    if (ours0) {
      addRow(`  ${(n / 1000).toFixed(0)}k, ours column = our client alone, a listener that only counts (as B0)`, { ...shown, ours: ours0 });
    }
    if (wasmfloor) {
      const what = kind === 'e2e' ? 'bare WebSocket + each frame' : 'a handler handing each frame';
      addRow(`  ${(n / 1000).toFixed(0)}k, floor column = ${what}'s text into wasm (no work)`, { ours: perEvent.ours, floor: wasmfloor });
    }
    if (n === 10_000 && res.b1) {
      // B1 is quadratic (array copy + scans per event): predict 100k from 10k and skip it if over the limit.
      const ms10k = median(res.b1.map((r) => r.ms));
      const predicted = ms10k * 100;
      if (predicted > B1_LIMIT_MS) {
        b1Skip = `skipped: > 60 s (quadratic; 10k took ${(ms10k / 1000).toFixed(1)} s → ≈ ${Math.round(predicted / 1000)} s)`;
      }
    }
  }
}

async function measureReact(page) {
  const variants = ['ours', 'b1', 'b2'];
  const res = await paired('react', variants, TRIALS, (v) =>
    page.evaluate(([v, reps]) => window.bench.reactCost(v, 10_000, reps), [v, REACT_REPS]),
  );
  addSection(`React-facing cost in a 10 000-message room subscribed to as a mounted view is, after one new message (per trial: mean of ${REACT_REPS} messages; median over trials)`);
  const notes = { b0: 'n/a', floor: 'n/a' };
  addRow('produce the snapshot, µs (ours/B2: snapshot(room); B1: the `[...prev, msg]` copy)', pick(res, 'snapUs'), { notes });
  addRow('new objects per snapshot (array + messages not reused)', pick(res, 'newObjects'), { notes, digits: 0 });
  addRow('whole path: 1 event + snapshot, µs (B1: its setState updater)', pick(res, 'totalUs'), { notes });
}

/** Lines for BENCHMARKS.md under the legend (what crossed for one message). */
const details = [];

async function measureCrossings(browser, base, ports) {
  const context = await browser.newContext();
  let r;
  try {
    const { page, info } = await openHarness(context, base, ports, { html: 'crossings.html' });
    r = info.error ? info : await page.evaluate((n) => window.bench.crossings(n), CROSSING_MESSAGES);
  } finally {
    await context.close();
  }
  addSection(
    `JS↔wasm crossings per incoming \`new_message\` frame, one conversation mounted (production React, \`useRealtimeMessages\`); median over ${CROSSING_MESSAGES} messages (min–max)`,
  );
  const notes = { b1: 'n/a', b2: '0 (no wasm)', b0: 'n/a', floor: 'n/a' };
  if (r.error) {
    failures.push(`crossings: ${r.error}`);
    log(`FAIL crossings: ${r.error}`);
    addRow('message in the mounted conversation: calls JS → wasm + wasm → JS (target ≤ 4)', {}, { notes: { ...notes, ours: 'failed' } });
    return;
  }
  const opts = { notes, digits: 0, ratios: false };
  addRow('message in the mounted conversation: calls JS → wasm + wasm → JS (target ≤ 4)', { ours: r.shown.total }, opts);
  addRow('  of which JS → wasm (calls of wasm exports)', { ours: r.shown.toWasm }, opts);
  addRow('  of which wasm → JS (calls of JS imports)', { ours: r.shown.toJs }, opts);
  addRow('message in a room nobody shows: JS → wasm + wasm → JS', { ours: r.hidden.total }, opts);
  addRow('  of which JS → wasm', { ours: r.hidden.toWasm }, opts);
  addRow('  of which wasm → JS', { ours: r.hidden.toJs }, opts);
  const names = (list) => list.map(([name, n]) => `\`${name}\` ×${n}`).join(', ') || 'none';
  details.push(`Crossings of the last counted message in the mounted conversation: ${names(r.names.shown)}.`);
  details.push(`Of the last one in the room nobody shows: ${names(r.names.hidden)}.`);
  for (const d of details.slice(-2)) log(d);
}

async function measureInbox(page) {
  const variants = ['ours', 'b2'];
  // Warm-up (discarded): both list paths compiled before the first size is timed.
  for (const v of variants) await page.evaluate((v) => window.bench.inbox(v, 100, 20), v);
  const perRooms = new Map();
  for (const rooms of INBOX_ROOMS) {
    const res = await paired(`inbox ${rooms}`, variants, INBOX_TRIALS, (v) =>
      page.evaluate(([v, rooms, n]) => window.bench.inbox(v, rooms, n), [v, rooms, INBOX_MESSAGES]),
    );
    perRooms.set(rooms, pick(res, 'us'));
  }
  addSection(
    `Inbox list after one message, µs per message: N conversations of 5 messages, then ${INBOX_MESSAGES} \`new_message\` spread over them, each followed by reading the list as a mounted \`useInbox\` does (\`subscribe('*')\` + \`rooms()\`); per trial: mean over the messages${INBOX_TRIALS !== TRIALS ? ` (${INBOX_TRIALS} trial)` : ''}`,
  );
  const notes = { b1: 'n/a', b0: 'n/a', floor: 'n/a' };
  for (const [rooms, us] of perRooms) addRow(`${fmt(rooms, 0)} conversations`, us, { notes });
  const [fewest, most] = [INBOX_ROOMS[0], INBOX_ROOMS[INBOX_ROOMS.length - 1]];
  const growth = Object.fromEntries(variants.map((v) => [v, perRooms.get(most)[v].map((x, t) => x / perRooms.get(fewest)[v][t])]));
  addRow(`  growth: cost at ${fmt(most, 0)} / cost at ${fmt(fewest, 0)} conversations, per trial (1 = independent of the number)`, growth, { notes, ratios: false });
}

/** The inbox-shaped memory row: as many messages as the 10 000-message room, spread over conversations. */
const INBOX_MEMORY = { rooms: 200, perRoom: 50 };

async function measureMemory(browser, base, ports) {
  const variants = ['ours', 'b1', 'b2'];
  const notes = { b0: 'n/a', floor: 'n/a' };
  const kib = (res, key) =>
    Object.fromEntries(Object.entries(pick(res, key)).map(([v, xs]) => [v, xs.map((x) => x / 1024)]));
  for (const delivery of ['shared', 'network']) {
    const res = await paired(`memory (${delivery})`, variants, TRIALS, async (v) => {
      const context = await browser.newContext();
      try {
        const { page, info } = await openHarness(context, base, ports);
        if (info.error) return info;
        if (!info.gc || !info.preciseMemory) return { error: 'gc() or precise memory info unavailable' };
        return await page.evaluate(([v, d]) => window.bench.memory(v, 10_000, d), [v, delivery]);
      } finally {
        await context.close();
      }
    });
    addSection(
      delivery === 'shared'
        ? 'Memory retained by a 10 000-message room after forced GC, KiB (JS heap + wasm memory growth); events fed as built (customer messages share one text string)'
        : 'Memory, KiB, events fed as the network delivers them (each a fresh JSON.parse of its frame, own strings)',
    );
    addRow('store alone', kib(res, 'storeBytes'), { notes, digits: 0 });
    addRow('  of which wasm linear memory growth', kib(res, 'wasmBytes'), { notes: { ...notes, b1: '0', b2: '0' }, digits: 0 });
    addRow('store + one snapshot held (what a mounted view keeps)', kib(res, 'withSnapshotBytes'), { notes, digits: 0 });
    addRow('  of which wasm linear memory growth', kib(res, 'mountedWasmBytes'), { notes: { ...notes, b1: '0', b2: '0' }, digits: 0 });
  }
  // The same number of messages shaped as an inbox: many rooms, one on screen (B1 has no inbox list).
  const res = await paired('memory (inbox)', ['ours', 'b2'], TRIALS, async (v) => {
    const context = await browser.newContext();
    try {
      const { page, info } = await openHarness(context, base, ports);
      if (info.error) return info;
      return await page.evaluate(([v, { rooms, perRoom }]) => window.bench.memoryInbox(v, rooms, perRoom), [v, INBOX_MEMORY]);
    } finally {
      await context.close();
    }
  });
  addRow(
    `inbox of ${fmt(INBOX_MEMORY.rooms, 0)} conversations × ${INBOX_MEMORY.perRoom} messages, the list and one conversation mounted`,
    kib(res, 'bytes'),
    { notes: { ...notes, b1: 'n/a (no inbox list)' }, digits: 0 },
  );
  addRow('  of which wasm linear memory growth', kib(res, 'wasmBytes'), { notes: { ...notes, b1: 'n/a', b2: '0' }, digits: 0 });
}

async function measureReconnect(page, server) {
  const ours = [];
  const io = [];
  const oursReady = [];
  const ioReady = [];
  for (let t = 0; t < TRIALS; t++) {
    const setup = await page.evaluate(() => window.bench.reconnectSetup());
    if (setup.error) {
      failures.push(`reconnect setup: ${setup.error}`);
      continue;
    }
    const tKill = performance.timeOrigin + performance.now();
    await server.kill();
    const tReady = await server.start();
    const r = await page.evaluate(() => window.bench.reconnectWait());
    if (r.error) {
      failures.push(`reconnect: ${r.error}`);
      log(`FAIL reconnect: ${r.error}`);
      continue;
    }
    ours.push(r.ours.rejoined - tKill);
    io.push(r.io.rejoined - tKill);
    oursReady.push(r.ours.rejoined - tReady);
    ioReady.push(r.io.rejoined - tReady);
  }
  addSection('Reconnect after a server restart (SIGKILL + start on the same port), ms; both clients: 50 ms backoff, no jitter');
  const notes = { b1: '= B0 (same client)', b2: '= B0 (same client)', floor: 'n/a' };
  addRow('kill → connected and rooms re-joined', { ours, b0: io }, { notes });
  addRow('new server listening → rooms re-joined', { ours: oursReady, b0: ioReady }, { notes });
}

// ---- profile ---------------------------------------------------------------------------------------------------

function topSelf(profile, limit = 20) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const file = cf.url ? cf.url.split('/').pop() : '';
    const key = `${cf.functionName || '(anonymous)'}${file ? ` ${file}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    top: [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, us]) => ({ fn: k, ms: us / 1000, pct: (100 * us) / total })),
  };
}

async function runProfiles(browser, base, ports) {
  await buildProfiling();
  const context = await browser.newContext();
  const opened = { html: 'harness-prof.html', wasm: '/build/prof/inbox_realtime_bg.wasm' };
  const { page } = await openHarness(context, base, ports, opened);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  // e2e, replay and store-only also profile their timed part alone (console.profile in the harness).
  await page.evaluate(() => (globalThis.PROFILE_LOOPS = true));
  let loop = null;
  cdp.on('Profiler.consoleProfileFinished', (e) => (loop = e.profile));
  const cases = [
    ['e2e ingest 10k', () => page.evaluate(() => window.bench.e2e('ours', 10_000))],
    // The same run for socket.io-client alone and the bare WebSocket: what the browser itself spends per message.
    ['e2e ingest 10k, B0', () => page.evaluate(() => window.bench.e2e('b0', 10_000))],
    ['e2e ingest 10k, floor', () => page.evaluate(() => window.bench.e2e('floor', 10_000))],
    ['frame replay 10k', () => page.evaluate(() => window.bench.replay('ours', 10_000))],
    ['frame replay 100k', () => page.evaluate(() => window.bench.replay('ours', 100_000))],
    ['frame replay 10k, B0', () => page.evaluate(() => window.bench.replay('b0', 10_000))],
    ['store-only ingest 10k', () => page.evaluate(() => window.bench.storeOnly('ours', 10_000))],
    ['snapshot after 1 event, 10k room', () => page.evaluate(() => window.bench.reactCost('ours', 10_000, 100))],
    ['rtt ack', () => page.evaluate(() => window.bench.rtt('ours', 'ack', 1000))],
    ['rtt ack, B0', () => page.evaluate(() => window.bench.rtt('b0', 'ack', 1000))],
    ['rtt, floor', () => page.evaluate(() => window.bench.rtt('floor', 'ack', 1000))],
  ];
  const out = [];
  for (const [name, run] of cases) {
    if (process.env.BENCH_PROFILE_ONLY && !name.includes(process.env.BENCH_PROFILE_ONLY)) continue;
    await run(); // warm-up
    loop = null;
    await cdp.send('Profiler.start');
    const r = await run();
    const { profile } = await cdp.send('Profiler.stop');
    fs.writeFileSync(path.join(BUILD, `profile-${name.replace(/\W+/g, '-')}.cpuprofile`), JSON.stringify(profile));
    out.push({ name, result: r, ...topSelf(profile) });
    if (loop) out.push({ name: `${name}, timed part only`, result: r, ...topSelf(loop, 30) });
  }
  await context.close();
  return out;
}

// ---- tabs of one browser ---------------------------------------------------------------------------------------

const TAB_COUNTS = [1, 2, 5, 10];

/**
 * Tabs of one profile (pages of one context): the connections the server holds for N tabs, each in one room; and
 * the takeover, from closing the tab holding the shared connection to another tab holding it, connected.
 */
async function measureTabs(browser, base, ports) {
  const count = () => fetch(`http://127.0.0.1:${ports.io}/count`).then((r) => r.json()).then((j) => j.connections);
  const idle = async () => {
    for (let i = 0; i < 200 && (await count()) > 0; i++) await sleep(25);
  };
  const open = async (context, variant, room, watch = true) => {
    const { page } = await openHarness(context, base, ports);
    const r = await page.evaluate(([v, room, watch]) => window.bench.tabsJoin(v, room, watch), [variant, room, watch]);
    if (r.error) throw new Error(`tabs ${variant}: ${r.error}`);
    return page;
  };
  const connections = { shared: {}, own: {}, b0: {} };
  for (const n of TAB_COUNTS) for (const v of Object.keys(connections)) connections[v][n] = [];
  const takeover = [];
  for (let t = 0; t < Math.min(TRIALS, 3); t++) {
    for (const n of TAB_COUNTS) {
      for (const v of rotate(Object.keys(connections), t)) {
        await idle();
        const context = await browser.newContext();
        try {
          for (let i = 0; i < n; i++) await open(context, v, `tabs-${t}-${n}`);
          await sleep(100); // a connection a tab would open late would show here
          connections[v][n].push(await count());
        } finally {
          await context.close();
        }
      }
    }
    await idle();
    const context = await browser.newContext();
    try {
      const pages = [];
      for (let i = 0; i < 3; i++) pages.push(await open(context, 'shared', `takeover-${t}`));
      const states = await Promise.all(pages.map((p) => p.evaluate(() => window.bench.tabState())));
      const leader = pages[states.findIndex((s) => s.mode === 'leader')];
      const rest = pages.filter((p) => p !== leader);
      const t0 = performance.now();
      await leader.close({ runBeforeUnload: true });
      for (;;) {
        const now = await Promise.all(rest.map((p) => p.evaluate(() => window.bench.tabState())));
        if (now.some((s) => s.mode === 'leader' && s.connected)) break;
        if (performance.now() - t0 > 10_000) throw new Error('tabs: no takeover within 10 s');
        await sleep(2);
      }
      takeover.push(performance.now() - t0);
    } finally {
      await context.close();
    }
  }
  // Main-thread time per incoming message, per tab: the renderer's TaskDuration (CDP Performance) around N messages
  // into one room. Ours: the tab holding the connection (it shows the room), a tab showing it, one that does not;
  // B2 (socket.io-client + the JS store) in a tab of its own, in the same run.
  const N = 2000;
  const mainThread = { holder: [], shows: [], hidden: [], b2: [], solo: [], perTab: [], soloB2: [] };
  // Two phases per trial, each with a B2 tab of its own: the tabs of one profile; then one tab alone in its
  // profile (it holds the shared connection for itself: the default for an agent with one tab) and a tab with its
  // own SocketClient + MessageStore (the hooks with `shareAcrossTabs: false`), each in a profile of its own.
  const phases = [
    { holder: ['shared', 0], shows: ['shared', 0], hidden: ['shared', 0, false], b2: ['b2', 0] },
    { solo: ['shared', 0], perTab: ['store', 1], soloB2: ['b2', 2] },
  ];
  for (let t = 0; t < Math.min(TRIALS, 3); t++) for (const phase of phases) {
    await idle();
    const contexts = [await browser.newContext(), await browser.newContext(), await browser.newContext()];
    try {
      const room = `main-thread-${t}-${Object.keys(phase)[0]}`;
      const pages = {};
      for (const [k, [variant, c, watch]] of Object.entries(phase)) pages[k] = await open(contexts[c], variant, room, watch);
      const state = (p) => p.evaluate(() => window.bench.tabState());
      for (const k of ['holder', 'solo']) {
        if (pages[k] && (await state(pages[k])).mode !== 'leader') throw new Error(`tabs: the ${k} tab does not hold the connection`);
      }
      const cdp = {};
      for (const [k, p] of Object.entries(pages)) {
        cdp[k] = await p.context().newCDPSession(p);
        await cdp[k].send('Performance.enable');
      }
      const busy = async () => {
        const out = {};
        for (const [k, c] of Object.entries(cdp)) out[k] = (await c.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
        return out;
      };
      await sleep(300);
      const before = await busy();
      // From a page that is not measured (phase 1: the tab not showing the room, as before).
      const emitter = pages.hidden ?? (await openHarness(contexts[2], base, ports)).page;
      await emitter.evaluate(([room, n]) => window.bench.tabsEmit(room, n), [room, N]);
      for (const start = performance.now(); ; ) {
        const counts = await Promise.all(Object.keys(pages).filter((k) => k !== 'hidden').map(async (k) => (await state(pages[k])).count));
        if (counts.every((c) => c >= N)) break;
        if (performance.now() - start > 60_000) throw new Error(`tabs: messages shown ${counts.join('/')} of ${N}`);
        await sleep(20);
      }
      await sleep(300);
      const after = await busy();
      for (const k of Object.keys(pages)) mainThread[k].push(((after[k] - before[k]) * 1e6) / N);
    } finally {
      for (const c of contexts) await c.close();
    }
  }

  addSection('Tabs of one browser profile (pages of one context), each in one room: connections the server holds (median over trials); ours = `inbox-realtime/tabs`, B0 = socket.io-client per tab');
  for (const n of TAB_COUNTS) {
    addRow(`${n} tab${n > 1 ? 's' : ''}: server connections (ours without sharing: ${median(connections.own[n])})`, { ours: connections.shared[n], b0: connections.b0[n] }, { digits: 0, notes: { b1: 'n/a', b2: '= B0 (same client)', floor: 'n/a' } });
  }
  addRow('takeover, ms: the tab holding the connection closes → another tab holds it, connected (3 tabs)', { ours: takeover }, { notes: { b1: 'n/a', b2: 'n/a', b0: 'n/a (none)', floor: 'n/a' } });
  const mt = { notes: { b1: 'n/a', b0: 'n/a', floor: 'n/a' } };
  addRow(`main-thread µs per incoming message (${N} into one room; renderer TaskDuration): the tab holding the connection, showing the room (B2: its one tab)`, { ours: mainThread.holder, b2: mainThread.b2 }, mt);
  addRow('  a tab showing the room (not holding the connection)', { ours: mainThread.shows, b2: mainThread.b2 }, mt);
  addRow('  a tab not showing the room', { ours: mainThread.hidden, b2: mainThread.b2 }, mt);
  addRow('one tab alone in its browser profile, holding the connection for itself (the default with one tab); B2 in a tab of its own in the same phase', { ours: mainThread.solo, b2: mainThread.soloB2 }, mt);
  addRow('  one tab with `shareAcrossTabs: false` (its own SocketClient + MessageStore), same phase', { ours: mainThread.perTab, b2: mainThread.soloB2 }, mt);
}

// ---- trace of e2e ingest ---------------------------------------------------------------------------------------

/**
 * Where an e2e message's time goes on the page's main thread. The replay rows time the handlers hot, in one loop;
 * here each message arrives as its own task, as in e2e. From a Chromium trace: per message, the task that delivers
 * it (`ThreadControllerImpl::RunTask` around the handler's `FunctionCall`) and the handler inside it;
 * over the run, the main thread's busy and idle time.
 */
async function runTrace(page) {
  const variants = CLIENT_VARIANTS.filter((v) => v !== 'b1'); // B1's quadratic store would only add its own cost
  const n = INGEST_SIZES[0];
  const cdp = await page.context().newCDPSession(page);
  for (const v of variants) await page.evaluate(([v, n]) => window.bench.e2e(v, n), [v, n]); // warm-up
  const all = Object.fromEntries(variants.map((v) => [v, []]));
  for (let t = 0; t < TRIALS; t++) {
    for (const v of rotate(variants, t)) {
      const events = [];
      const onData = (e) => events.push(...e.value);
      cdp.on('Tracing.dataCollected', onData);
      const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
      await cdp.send('Tracing.start', {
        transferMode: 'ReportEvents',
        traceConfig: { includedCategories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline'] },
      });
      const r = await page.evaluate(([v, n]) => window.bench.e2e(v, n), [v, n]);
      await cdp.send('Tracing.end');
      await complete;
      cdp.off('Tracing.dataCollected', onData);
      if (r.error) failures.push(`trace ${v}: ${r.error}`);
      const summary = { ...summariseTrace(events, n), e2eUs: (r.ms * 1000) / n };
      if (summary.error) failures.push(`trace ${v}: ${summary.error}`);
      all[v].push(summary);
    }
  }
  const keys = ['handlerUs', 'taskUs', 'busyUsPerMessage', 'idleUsPerMessage', 'e2eUs'];
  const lines = [`e2e ${n} events under a Chromium trace, per message, µs: median over ${TRIALS} trials (min–max)`];
  lines.push(`variant     ${keys.map((k) => k.padStart(24)).join('')}`);
  for (const v of variants) {
    const cell = (k) => {
      const xs = all[v].map((x) => x[k]).filter(Number.isFinite);
      return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`.padStart(24);
    };
    lines.push(`${v.padEnd(12)}${keys.map(cell).join('')}`);
  }
  console.log(lines.join('\n'));
}

function summariseTrace(events, n) {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return { error: 'no renderer main thread in the trace' };
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X');
  const received = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.name === 'WebSocketReceive');
  if (received.length < n) return { error: `${received.length} WebSocket frames traced for ${n}` };
  // The window: first to last frame received (the run's setup and check stay out).
  const first = Math.min(...received.map((e) => e.ts));
  const last = Math.max(...received.map((e) => e.ts));
  // The page's handler runs as a `FunctionCall` inside the task that delivers the frame.
  const dispatches = onMain.filter((e) => e.name === 'FunctionCall' && e.ts >= first && e.ts <= last);
  const tasks = onMain.filter((e) => e.name === 'ThreadControllerImpl::RunTask').sort((a, b) => a.ts - b.ts);
  const inWindow = tasks.filter((t) => t.ts >= first - 1000 && t.ts + t.dur <= last + 1000);
  const busy = inWindow.reduce((s, t) => s + t.dur, 0);
  // Tasks do not overlap on one thread: walk both lists in time order.
  const deliver = [];
  let k = 0;
  for (const d of [...dispatches].sort((a, b) => a.ts - b.ts)) {
    while (k < inWindow.length && inWindow[k].ts + inWindow[k].dur < d.ts + d.dur) k++;
    if (k < inWindow.length && inWindow[k].ts <= d.ts) deliver.push(inWindow[k].dur);
  }
  return {
    handlerUs: median(dispatches.map((d) => d.dur)),
    taskUs: median(deliver),
    busyUsPerMessage: busy / received.length,
    idleUsPerMessage: (last - first - busy) / received.length,
  };
}

// ---- A/B of two wasm builds -------------------------------------------------------------------------------------

async function runAB(browser, base, ports) {
  const dir = path.join(BUILD, 'ab');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.resolve(ROOT, AB), dir, { recursive: true });
  await bundle('harness.mjs', 'harness-ab.js', { plugins: [glueFrom(dir)] });
  const open = async (opts) => {
    const { page, info } = await openHarness(await browser.newContext(), base, ports, opts);
    if (info.error) throw new Error(`setup ${opts.html ?? 'harness.html'}: ${info.error}`);
    return page;
  };
  const pages = { A: await open({}), B: await open({ html: 'harness-ab.html', wasm: '/build/ab/inbox_realtime_bg.wasm' }) };
  log(`A/B: A = pkg/wasm, B = ${AB}; ${TRIALS} paired trials; cells µs/event median (min–max)`);
  const lines = [];
  for (const kind of ['replay', 'store', 'e2e']) {
    if (!want(kind)) continue;
    const { fn } = INGEST[kind];
    for (const v of ['A', 'B']) await pages[v].evaluate((fn) => window.bench[fn]('ours', 1000), fn); // warm-up
    for (const n of INGEST_SIZES) {
      const res = await paired(`A/B ${kind} ${n}`, ['A', 'B'], n === 100_000 ? TRIALS_100K : TRIALS, (v) =>
        pages[v].evaluate(([fn, n]) => window.bench[fn]('ours', n), [fn, n]),
      );
      const us = (v) => res[v].map((r) => (r.ms * 1000) / n);
      const [a, b] = [us('A'), us('B')];
      const ratios = b.map((x, i) => x / a[i]);
      const cell = (xs) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
      const line = `${kind} ${n / 1000}k: A ${cell(a)}  B ${cell(b)}  B/A ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
      log(line);
      lines.push(line);
    }
  }
  console.log(lines.join('\n'));
}

// ---- main ------------------------------------------------------------------------------------------------------

function machine() {
  const cpu = os.cpus();
  let model = cpu[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch {}
  return { model, cores: cpu.length, mem: `${Math.round(os.totalmem() / 2 ** 30)} GiB`, os: `${os.type()} ${os.release()}` };
}

const version = (pkg) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

async function main() {
  const started = Date.now();
  log(`trials ${TRIALS}${QUICK ? ' (quick)' : ''}`);
  await buildAll();
  const staticServer = await startStatic();
  const base = `http://127.0.0.1:${staticServer.address().port}`;
  const server = new BenchServer();
  await server.start();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  if (AB || TRACE) {
    try {
      if (AB) await runAB(browser, base, server.ports);
      else {
        const { page, info } = await openHarness(await browser.newContext(), base, server.ports);
        if (info.error) throw new Error(`setup: ${info.error}`);
        await runTrace(page);
      }
    } finally {
      await browser.close();
      await server.kill();
      staticServer.close();
    }
    process.exit(failures.length ? 1 : 0);
  }
  let profiles = null;
  let info;
  try {
    const context = await browser.newContext();
    let page;
    ({ page, info } = await openHarness(context, base, server.ports));
    if (info.error) throw new Error(`setup: ${info.error}`);
    if (!info.crossOriginIsolated) failures.push('page is not cross-origin isolated (timer resolution 100 µs)');
    log('page', JSON.stringify(info));

    // Warm-up (discarded): every code path once.
    for (const v of CLIENT_VARIANTS) await page.evaluate((v) => window.bench.e2e(v, 1000), v);
    for (const v of CLIENT_VARIANTS) await page.evaluate((v) => window.bench.replay(v, 1000), v);
    for (const v of STORE_VARIANTS) await page.evaluate((v) => window.bench.storeOnly(v, 1000), v);

    const step = async (name, fn) => {
      if (!want(name)) return;
      const t = Date.now();
      await fn();
      log(`${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    };
    await step('size', () => measureSize());
    await step('cold', () => measureCold(browser, base, server.ports));
    await step('rtt', () => measureRtt(page));
    await step('e2e', () => measureIngest(page, 'e2e'));
    await step('replay', () => measureIngest(page, 'replay'));
    await step('store', () => measureIngest(page, 'store'));
    await step('react', () => measureReact(page));
    await step('crossings', () => measureCrossings(browser, base, server.ports));
    await step('inbox', () => measureInbox(page));
    await step('memory', () => measureMemory(browser, base, server.ports));
    await step('reconnect', () => measureReconnect(page, server));
    await step('tabs', () => measureTabs(browser, base, server.ports));
    await context.close();
    if (PROFILE) profiles = await runProfiles(browser, base, server.ports);
  } finally {
    const chromiumVersion = browser.version();
    await browser.close();
    await server.kill();
    staticServer.close();
    info = { ...info, chromiumVersion };
  }

  const m = machine();
  const table = renderTable();
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const header = [
    '# Benchmarks',
    '',
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} by \`${QUICK ? 'BENCH_QUICK=1 ' : ''}bash scripts/bench.sh\` (${TRIALS} paired trials, ${minutes} min).`,
    `Machine: ${m.model}, ${m.cores} cores, ${m.mem}, ${m.os}. Chromium ${info.chromiumVersion} headless; Node ${process.version};`,
    `socket.io ${version('socket.io')}, socket.io-client ${version('socket.io-client')}, inbox-realtime ${version('../pkg')}.`,
    `Page cross-origin isolated: ${info.crossOriginIsolated ? 'yes (5 µs timers)' : 'NO'}.`,
  ].join('\n');
  const notes = `
Variants: **ours** = inbox-realtime (wasm + JS face), store attached to the client (socket → store inside wasm);
**B1** = socket.io-client + a JS port of the original hooks (array state copied per event, \`some\`/\`filter\` scans,
60 s text/user match); **B2** = socket.io-client + a careful JS store (Map by id, binary insertion, FIFO of optimistic
sends, client_id map, cached snapshot); **B0** = socket.io-client with a counting listener; **floor** = bare browser
WebSocket to a plain \`ws\` server (echo for round trips; for ingest it sends the same Socket.IO frames and the page only
counts them). Extra rows: **ours client alone** = our SocketClient with a listener that only counts (no store), the
like-for-like of B0; **wasm floor** = the bare WebSocket with each frame's text handed to a no-op wasm export.
socket.io-client runs with \`transports: ['websocket']\` (its fastest setting; ours also starts on WebSocket).

Crossings: a page of its own wraps \`WebAssembly.instantiate(Streaming)\`, so every function of the imports object the
wasm-bindgen glue passes and every function of the instance's exports counts its calls, whatever their names (malloc,
listener calls and the like included). A real React root (production build) mounts \`useSocket\` + \`useRealtimeMessages\`
on one room; each \`new_message\` frame is handed to the client's WebSocket \`onmessage\` and counted until it has been
rendered and every task it queued ran. Checked: each message rendered, one for another room re-renders nothing and that
room holds them all. A timer firing meanwhile (the device copy's debounced save) counts in that message: hence medians.
Inbox list: the store-only path (no socket), ours' \`handleEvent\` vs B2's \`handleNewMessage\`; B2 keeps a Map of
room summaries and an array in inbox order, moving each changed summary by binary search, its list cached until a
change (built on the first \`rooms()\`). Checked: after each message its room leads the list; the final list's order,
last messages, unread counts and contact names are what the messages imply.
Memory: the JS heap (\`performance.memory\`, after forced GC) plus the growth of the wasm memory, which never shrinks,
so a transient peak inside the wasm counts; the mounted rows read both after the mount. Inbox row: 200 conversations
× 50 customer messages fed as the network delivers them, then the inbox list and the newest conversation mounted (B1
keeps no inbox list).

Cells: median over trials (min–max). Ratios: median of per-trial ratios ours/x (trials are paired: each trial runs every
variant, in a rotating order); < 1 means ours is smaller/faster. Every trial checks its result (exact message ids,
timestamps, no pending left, confirmations keep their send's key and order for ours/B2, one notification per event);
a failed check fails the run. Sources: \`bench/\` (\`run.mjs\` runner, \`server.mjs\` Socket.IO + ws server,
\`page/harness.mjs\` in-page side, \`page/crossings.mjs\` + \`page/count-crossings.mjs\` the crossings page, \`stores/\`
B1/B2, \`lib/workload.mjs\` the event sequence).
`;
  const md = `${header}\n\n${table}\n${notes}${details.length ? `\n${details.join('\n')}\n` : ''}`;
  console.log(`\n${table}\n${details.length ? `\n${details.join('\n')}\n` : ''}`);
  if (failures.length) {
    console.log(`CORRECTNESS/RUN FAILURES (${failures.length}):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  }
  fs.writeFileSync(OUT, md);
  log(`wrote ${path.relative(ROOT, OUT)}`);
  if (profiles) {
    for (const p of profiles) {
      console.log(`\nProfile: ${p.name} — ${p.totalMs.toFixed(0)} ms busy, ${p.idleMs.toFixed(0)} ms idle${p.result?.error ? ` [error: ${p.result.error}]` : ''}`);
      for (const t of p.top) console.log(`  ${t.pct.toFixed(1).padStart(5)} %  ${t.ms.toFixed(1).padStart(8)} ms  ${t.fn}`);
    }
    fs.writeFileSync(path.join(BUILD, 'profiles.json'), JSON.stringify(profiles, null, 1));
  }
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
