// Firefox and WebKit for the e2e scenarios, through W3C WebDriver (classic): geckodriver drives Debian's
// firefox-esr headless, WebKitWebDriver drives WebKitGTK's MiniBrowser under Xvfb. A small client over fetch, and a
// page object offering the part of Playwright's Page/Locator API that scenarios.mjs uses, so the same scenarios run
// in every engine. Locators are resolved inside the page by one function (LOCATE); clicks and keys go through
// WebDriver's element commands (real input events, not synthetic ones).
//
// What WebDriver classic cannot do and how it is covered instead:
//   - page errors and dialogs: recorded by listeners the page object installs right after each navigation (errors
//     thrown while the page first loads are not seen here; Chromium's run, via Playwright, sees those);
//   - delaying the page's POST /api/messages (Playwright's page.route): the page's fetch is wrapped to wait first.
import fs from "node:fs";
import { freePort, sleep, spawnUntil, stopProcess } from "./helpers.mjs";

/** The driver command and capabilities of each WebDriver engine. */
const ENGINES = {
  firefox: {
    command: (port) => [process.env.GECKODRIVER ?? "geckodriver", ["--port", String(port), "--log", "warn"]],
    capabilities: {
      browserName: "firefox",
      "moz:firefoxOptions": {
        binary: process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr",
        args: ["-headless"],
        prefs: { "app.update.enabled": false, "browser.shell.checkDefaultBrowser": false, "datareporting.policy.dataSubmissionEnabled": false },
      },
    },
  },
  webkit: {
    // WebKitGTK has no headless mode: MiniBrowser (its default browser) gets a virtual X display.
    command: (port) => ["xvfb-run", ["-a", process.env.WEBKITWEBDRIVER ?? "WebKitWebDriver", `--port=${port}`]],
    capabilities: {},
  },
};

class WebDriverError extends Error {}

/** One WebDriver session: `cmd(method, path, body)` → the response's `value`. */
class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  async cmd(method, path, body) {
    const res = await fetch(`${this.base}/session/${this.id}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({ value: { error: `HTTP ${res.status}`, message: "no JSON body" } }));
    if (!res.ok || json.value?.error) {
      throw new WebDriverError(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    }
    return json.value;
  }
}

/** Starts the engine's WebDriver server and one session; resolves a browser object for helpers.openPage. */
export async function launchWebDriverBrowser(engine) {
  const spec = ENGINES[engine];
  if (!spec) throw new Error(`unknown WebDriver engine ${engine}`);
  const port = await freePort();
  const [cmd, args] = spec.command(port);
  const driver = await spawnUntil(`${engine}-webdriver`, cmd, args, { ready: () => true, timeoutMs: 1000 });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await (await fetch(`${base}/status`)).json()).value?.ready !== undefined) break;
    } catch {
      /* not listening yet */
    }
    if (i > 200) throw new Error(`${engine} WebDriver did not answer on ${base}; log: ${driver.logFile}`);
    await sleep(50);
  }
  const res = await fetch(`${base}/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ capabilities: { alwaysMatch: { ...spec.capabilities, pageLoadStrategy: "normal" } } }),
  });
  const json = await res.json();
  if (!json.value?.sessionId) throw new Error(`${engine}: no WebDriver session: ${JSON.stringify(json.value)}`);
  const session = new Session(base, json.value.sessionId);
  const caps = json.value.capabilities ?? {};
  await session.cmd("POST", "/window/rect", { width: 1100, height: 720 }).catch(() => {});
  return {
    engine,
    label: `${caps.browserName} ${caps.browserVersion}`,
    openPage: (url, device) => openWebDriverPage(session, url, device),
    openTabs: (urls) => openWebDriverTabs(session, urls),
    close: async () => {
      await session.cmd("DELETE", "").catch(() => {});
      await stopProcess(driver);
    },
  };
}

// ---- in-page code (sent as text, run by the browser) ----

/** Resolves a locator (a list of steps) to the elements it matches, in document order. */
const LOCATE = String.raw`function locate(steps, roots) {
  const norm = (s) => (s ?? "").replace(/\s+/g, " ").trim();
  const order = (els) => [...new Set(els)].sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  let cur = roots ?? [document];
  for (const step of steps) {
    if (step.css) cur = order(cur.flatMap((r) => [...r.querySelectorAll(step.css)]));
    else if (step.text !== undefined)
      cur = order(cur.flatMap((r) => [r, ...r.querySelectorAll("*")].filter((e) => e.nodeType === 1 && norm(e.textContent) === norm(step.text))));
    else if (step.has) cur = cur.filter((e) => locate(step.has, [e]).length > 0);
    else if (step.hasText !== undefined) cur = cur.filter((e) => norm(e.textContent).toLowerCase().includes(norm(step.hasText).toLowerCase()));
    else if (step.and) {
      const other = new Set(locate(step.and, [document]));
      cur = cur.filter((e) => other.has(e));
    }
  }
  return cur;
}`;

/** Installed after every navigation: records uncaught errors and dialogs (alert/confirm/prompt) the page triggers. */
const RECORD_PROBLEMS = `
  if (!window.__e2eProblems) {
    const p = (window.__e2eProblems = { pageErrors: [], dialogs: [], logs: [] });
    // Console lines as text (the \`debug\` option's among them), from this point of the page's life on. WebDriver
    // classic has no script that runs before the page's own, so lines logged during the load (a fast connect on
    // loopback) may be missing: \`problems.recordsFromLoad\` tells the scenarios.
    for (const level of ["log", "info", "warn", "error"]) {
      const original = console[level].bind(console);
      console[level] = (...args) => {
        p.logs.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
        original(...args);
      };
    }
    addEventListener("error", (e) => p.pageErrors.push(e.message + "\\n" + (e.error?.stack ?? "")));
    addEventListener("unhandledrejection", (e) => p.pageErrors.push(String(e.reason) + "\\n" + (e.reason?.stack ?? "")));
    for (const type of ["alert", "confirm", "prompt"]) window[type] = (m) => { p.dialogs.push(type + ": " + m); return null; };
  }`;

// ---- several tabs of one profile (tests/e2e/tabs.test.mjs) ----

/**
 * One tab per URL in this session's browser (the first reuses the current window): each tab's `evaluate` and
 * `close` switch to it first. Resolves { tabs, close }.
 */
async function openWebDriverTabs(session, urls) {
  const handles = [await session.cmd("GET", "/window")];
  for (let i = 1; i < urls.length; i++) handles.push((await session.cmd("POST", "/window/new", { type: "tab" })).handle);
  const open = new Set(handles);
  // One command pair at a time: a switch and what follows it must not interleave with another tab's (the session
  // has one current window), as they would under Promise.all.
  let queue = Promise.resolve();
  const inTab = (handle, f) => {
    const run = queue.then(async () => {
      await session.cmd("POST", "/window", { handle });
      return f();
    });
    queue = run.catch(() => {});
    return run;
  };
  const tab = (handle) => ({
    goto: (url) => inTab(handle, () => session.cmd("POST", "/url", { url })),
    evaluate: (fn, arg) =>
      inTab(handle, () => session.cmd("POST", "/execute/sync", { script: `return (${fn}).apply(null, arguments)`, args: arg === undefined ? [] : [arg] })),
    async close() {
      if (!open.delete(handle)) return;
      // The last window is not closed (that would end the session): it is emptied instead.
      await inTab(handle, () => (open.size === 0 ? session.cmd("POST", "/url", { url: "about:blank" }) : session.cmd("DELETE", "/window")));
    },
  });
  const tabs = handles.map(tab);
  for (const [i, t] of tabs.entries()) await t.goto(urls[i]);
  return { tabs, close: async () => { for (const t of tabs) await t.close().catch(() => {}); } };
}

// ---- page object ----

async function openWebDriverPage(session, url, device) {
  const problems = { pageErrors: [], dialogs: [], console: [], logs: [] };
  const page = new WebDriverPage(session, problems);
  // The window, not the viewport (browser chrome takes some of it): close enough for layout checks.
  const { width, height } = device?.viewport ?? { width: 1100, height: 720 };
  await session.cmd("POST", "/window/rect", { width, height }).catch(() => {});
  await page.goto(url);
  // assertNoProblems calls this before it checks; `logs` is read through a getter that refreshes nothing, so
  // scenarios that read it call refresh first (below).
  problems.refresh = async () => {
    const seen = await page.evaluate(() => window.__e2eProblems ?? { pageErrors: [], dialogs: [], logs: [] });
    problems.pageErrors = seen.pageErrors;
    problems.dialogs = seen.dialogs;
    problems.logs = seen.logs ?? [];
    problems.recordsFromLoad = true;
  };
  const context = { close: () => session.cmd("POST", "/url", { url: "about:blank" }).catch(() => {}) };
  return { context, page, problems };
}

class WebDriverPage {
  constructor(session, problems) {
    this.session = session;
    this.problems = problems;
    this.timeout = 15_000;
  }

  setDefaultTimeout(ms) {
    this.timeout = ms;
  }

  on() {
    // Errors and dialogs are recorded in the page (RECORD_PROBLEMS).
  }

  async goto(url) {
    await this.session.cmd("POST", "/url", { url });
    await this.session.cmd("POST", "/execute/sync", { script: RECORD_PROBLEMS, args: [] });
  }

  /** Runs `fn(arg)` in the page (awaiting a returned promise) and returns its JSON-able result. */
  async evaluate(fn, arg) {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => (${fn})(arguments[0])).then((v) => done({ ok: v === undefined ? null : v, undef: v === undefined }), (e) => done({ err: String(e?.stack ?? e) }));`;
    const r = await this.session.cmd("POST", "/execute/async", { script, args: [arg ?? null] });
    if (r?.err) throw new Error(`in page: ${r.err}`);
    return r?.undef ? undefined : r?.ok;
  }

  async waitForFunction(fn, arg, { timeout } = {}) {
    await this.#poll(() => this.evaluate(fn, arg), `waitForFunction ${fn}`, timeout);
  }

  async waitForSelector(css, { timeout } = {}) {
    await this.#poll(() => this.evaluate((s) => document.querySelector(s) !== null, css), `selector ${css}`, timeout);
  }

  async screenshot({ path }) {
    fs.writeFileSync(path, Buffer.from(await this.session.cmd("GET", "/screenshot"), "base64"));
  }

  /** Holds the page's POST /api/messages for `ms` (Playwright's page.route, done in the page). */
  async delayPosts(ms) {
    await this.evaluate((ms) => {
      if (!window.__e2eFetch) window.__e2eFetch = window.fetch;
      const original = window.__e2eFetch;
      window.fetch = async (input, init) => {
        const method = (input instanceof Request ? input.method : init?.method) ?? "GET";
        const url = input instanceof Request ? input.url : String(input);
        if (method === "POST" && url.includes("/api/messages")) await new Promise((r) => setTimeout(r, ms));
        return original(input, init);
      };
    }, ms);
  }

  async unrouteAll() {
    await this.evaluate(() => {
      if (window.__e2eFetch) window.fetch = window.__e2eFetch;
    });
  }

  getByTestId(id) {
    return new Locator(this, [{ css: `[data-testid="${id}"]` }]);
  }

  getByText(text, options) {
    return new Locator(this, []).getByText(text, options);
  }

  getByPlaceholder(text) {
    return new Locator(this, [{ css: `[placeholder="${text}"]` }]);
  }

  locator(css, { hasText } = {}) {
    const located = new Locator(this, [{ css }]);
    return hasText === undefined ? located : located.filter({ hasText });
  }

  async #poll(check, what, timeout = this.timeout) {
    const end = Date.now() + timeout;
    for (;;) {
      if (await check()) return;
      if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
      await sleep(50);
    }
  }

  poll(check, what, timeout) {
    return this.#poll(check, what, timeout);
  }
}

/** The states `waitFor` knows, as checks run in the page on the matched elements. */
const STATES = {
  attached: (els) => els.length > 0,
  detached: (els) => els.length === 0,
  visible: (els) => els.some((e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden"),
};

class Locator {
  constructor(page, steps) {
    this.page = page;
    this.steps = steps;
  }

  #then(...steps) {
    return new Locator(this.page, [...this.steps, ...steps]);
  }

  locator(css) {
    return this.#then({ css });
  }

  getByTestId(id) {
    return this.#then({ css: `[data-testid="${id}"]` });
  }

  getByText(text, { exact } = {}) {
    // Not exact: any element whose text contains it (Playwright picks the innermost; waiting on any is the same).
    return exact ? this.#then({ text }) : this.#then({ css: "*" }, { hasText: text });
  }

  filter({ has, hasText }) {
    return this.#then(...(has ? [{ has: has.steps }] : []), ...(hasText !== undefined ? [{ hasText }] : []));
  }

  and(other) {
    return this.#then({ and: other.steps });
  }

  /** Runs `fn(elements, arg)` in the page on what the locator matches now. */
  #run(fn, arg) {
    const script = `const locate = ${LOCATE}; return (${fn})(locate(arguments[0]), arguments[1]);`;
    return this.page.session.cmd("POST", "/execute/sync", { script, args: [this.steps, arg ?? null] });
  }

  count() {
    return this.#run((els) => els.length);
  }

  async waitFor({ state = "visible", timeout } = {}) {
    const check = STATES[state];
    await this.page.poll(() => this.#run(`(els) => (${check})(els)`), `${JSON.stringify(this.steps)} to be ${state}`, timeout);
  }

  /** Whether a match is visible now (no waiting, as Playwright's). */
  isVisible() {
    return this.#run(`(els) => (${STATES.visible})(els)`);
  }

  /** Waits for exactly one match (Playwright's strictness), then runs `fn(element, arg)` on it. */
  async #one(fn, arg) {
    await this.waitFor({ state: "attached" });
    const n = await this.count();
    if (n !== 1) throw new Error(`strict mode: ${JSON.stringify(this.steps)} matches ${n} elements`);
    return this.#run(`(els, arg) => (${fn})(els[0], arg)`, arg);
  }

  getAttribute(name) {
    return this.#one((e, name) => e.getAttribute(name), name);
  }

  textContent() {
    return this.#one((e) => e.textContent);
  }

  inputValue() {
    return this.#one((e) => e.value);
  }

  evaluate(fn) {
    return this.#one(`(e) => (${fn})(e)`);
  }

  /** The WebDriver element reference of the one match, for element commands. */
  async #element() {
    await this.waitFor({ state: "visible" });
    // A web element reference: the W3C identifier key ("element-6066-…") holds the id.
    const found = await this.#one((e) => e);
    const key = Object.keys(found ?? {}).find((k) => k.startsWith("element-6066-"));
    if (!key) throw new Error(`no element reference in ${JSON.stringify(found)}`);
    return found[key];
  }

  async click() {
    await this.page.session.cmd("POST", `/element/${await this.#element()}/click`, {});
  }

  /** A WebDriver click is a pointer press and release: what a tap is to the page here. */
  tap() {
    return this.click();
  }

  async boundingBox() {
    await this.waitFor({ state: "visible" });
    return this.#one((e) => {
      const r = e.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
  }

  async fill(text) {
    const id = await this.#element();
    await this.page.session.cmd("POST", `/element/${id}/clear`, {});
    await this.page.session.cmd("POST", `/element/${id}/value`, { text });
  }

  async press(key) {
    const keys = { Enter: "\uE007" };
    if (!keys[key]) throw new Error(`press(${key}) is not implemented`);
    await this.page.session.cmd("POST", `/element/${await this.#element()}/value`, { text: keys[key] });
  }
}

