// E2E: one connection per browser (inbox-realtime/tabs). Several tabs of one browser profile (Playwright: pages of
// one context; Firefox and WebKit: windows of one WebDriver session) against the dev server: they share one
// Socket.IO connection; the tab holding it can go while messages stream; sends from every tab reach the server once
// each. A renderer crash (CDP) and the example page's DOM checks are Chromium only.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import {
  ENGINE,
  closeBrowser,
  launchBrowser,
  ROOT,
  messagesWithText,
  postJSON,
  sendWebhook,
  shot,
  sleep,
  startDevServer,
  startStaticServer,
  stopProcess,
  tmpDataFile,
  uniqueRoom,
  waitConnected,
} from "./helpers.mjs";

const OUT = path.join(ROOT, "target", "e2e-tabs-page");

async function buildPage() {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const pkg = path.join(ROOT, "pkg");
  await esbuild.build({
    entryPoints: [path.join(ROOT, "tests", "e2e", "tabs-page", "main.mjs")],
    outfile: path.join(OUT, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    alias: {
      "inbox-realtime/react": path.join(pkg, "dist", "react.js"),
      "inbox-realtime/tabs": path.join(pkg, "dist", "tabs", "index.js"),
      "inbox-realtime": path.join(pkg, "dist", "index.js"),
    },
    define: { "process.env.NODE_ENV": '"production"', "process.env.NEXT_PUBLIC_SOCKET_URL": "undefined" },
    logLevel: "warning",
  });
  fs.copyFileSync(path.join(pkg, "wasm", "inbox_realtime_bg.wasm"), path.join(OUT, "inbox_realtime_bg.wasm"));
  fs.writeFileSync(path.join(OUT, "index.html"), '<!doctype html><meta charset="utf-8"><title>tabs</title><script type="module" src="main.js"></script>');
}

/** Polls `f` until it returns a truthy value. */
async function until(what, f, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const health = (server) => fetch(`${server.url}/health`).then((r) => r.json());
/** The room's messages as the dev server stores them. */
const stored = async (server, room) => {
  const body = await fetch(`${server.url}/api/messages?room=${room}&limit=500`).then((r) => r.json());
  return Array.isArray(body) ? body : body.messages;
};
/** Resolves once the tab shows `n` of its sends, each accepted by the server (neither pending nor failed). */
const accepted = (page, n, timeoutMs) =>
  until(`${n} sends accepted in a tab`, async () => {
    const out = await page.evaluate(() => window.tab.outgoing());
    return out.length === n && out.every((m) => m.status !== "pending" && m.status !== "failed");
  }, timeoutMs);
const customer = (server, room, text) => postJSON(`${server.url}/dev/customer-message`, { room_id: room, text, name: "Tab Test" });

const CHROMIUM_ONLY = { skip: ENGINE !== "chromium" && "Chromium only (Playwright)" };

describe(`one connection per browser (tabs) in ${ENGINE}`, () => {
  let browser, server, site, example, dataFile;

  before(async () => {
    await buildPage();
    site = await startStaticServer(OUT);
    example = await startStaticServer(path.join(ROOT, "examples", "web", "dist"));
    dataFile = tmpDataFile("tabs");
    server = await startDevServer({ name: "tabs-dev-server", env: { DATA_FILE: dataFile } });
    browser = await launchBrowser();
  });

  after(async () => {
    await closeBrowser(browser);
    await stopProcess(server?.child);
    await site?.close();
    await example?.close();
  });

  /**
   * `n` tabs of one browser profile on `room`, each connected: `{ pages, close }`, each page with `evaluate` and
   * `close` (and, in Chromium, `crash`).
   */
  async function tabs(n, room) {
    const url = `${site.url}/?server=${encodeURIComponent(server.url)}&room=${room}`;
    let pages;
    let close;
    if (browser.openTabs) {
      ({ tabs: pages, close } = await browser.openTabs(Array.from({ length: n }, () => url)));
    } else {
      const context = await browser.newContext();
      pages = [];
      for (let i = 0; i < n; i++) {
        const page = await context.newPage();
        page.on("pageerror", (e) => assert.fail(`page error: ${e}`));
        await page.goto(url);
        pages.push({
          evaluate: (fn, arg) => page.evaluate(fn, arg),
          close: () => page.close({ runBeforeUnload: true }),
          // A renderer crash: no pagehide, no goodbye; the locks it held are freed by the browser.
          crash: async () => void (await context.newCDPSession(page)).send("Page.crash").catch(() => {}),
        });
      }
      close = () => context.close();
    }
    await until("every tab loaded", async () => (await Promise.all(pages.map((p) => p.evaluate(() => Boolean(window.tab))))).every(Boolean));
    await until("every tab connected", async () => (await Promise.all(pages.map((p) => p.evaluate(() => window.tab.status())))).every((s) => s === "connected")).catch(async (e) => {
      const states = await Promise.all(pages.map((p) => p.evaluate(() => `${window.tab.mode()}/${window.tab.status()} ${window.tab.controlLog().join(" ")}`)));
      throw new Error(`${e.message}: ${states.join(", ")}`);
    });
    return { pages, close };
  }
  const modes = (pages) => Promise.all(pages.map((p) => p.evaluate(() => window.tab.mode())));
  const texts = (page) => page.evaluate(() => window.tab.texts());

  test("5 tabs: 1 Socket.IO connection at the server, one tab holding it; a message shows in every tab once", { timeout: 60_000 }, async () => {
    const room = uniqueRoom();
    const { close, pages } = await tabs(5, room);
    try {
      assert.equal((await health(server)).connections, 1);
      assert.deepEqual((await modes(pages)).sort(), ["follower", "follower", "follower", "follower", "leader"]);
      for (let i = 0; i < 10; i++) await customer(server, room, `hello ${i}`);
      const want = Array.from({ length: 10 }, (_, i) => `hello ${i}`);
      for (const page of pages) await until("10 messages in a tab", async () => (await texts(page)).length === 10);
      for (const page of pages) assert.deepEqual(await texts(page), want);
    } finally {
      await close();
    }
    await until("the connection closed with the last tab", async () => (await health(server)).connections === 0);
  });

  for (const [how, end, opts] of [
    ["closes", (page) => page.close(), {}],
    ["crashes", (page) => page.crash(), CHROMIUM_ONLY],
  ]) {
  test(`the tab holding the connection ${how} while messages stream: another takes over, 0 lost, 0 duplicated`, { timeout: 60_000, ...opts }, async () => {
    const room = uniqueRoom();
    const { close, pages } = await tabs(3, room);
    try {
      const leader = pages[(await modes(pages)).indexOf("leader")];
      const rest = pages.filter((p) => p !== leader);
      const want = Array.from({ length: 60 }, (_, i) => `stream ${i}`);
      let closedAt = 0;
      const streaming = (async () => {
        for (let i = 0; i < want.length; i++) {
          await customer(server, room, want[i]);
          if (i === 20) {
            closedAt = Date.now();
            await end(leader);
          }
          await sleep(20);
        }
      })();
      const tookOver = await until("a new tab holding the connection, connected", async () => {
        const m = await modes(rest);
        const i = m.indexOf("leader");
        return i >= 0 && (await rest[i].evaluate(() => window.tab.status())) === "connected" ? Date.now() : 0;
      });
      await streaming;
      for (const page of rest) {
        await until("60 messages in a remaining tab", async () => (await texts(page)).length >= 60, 20_000);
        const seen = await texts(page);
        assert.deepEqual([...seen].sort(), [...want].sort(), "each message exactly once");
        const ids = await page.evaluate(() => window.tab.ids());
        assert.equal(new Set(ids).size, ids.length);
      }
      assert.equal((await health(server)).connections, 1);
      console.log(`[tabs] takeover (${how}): ${tookOver - closedAt} ms from the holding tab's end to a new one connected`);
    } finally {
      await close();
    }
  });
  }

  test("sends the holding tab made, not yet accepted when it closes, go out once from the next holder", { timeout: 60_000 }, async () => {
    const room = uniqueRoom();
    const { close, pages } = await tabs(2, room);
    try {
      const leader = pages[(await modes(pages)).indexOf("leader")];
      const other = pages.find((p) => p !== leader);
      await postJSON(`${server.url}/dev/fail-sends`, { enabled: true, status: 503 });
      const mine = ["kept 1", "kept 2", "kept 3"];
      for (const text of mine) await leader.evaluate((text) => window.tab.send(text), text);
      await until("the sends shown, waiting, in the other tab", async () => (await other.evaluate(() => window.tab.outgoing())).length === 3);
      await leader.close();
      await until("the other tab holding the connection", async () => (await other.evaluate(() => window.tab.mode())) === "leader");
      await postJSON(`${server.url}/dev/fail-sends`, { enabled: false });
      await accepted(other, 3, 20_000);
      assert.deepEqual((await stored(server, room)).map((m) => m.text).sort(), mine);
    } finally {
      await postJSON(`${server.url}/dev/fail-sends`, { enabled: false });
      await close();
    }
  });

  test("the example page (the hooks share by default): 3 tabs, 1 connection; a customer message and an agent's send show in every tab", { timeout: 60_000, ...CHROMIUM_ONLY }, async () => {
    const room = uniqueRoom();
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    try {
      const pages = [];
      for (let i = 0; i < 3; i++) {
        const page = await context.newPage();
        page.on("pageerror", (e) => assert.fail(`page error: ${e}`));
        await page.goto(`${example.url}/?room=${room}&server=${encodeURIComponent(server.url)}`);
        await waitConnected(page);
        pages.push(page);
      }
      await sleep(300); // the joins reach the server
      assert.equal((await health(server)).connections, 1);
      await sendWebhook(server, room, "Olá from the customer");
      for (const page of pages) await messagesWithText(page, "Olá from the customer").waitFor({ timeout: 5000 });

      const text = `From tab 2 ${Date.now()}`;
      await pages[1].getByPlaceholder("Type a message").fill(text);
      await pages[1].getByPlaceholder("Type a message").press("Enter");
      for (const page of pages) {
        await page.locator(`[data-testid="message"][data-status="sent"], [data-testid="message"][data-status="delivered"], [data-testid="message"][data-status="read"]`).filter({ hasText: text }).waitFor({ timeout: 10_000 });
        assert.equal(await messagesWithText(page, text).count(), 1);
      }
      assert.equal((await stored(server, room)).filter((m) => m.text === text).length, 1);
      await shot(pages[2], "tabs-01-third-tab-shows-a-send-from-the-second");
    } finally {
      await context.close();
    }
  });

  // WebKitGTK: failed once in CI (9d237e0), no send accepted within 30 s after the restart, though it passed in
  // local runs; a window not shown there may not run the holder's timers (its retries and reconnect). Open.
  const NOT_WEBKIT = {};
  test("5 tabs send 20 messages each, 10 rounds of them while the dev server is down (stopped, then started again): each once at the server, shown in every tab", { timeout: 90_000, ...NOT_WEBKIT }, async () => {
    const room = uniqueRoom();
    const { close, pages } = await tabs(5, room);
    try {
      const port = server.port;
      const sent = [];
      for (let round = 0; round < 20; round++) {
        if (round === 5) {
          await stopProcess(server.child);
          await until("every tab disconnected", async () => (await Promise.all(pages.map((p) => p.evaluate(() => window.tab.status())))).every((s) => s !== "connected"));
        }
        if (round === 15) {
          await sleep(500); // attempts fail meanwhile (network): they wait
          server = await startDevServer({ name: "tabs-dev-server-again", port, env: { DATA_FILE: dataFile } });
        }
        for (const [t, page] of pages.entries()) {
          const text = `tab ${t} round ${round}`;
          await page.evaluate((text) => window.tab.send(text), text);
          sent.push(text);
        }
      }
      for (const page of pages) {
        await accepted(page, 100, 45_000);
        assert.deepEqual((await page.evaluate(() => window.tab.outgoing())).map((m) => m.text).sort(), [...sent].sort(), "shown once in every tab");
      }
      assert.deepEqual((await stored(server, room)).map((m) => m.text).sort(), [...sent].sort(), "each once at the server");
      // The socket comes back on its own backoff, still one for the five tabs.
      await until("the shared connection back", async () => (await health(server)).connections === 1);
      await sleep(300);
      assert.equal((await health(server)).connections, 1);
    } finally {
      await close();
    }
  });

  // A browser throttles a hidden tab's timers (WebKitGTK here: a 100 ms interval fires once a second after a few
  // seconds; Chrome: once a second, then once a minute). The holder is often a hidden tab (the agent opened the inbox
  // there first, then works in another), so nothing it passes on may wait for one of its timers.
  // Only WebKitGTK gives the test a hidden tab: Playwright's headless pages are all shown, and Firefox shows the
  // window WebDriver switches to.
  const WEBKIT_ONLY = { skip: ENGINE !== "webkit" && "needs a hidden tab (WebKitGTK's WebDriver tabs)" };
  test("a hidden holding tab passes each message on at once to the tab the agent looks at", { timeout: 60_000, ...WEBKIT_ONLY }, async () => {
    const room = uniqueRoom();
    const url = `${site.url}/?server=${encodeURIComponent(server.url)}&room=${room}`;
    // The first window is the one shown: it opens the page last, so the holder is the hidden second one.
    const { tabs: [shown, hidden], close } = await browser.openTabs(["about:blank", url]);
    try {
      await until("the hidden tab holds the connection", async () => (await hidden.evaluate(() => window.tab?.status())) === "connected");
      await shown.goto(url);
      await until("the shown tab connected through it", async () => (await shown.evaluate(() => window.tab?.status())) === "connected");
      assert.deepEqual([await shown.evaluate(() => [window.tab.mode(), window.tab.visibility()])], [["follower", "visible"]]);
      assert.deepEqual(await hidden.evaluate(() => [window.tab.mode(), window.tab.visibility()]), ["leader", "hidden"]);
      await sleep(3000); // long enough hidden for the throttling to start
      const posted = {};
      for (let i = 0; i < 10; i++) {
        const text = `while hidden ${i}`;
        posted[text] = Date.now();
        await customer(server, room, text);
        await sleep(150);
      }
      await until("all ten shown", async () => (await shown.evaluate(() => window.tab.texts())).filter((t) => t.startsWith("while hidden")).length === 10);
      const arrivals = await shown.evaluate(() => window.tab.arrivals());
      const ids = await shown.evaluate(() => window.tab.texts().map((t, i) => [t, window.tab.ids()[i]]));
      const delays = ids.filter(([t]) => t in posted).map(([t, id]) => arrivals[id] - posted[t]);
      const at = [...new Set(ids.filter(([t]) => t in posted).map(([, id]) => arrivals[id]))];
      console.log(`[tabs] hidden holder → shown tab, 10 messages 150 ms apart: delays ${delays.join(", ")} ms; ${at.length} separate arrivals`);
      // Passed on one at a time, not gathered for a throttled timer (that gives 1–3 arrivals, up to a second late).
      assert.ok(at.length >= 6, `${at.length} separate arrivals for 10 messages 150 ms apart (delays ${delays.join(", ")} ms)`);
    } finally {
      await close();
    }
  });

  test("5 tabs send 20 messages each, some while sends are refused (503): each once at the server, shown in every tab", { timeout: 60_000 }, async () => {
    const room = uniqueRoom();
    const { close, pages } = await tabs(5, room);
    try {
      const sent = [];
      for (let round = 0; round < 20; round++) {
        if (round === 5) await postJSON(`${server.url}/dev/fail-sends`, { enabled: true, status: 503 });
        if (round === 10) await postJSON(`${server.url}/dev/fail-sends`, { enabled: false });
        for (const [t, page] of pages.entries()) {
          const text = `tab ${t} says ${round}`;
          await page.evaluate((text) => window.tab.send(text), text);
          sent.push(text);
        }
      }
      for (const page of pages) {
        await accepted(page, 100, 30_000);
        assert.deepEqual((await page.evaluate(() => window.tab.outgoing())).map((m) => m.text).sort(), [...sent].sort());
        assert.equal(await page.evaluate(() => window.tab.unaccepted()), 0);
      }
      const all = await stored(server, room);
      const byClient = new Map();
      for (const m of all) byClient.set(m.client_id, (byClient.get(m.client_id) ?? 0) + 1);
      assert.equal(all.length, 100, "100 messages at the server");
      assert.equal(byClient.size, 100, "100 distinct client ids");
    } finally {
      await close();
    }
  });
});
