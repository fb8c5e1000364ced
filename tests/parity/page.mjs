// The page's entry (bundled by run.mjs with esbuild): loads the wasm, then hands the cases to the runner through
// window.__parity. Query: ?closed=<port>&v2=<port>&features=a,b (see cases.mjs FEATURES).
import { init } from "inbox-realtime";
import { cases, notPorted, availableFeatures, runCase, takeStray } from "./harness.mjs";
import { FEATURES, LANDED } from "./cases.mjs";

const params = new URLSearchParams(location.search);
const env = {
  url: location.origin,
  closedUrl: `http://127.0.0.1:${params.get("closed")}`,
  v2Url: `http://127.0.0.1:${params.get("v2")}`,
  realDateNow: Date.now,
  realSetTimeout: window.setTimeout.bind(window),
  realClearTimeout: window.clearTimeout.bind(window),
};
const landed = [...LANDED, ...(params.get("features") ?? "").split(",").filter(Boolean)];

window.__parity = {
  ready: init(new URL("inbox_realtime_bg.wasm", location.href)).then(() => {
    const available = availableFeatures(FEATURES, landed);
    window.__parity.available = available;
    return true;
  }),
  list() {
    const available = window.__parity.available;
    return cases.map((c) => ({
      name: c.name,
      from: c.from,
      needs: c.needs,
      missing: c.needs.filter((f) => !available[f]),
      timeout: c.timeout,
      ours: c.ours,
    }));
  },
  features() {
    return Object.entries(FEATURES).map(([name, spec]) => ({ name, what: spec.what, available: window.__parity.available[name] }));
  },
  notPorted: () => notPorted,
  takeStray,
  run(name) {
    const c = cases.find((x) => x.name === name);
    if (!c) throw new Error(`no case ${name}`);
    // a case whose feature is missing most likely waits for something that never comes: give up sooner
    const pending = c.needs.some((f) => !window.__parity.available[f]);
    return runCase(pending ? { ...c, timeout: Math.min(c.timeout, 3000) } : c, env);
  },
};
