// A tiny in-page test registry for the parity cases (cases.mjs): `it(name, meta, fn)`, `notApplicable(...)`,
// feature flags, and the helpers each case gets as `t`. Bundled into the page by run.mjs; run.mjs drives it
// through `window.__parity`.
import { io as sharedIo, Manager, SocketClient } from "inbox-realtime";

export const cases = [];
export const notPorted = [];

/**
 * Registers a ported case. meta: { from: original file, needs?: [feature...], timeout?: ms, ours?: true (a form of
 * the case written for this client's own API, e.g. an option socket.io-client does not have: not run when the
 * cases run against socket.io-client, PARITY_CLIENT=socket.io-client) }.
 */
export function it(name, meta, fn) {
  if (cases.some((c) => c.name === name)) throw new Error(`duplicate case name: ${name}`);
  cases.push({ name, from: meta.from, needs: meta.needs ?? [], timeout: meta.timeout ?? 8000, ours: Boolean(meta.ours), fn });
}

/** Lists an original case that is not ported, and why. */
export function notApplicable(from, name, reason) {
  notPorted.push({ from, name, reason });
}

// ---------------------------------------------------------------------------------------------------------------
// assertions (the originals use expect.js; these are the few it needs)
// ---------------------------------------------------------------------------------------------------------------

const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
};

export const assert = {
  ok(value, what = "expected a truthy value") {
    if (!value) throw new Error(`${what} (got ${show(value)})`);
  },
  equal(actual, expected, what = "") {
    if (!Object.is(actual, expected)) throw new Error(`${what ? what + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
  },
  notEqual(actual, unexpected, what = "") {
    if (Object.is(actual, unexpected)) throw new Error(`${what ? what + ": " : ""}expected anything but ${show(unexpected)}`);
  },
  deepEqual(actual, expected, what = "") {
    if (show(actual) !== show(expected)) throw new Error(`${what ? what + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
  },
  isError(value, what = "expected an Error") {
    if (!(value instanceof Error)) throw new Error(`${what} (got ${show(value)})`);
  },
  throws(fn, pattern) {
    try {
      fn();
    } catch (e) {
      if (pattern && !pattern.test(String(e?.message ?? e))) throw new Error(`threw ${show(String(e?.message ?? e))}, expected ${pattern}`);
      return e;
    }
    throw new Error(`expected a throw${pattern ? " matching " + pattern : ""}`);
  },
};

// ---------------------------------------------------------------------------------------------------------------
// the per-case context
// ---------------------------------------------------------------------------------------------------------------

// The harness's own timers stay real even while a case runs a virtual clock (t.virtualClock).
const realSetTimeout = window.setTimeout.bind(window);
const sleep = (ms) => new Promise((r) => realSetTimeout(r, ms));

function makeContext(env) {
  const clients = [];
  const managers = [];
  let disposeClock = () => {};
  let failWith;
  const failed = new Promise((_, reject) => {
    failWith = reject;
  });
  failed.catch(() => {});
  const t = {
    /** The parity server, e.g. http://127.0.0.1:PORT (no trailing slash). */
    url: env.url,
    /** A port nothing listens on. */
    closedUrl: env.closedUrl,
    /** A server answering CONNECT like Socket.IO 2.x. */
    v2Url: env.v2Url,
    sleep,
    /** `io(url, opts)`: a SocketClient destroyed when the case ends. */
    io(url, options = {}) {
      const socket = new SocketClient(url, options);
      clients.push(socket);
      return socket;
    },
    /** socket.io-client's `io(url, opts)` itself, with its Manager cache (no forceNew): destroyed when the case ends. */
    ioShared(url, options = {}) {
      const socket = sharedIo(url, options);
      clients.push(socket);
      return socket;
    },
    /** `new Manager(url, opts)`: destroyed (with its sockets) when the case ends. */
    manager(url, options = {}) {
      const manager = new Manager(url, options);
      managers.push(manager);
      return manager;
    },
    /** Fails the case now (for "should not happen" listeners; a throw inside a listener would not reach the case). */
    fail(message) {
      failWith(new Error(message));
    },
    failed,
    /** Resolves with the arguments of the next `event`; rejects after `ms`. */
    once(socket, event, ms = 5000) {
      const promise = new Promise((resolve, reject) => {
        const timer = realSetTimeout(() => {
          off();
          reject(new Error(`no "${event}" within ${ms} ms`));
        }, ms);
        const off = socket.once(event, (...args) => {
          clearTimeout(timer);
          resolve(args);
        });
      });
      // not awaited when the case failed earlier: then its rejection is no news
      promise.catch(() => {});
      return promise;
    },
    /** Records every `event`: { calls: [args...] }. */
    record(socket, event) {
      const rec = { calls: [] };
      socket.on(event, (...args) => rec.calls.push(args));
      return rec;
    },
    /** Fails the case if `event` fires (from now until the case ends). */
    never(socket, event) {
      socket.on(event, (...args) => failWith(new Error(`"${event}" should not happen (args: ${show(args)})`)));
    },
    /** Closes the client's Engine.IO connection from the server side (socket.io-client's `socket.io.engine.close()`). */
    async drop(socket, nsp = "/") {
      const res = await fetch(`${env.url}/parity/drop?nsp=${encodeURIComponent(nsp)}&id=${encodeURIComponent(socket.id)}`);
      if (!res.ok) throw new Error(`drop failed: ${res.status} ${await res.text()}`);
    },
    /** The events the server received from this client's socket. */
    async serverLog(socket, nsp = "/") {
      const res = await fetch(`${env.url}/parity/log?nsp=${encodeURIComponent(nsp)}&id=${encodeURIComponent(socket.id)}`);
      return res.json();
    },
    /** Makes the server send `data` as one raw Engine.IO message to this client. */
    async serverSendRaw(socket, data, nsp = "/") {
      const q = `nsp=${encodeURIComponent(nsp)}&id=${encodeURIComponent(socket.id)}&raw=1&data=${encodeURIComponent(data)}`;
      const res = await fetch(`${env.url}/parity/emit?${q}`);
      if (!res.ok) throw new Error(`emit failed: ${res.status}`);
    },
    /**
     * A clock that can jump: from now on `Date.now` (the client's clock) and the page's `setTimeout` go through
     * this harness. `advance(ms)` moves the clock forward without running anything; the timers that became
     * overdue run on the next task, as in a throttled background tab (or after a laptop sleep) once it runs
     * again. Install it before creating the client. Undone when the case ends.
     */
    virtualClock() {
      let offset = 0;
      const timers = new Map();
      let nextId = 1_000_000_000;
      const vnow = () => env.realDateNow() + offset;
      const schedule = (id, timer, delay) => {
        timer.real = env.realSetTimeout(() => {
          timers.delete(id);
          timer.fn(...timer.args);
        }, delay);
      };
      Date.now = vnow;
      window.setTimeout = (fn, delay = 0, ...args) => {
        const id = nextId++;
        const timer = { fn, args, due: vnow() + Number(delay || 0) };
        timers.set(id, timer);
        schedule(id, timer, delay);
        return id;
      };
      window.clearTimeout = (id) => {
        const timer = timers.get(id);
        if (!timer) return env.realClearTimeout(id);
        env.realClearTimeout(timer.real);
        timers.delete(id);
      };
      disposeClock = () => {
        for (const timer of timers.values()) env.realClearTimeout(timer.real);
        timers.clear();
      };
      return {
        advance(ms) {
          offset += ms;
          for (const [id, timer] of timers) {
            if (timer.due > vnow()) continue;
            env.realClearTimeout(timer.real);
            schedule(id, timer, 0);
          }
        },
      };
    },
  };
  t.cleanup = () => {
    // the clients first, while a virtual clock still maps their timer ids; then its leftover timers
    for (const socket of clients) {
      try {
        socket.destroy();
      } catch {
        /* already destroyed */
      }
    }
    for (const manager of managers) manager.destroy();
    disposeClock();
    Date.now = env.realDateNow;
    window.setTimeout = env.realSetTimeout;
    window.clearTimeout = env.realClearTimeout;
  };
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// feature flags
// ---------------------------------------------------------------------------------------------------------------

/**
 * Which features are available: detected on the built package where a method shows it, otherwise listed in
 * `landed` (cases.mjs LANDED, or PARITY_FEATURES=a,b / =all given to the runner).
 */
export function availableFeatures(features, landed) {
  const proto = SocketClient.prototype;
  const out = {};
  for (const [name, spec] of Object.entries(features)) {
    let detected = false;
    try {
      detected = spec.detect ? Boolean(spec.detect(proto, SocketClient)) : false;
    } catch {
      detected = false;
    }
    out[name] = detected || landed.includes(name) || landed.includes("all");
  }
  return out;
}

// Unhandled rejections and uncaught errors, with the case that ran last (runCase): a case that leaves one behind
// fails, even when it comes after the case ended (run.mjs collects them after every case).
let lastCase = "(before the first case)";
const stray = [];
window.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  stray.push({ name: lastCase, error: String(e.reason?.stack ?? e.reason) });
});
window.addEventListener("error", (e) => {
  stray.push({ name: lastCase, error: String(e.error?.stack ?? e.message) });
});
export const takeStray = () => stray.splice(0);

/**
 * Runs one case: { status: 'passed' | 'failed', error?, ms }. A case fails on a throw, a rejection, `t.fail`, its
 * timeout, or a listener that threw (the client catches listener errors and reports them with console.error).
 */
export async function runCase(c, env) {
  lastCase = c.name;
  const t = makeContext(env);
  const listenerErrors = [];
  const consoleError = console.error;
  console.error = (...args) => {
    if (String(args[0]).includes("listener threw")) listenerErrors.push(args.map((a) => String(a?.stack ?? a)).join(" "));
    consoleError.apply(console, args);
  };
  const started = performance.now();
  let timer;
  try {
    await Promise.race([
      c.fn(t),
      t.failed,
      new Promise((_, reject) => {
        timer = realSetTimeout(() => reject(new Error(`timed out after ${c.timeout} ms`)), c.timeout);
      }),
    ]);
    // "should not happen" listeners stay armed until here.
    await Promise.race([t.failed, sleep(0)]);
    if (listenerErrors.length) throw new Error(`a listener threw: ${listenerErrors[0]}`);
    return { status: "passed", ms: Math.round(performance.now() - started) };
  } catch (e) {
    return { status: "failed", error: String(e?.stack ?? e), ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
    console.error = consoleError;
    t.cleanup();
  }
}
