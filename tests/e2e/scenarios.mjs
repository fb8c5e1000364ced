// The e2e scenarios, shared by the example page (web.test.mjs) and the
// Next.js app (nextjs.test.mjs). Each takes a context:
//   { browser, server: { url, port, child }, pageUrl(room, query?), prefix }
// and uses its own conversation (room), so scenarios do not see each other's messages.
import assert from "node:assert/strict";
import {
  assertNoProblems,
  delaySends,
  messagesWithText,
  openPage,
  PHONE,
  postJSON,
  postRaw,
  readRecorder,
  recordMessage,
  saveRecord,
  savedRecords,
  sendWebhook,
  shot,
  sleep,
  TEST_PLAN_WEBHOOK,
  uniqueRoom,
  waitConnected,
} from "./helpers.mjs";

const ORDER = ["pending", "sent", "delivered", "read"];
// Time for join_room to reach the server after the socket reports "connected".
const JOIN_SETTLE_MS = 500;

async function withPage(ctx, room, query, fn, { url = ctx.pageUrl(room, query), device } = {}) {
  const { context, page, problems } = await openPage(ctx.browser, url, device);
  try {
    return await fn(page, problems);
  } catch (err) {
    await shot(page, `${ctx.prefix}-FAILED-${Date.now()}`).catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
}

/** (1) The connection dot turns green with data-status="connected". */
export async function connectionDot(ctx) {
  await withPage(ctx, uniqueRoom(), "", async (page, problems) => {
    await waitConnected(page);
    const dot = page.getByTestId("conn-dot");
    const color = await dot.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(color, "rgb(37, 211, 102)", "connected dot is green");
    await shot(page, `${ctx.prefix}-01-connected`);
    await assertNoProblems(assert, problems);
  });
}

/** (2) A WhatsApp webhook POST shows the customer's message without a reload. */
export async function webhookAppears(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    await page.evaluate(() => (window.__sameDocument = true));
    const text = `Hola desde WhatsApp ${Date.now()}`;
    await sendWebhook(ctx.server, room, text);
    const msg = messagesWithText(page, text);
    await msg.waitFor({ state: "visible", timeout: 5000 });
    assert.equal(await msg.count(), 1);
    assert.equal(await msg.getAttribute("data-direction"), "incoming");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "page was not reloaded");
    await shot(page, `${ctx.prefix}-02-webhook-message`);
    await assertNoProblems(assert, problems);
  });
}

/**
 * (3) Enter shows the message at once with a clock, then ✓, ✓✓ and blue ✓✓,
 * never as two rows. The first send's HTTP request is held 800 ms so the
 * clock can be seen; the second is not delayed (socket echo vs HTTP reply race).
 */
export async function sendTicks(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    await delaySends(page, 800);

    const text = `Agent reply ${Date.now()}`;
    await recordMessage(page, text);
    const input = page.getByTestId("send-input");
    await input.fill(text);
    await input.press("Enter");
    const msg = messagesWithText(page, text);
    await msg.waitFor({ state: "visible", timeout: 500 }); // optimistic: before the HTTP reply
    assert.equal(await msg.getAttribute("data-status"), "pending");
    assert.equal(await msg.locator(".tick").getAttribute("data-tick"), "pending");
    assert.equal(await msg.locator(".tick svg").count(), 1, "clock icon");
    assert.equal(await msg.locator(".tick").evaluate((el) => getComputedStyle(el).color), "rgb(134, 150, 160)", "clock is grey");
    assert.equal(await input.inputValue(), "", "send box cleared");
    await shot(page, `${ctx.prefix}-03a-pending-clock`);

    await msg.and(page.locator('[data-status="delivered"]')).waitFor({ timeout: 5000 });
    assert.equal(await msg.locator(".tick").textContent(), "✓✓");
    assert.equal(await msg.locator(".tick").evaluate((el) => getComputedStyle(el).color), "rgb(134, 150, 160)", "delivered ticks are grey");
    await shot(page, `${ctx.prefix}-03b-delivered`);
    await msg.and(page.locator('[data-status="read"]')).waitFor({ timeout: 6000 });
    const tick = msg.locator(".tick");
    assert.equal(await tick.textContent(), "✓✓");
    assert.equal(await tick.evaluate((el) => getComputedStyle(el).color), "rgb(83, 189, 235)", "read ticks are blue");
    await shot(page, `${ctx.prefix}-03c-read-blue`);

    const rec = await readRecorder(page, text);
    assert.ok(Math.max(...rec.counts) === 1, `never more than one row (counts seen: ${[...new Set(rec.counts)]})`);
    assert.equal(rec.counts.at(-1), 1);
    assert.deepEqual(rec.statuses, ORDER, "status went pending → sent → delivered → read");

    // Undelayed send: the socket's new_message and the HTTP reply race.
    await page.unrouteAll({ behavior: "wait" });
    const fast = `Fast reply ${Date.now()}`;
    await recordMessage(page, fast);
    await input.fill(fast);
    await input.press("Enter");
    const fastMsg = messagesWithText(page, fast);
    await fastMsg.and(page.locator('[data-status="read"]')).waitFor({ timeout: 8000 });
    await sleep(300);
    const rec2 = await readRecorder(page, fast);
    assert.equal(Math.max(...rec2.counts), 1, "undelayed send never shows two rows");
    assert.equal(rec2.counts.at(-1), 1);
    assert.equal(rec2.statuses[0], "pending");
    assert.deepEqual(rec2.statuses, ORDER.filter((s) => rec2.statuses.includes(s)), `statuses only move forward: ${rec2.statuses}`);
    assert.equal(await messagesWithText(page, text).count(), 1, "first message still exactly once");
    await assertNoProblems(assert, problems);
  });
}

/** (4) POST /dev/typing shows the dots; they go away by themselves after ~3 s. */
export async function typingDots(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    const typing = page.getByTestId("typing");
    assert.equal(await typing.count(), 0);
    const t0 = Date.now();
    await postJSON(`${ctx.server.url}/dev/typing`, { room_id: room });
    await typing.waitFor({ state: "visible", timeout: 3000 });
    await shot(page, `${ctx.prefix}-04-typing`);
    await typing.waitFor({ state: "detached", timeout: 8000 });
    const shownFor = Date.now() - t0;
    assert.ok(shownFor >= 2000 && shownFor <= 6000, `dots hidden after ${shownFor} ms (expected ~3000)`);
    await assertNoProblems(assert, problems);
  });
}

/**
 * (5) Kill the server (SIGKILL) and start it again on the same port with the
 * same DATA_FILE: the dot goes red, then green, the rooms are re-joined (a
 * webhook after the restart shows up) and the history is not duplicated.
 * ctx.restart() must start the server again on the same port.
 */
export async function serverRestart(ctx) {
  const room = uniqueRoom();
  return withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    const before = `Before restart ${Date.now()}`;
    await sendWebhook(ctx.server, room, before);
    await messagesWithText(page, before).waitFor({ timeout: 5000 });

    await ctx.kill();
    await page.waitForSelector('[data-testid="conn-dot"]:not([data-status="connected"])', { timeout: 10_000 });
    const dot = page.getByTestId("conn-dot");
    assert.equal(await dot.evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(217, 48, 37)", "dot is red");
    const downStatus = await dot.getAttribute("data-status");
    assert.ok(["reconnecting", "disconnected", "connecting", "error"].includes(downStatus), downStatus);
    await shot(page, `${ctx.prefix}-05a-server-down`);
    await sleep(1500);

    await ctx.restart();
    const t0 = Date.now();
    await waitConnected(page, 20_000);
    const reconnectMs = Date.now() - t0;
    await sleep(JOIN_SETTLE_MS);
    const after = `After restart ${Date.now()}`;
    await sendWebhook(ctx.server, room, after);
    await messagesWithText(page, after).waitFor({ timeout: 5000 });
    assert.equal(await messagesWithText(page, before).count(), 1, "message from before the restart shown once");
    await shot(page, `${ctx.prefix}-05b-reconnected`);
    await assertNoProblems(assert, problems);
    return reconnectMs;
  });
}

/** (6a) A send the server refuses for good (fail mode: 422) is removed again with keepFailed off. */
export async function failedSendRemoved(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "keepFailed=0", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    await postJSON(`${ctx.server.url}/dev/fail-sends`, { enabled: true });
    try {
      const text = `Doomed ${Date.now()}`;
      await recordMessage(page, text);
      await page.getByTestId("send-input").fill(text);
      await page.getByTestId("send-input").press("Enter");
      await page.waitForFunction((t) => (window.__e2eRec[t].counts.at(-1) ?? 0) === 0 && window.__e2eRec[t].statuses.length > 0, text, {
        timeout: 10_000,
      });
      const rec = await readRecorder(page, text);
      assert.equal(rec.statuses[0], "pending", "shown optimistically first");
      assert.ok(!rec.statuses.includes("sent"), `never marked sent: ${rec.statuses}`);
      assert.equal(await messagesWithText(page, text).count(), 0, "failed message removed");
      await shot(page, `${ctx.prefix}-06a-failed-removed`);
    } finally {
      await postJSON(`${ctx.server.url}/dev/fail-sends`, { enabled: false });
    }
    await assertNoProblems(assert, problems);
  });
}

/** (6b) By default (keepFailed) a refused message stays with a red "!" and Retry; Retry after the outage delivers it once. */
export async function failedSendKept(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    await postJSON(`${ctx.server.url}/dev/fail-sends`, { enabled: true });
    const text = `Kept ${Date.now()}`;
    const msg = messagesWithText(page, text);
    try {
      await recordMessage(page, text);
      await page.getByTestId("send-input").fill(text);
      await page.getByTestId("send-input").press("Enter");
      await msg.and(page.locator('[data-status="failed"]')).waitFor({ timeout: 10_000 });
      const tick = msg.locator(".tick");
      assert.equal(await tick.textContent(), "!");
      assert.equal(await tick.evaluate((el) => getComputedStyle(el).color), "rgb(217, 48, 37)", "failed mark is red");
      await msg.getByTestId("retry").waitFor();
      await shot(page, `${ctx.prefix}-06b-failed-kept`);
    } finally {
      await postJSON(`${ctx.server.url}/dev/fail-sends`, { enabled: false });
    }
    await msg.getByTestId("retry").click();
    await msg.and(page.locator('[data-status="read"]')).waitFor({ timeout: 10_000 });
    await sleep(300);
    const rec = await readRecorder(page, text);
    assert.equal(Math.max(...rec.counts), 1, "retried message never shown twice");
    assert.equal(await msg.count(), 1);
    await shot(page, `${ctx.prefix}-06c-retried-read`);
    await assertNoProblems(assert, problems);
  });
}

/**
 * (11) The outbox: with the server down (killed), three sends are queued, shown pending and "waiting for network";
 * once the server is back (ctx.restart on the same port and DATA_FILE) all three are delivered without a click,
 * each exactly once (counted by client_id on the server), in the order typed. ctx.kill / ctx.restart as in (5).
 */
export async function outboxServerDown(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    await ctx.kill();
    await page.waitForSelector('[data-testid="conn-dot"]:not([data-status="connected"])', { timeout: 10_000 });
    const stamp = Date.now();
    const texts = [1, 2, 3].map((n) => `Outbox ${n} ${stamp}`);
    const input = page.getByTestId("send-input");
    for (const text of texts) {
      await input.fill(text);
      await input.press("Enter");
      // Cleared only once the message is safely in the outbox.
      await page.waitForFunction(() => document.querySelector('[data-testid="send-input"]').value === "");
    }
    for (const text of texts) {
      await messagesWithText(page, text).and(page.locator('[data-status="pending"]')).waitFor({ timeout: 5000 });
    }
    // The first attempt fails (connection refused): shown as waiting for the network, never as failed.
    await messagesWithText(page, texts[0]).getByTestId("waiting").waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-status="failed"]').count(), 0, "nothing failed");
    await shot(page, `${ctx.prefix}-11a-outbox-waiting`);
    await sleep(1500);

    await ctx.restart();
    // No click: the reconnect wakes the outbox.
    for (const text of texts) {
      await messagesWithText(page, text).and(page.locator('[data-status="read"]')).waitFor({ timeout: 30_000 });
    }
    await shot(page, `${ctx.prefix}-11b-outbox-delivered`);
    const keys = await Promise.all(texts.map((t) => messagesWithText(page, t).getAttribute("data-key")));

    const res = await fetch(`${ctx.server.url}/api/messages?room=${room}&limit=100`);
    const { messages } = await res.json();
    const ours = messages.filter((m) => texts.includes(m.text)).sort((a, b) => a.timestamp - b.timestamp);
    assert.deepEqual(ours.map((m) => m.text), texts, "each delivered once, in the order typed");
    assert.deepEqual(ours.map((m) => m.client_id), keys, "by the page's client ids");
    for (const key of keys) assert.equal(messages.filter((m) => m.client_id === key).length, 1, `client_id ${key} once`);
    for (const text of texts) assert.equal(await messagesWithText(page, text).count(), 1, `${text} shown once`);
    assertNoProblems(assert, problems);
  });
}

/**
 * (12) The outbox survives a reload: a send whose request has not been answered (held in the browser) is on disk
 * (IndexedDB) once the composer clears; after a reload it is shown at once as pending with the same key, then
 * delivered, exactly once by client_id on the server.
 */
export async function outboxSurvivesReload(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    let held = 0;
    // The server never answers this page's send (the request never leaves the browser).
    await page.route("**/api/messages*", (route) => {
      if (route.request().method() !== "POST") return route.continue();
      held += 1;
    });
    const text = `Survives reload ${Date.now()}`;
    await page.getByTestId("send-input").fill(text);
    await page.getByTestId("send-input").press("Enter");
    await page.waitForFunction(() => document.querySelector('[data-testid="send-input"]').value === "");
    const msg = messagesWithText(page, text);
    const key = await msg.getAttribute("data-key");
    assert.equal(await msg.getAttribute("data-status"), "pending");
    while (held === 0) await sleep(50);

    // Added on top of the holding route (unroute would release the held request): after the reload sends go
    // out, slowly enough to see the restored message pending first.
    await delaySends(page, 1500);
    await page.reload({ waitUntil: "load" });
    await msg.and(page.locator('[data-status="pending"]')).waitFor({ timeout: 5000 });
    await page.getByTestId("outbox-memory").waitFor({ state: "detached", timeout: 5000 }); // IndexedDB in use
    assert.equal(await msg.getAttribute("data-key"), key, "the same send, restored");
    await shot(page, `${ctx.prefix}-12a-restored-pending`);
    await msg.and(page.locator('[data-status="read"]')).waitFor({ timeout: 15_000 });
    await sleep(300);
    assert.equal(await msg.count(), 1, "shown once");
    const { messages } = await (await fetch(`${ctx.server.url}/api/messages?room=${room}&limit=100`)).json();
    assert.equal(messages.filter((m) => m.client_id === key).length, 1, "delivered exactly once");
    assert.equal(messages.filter((m) => m.text === text).length, 1);
    assertNoProblems(assert, problems);
  });
}

/**
 * (13) Two tabs with a connection each (`?tabs=0`, `shareAcrossTabs: false`), one saved outbox: a tab opened while
 * another owns an unsent entry (its Web Lock) neither shows nor sends it; once the owner is gone, a reload restores
 * and delivers it, once. A corrupt record in the database is skipped with a typed warning and breaks nothing.
 * (Shared across tabs, the default, both tabs show the one outbox's send: tests/e2e/tabs.test.mjs.)
 */
export async function outboxTwoTabs(ctx) {
  const room = uniqueRoom();
  const context = await ctx.browser.newContext({ viewport: { width: 1100, height: 720 } });
  const errors = [];
  const logs = [];
  try {
    const open = async () => {
      const page = await context.newPage();
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => logs.push(m.text()));
      await page.goto(ctx.pageUrl(room, "tabs=0"), { waitUntil: "load" });
      await waitConnected(page);
      return page;
    };
    const a = await open();
    await sleep(JOIN_SETTLE_MS);
    await a.route("**/api/messages*", (route) => (route.request().method() === "POST" ? undefined : route.continue()));
    const text = `Two tabs ${Date.now()}`;
    await a.getByTestId("send-input").fill(text);
    await a.getByTestId("send-input").press("Enter");
    await a.waitForFunction(() => document.querySelector('[data-testid="send-input"]').value === "");
    const key = await messagesWithText(a, text).getAttribute("data-key");
    await saveRecord(a, "entries", { v: 1, scope: ctx.server.url, user_key: "zz", client_id: "corrupt-1", state: "waiting" });

    const b = await open();
    await sleep(2000);
    assert.equal(await messagesWithText(b, text).count(), 0, "not restored in the second tab while the first owns it");
    const count = async () => {
      const { messages } = await (await fetch(`${ctx.server.url}/api/messages?room=${room}&limit=100`)).json();
      return messages.filter((m) => m.client_id === key).length;
    };
    assert.equal(await count(), 0, "not sent by the second tab");
    assert.ok(logs.some((l) => l.includes("not a valid entry")), "corrupt record reported");

    await a.close(); // its locks go with it
    await b.reload({ waitUntil: "load" });
    // (Closing the first tab may release its held request to the server: then history brings it, under the
    // server's id, and the saved copy is recognised as delivered.)
    await messagesWithText(b, text).and(b.locator('[data-status="read"]')).waitFor({ timeout: 15_000 });
    await sleep(300);
    assert.equal(await count(), 1, "delivered exactly once");
    assert.equal(await messagesWithText(b, text).count(), 1);
    assert.deepEqual(errors, [], "uncaught errors in the pages");
  } finally {
    await context.close();
  }
}

/**
 * (14) Idempotent sends: the server stores the first attempt but its answer is lost (the browser sees a network
 * error); the outbox sends again with the same client_id and the dev server answers with the stored message, so
 * it exists once on the server and once on the page.
 */
export async function outboxLostAnswer(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    const bodies = [];
    await page.route("**/api/messages*", async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      bodies.push(route.request().postDataJSON());
      if (bodies.length > 1) return route.continue();
      await route.fetch(); // reaches the server…
      await route.abort("failed"); // …but the page never hears back
    });
    // No socket meanwhile, so the echo cannot confirm it first: only the second attempt's answer can.
    await page.evaluate(() => window.inbox.socket.disconnect());
    const text = `Lost answer ${Date.now()}`;
    await recordMessage(page, text);
    await page.getByTestId("send-input").fill(text);
    await page.getByTestId("send-input").press("Enter");
    const msg = messagesWithText(page, text);
    await msg.and(page.locator('[data-status="sent"]')).waitFor({ timeout: 15_000 });
    await page.evaluate(() => window.inbox.socket.connect());
    await msg.and(page.locator('[data-status="read"]')).waitFor({ timeout: 15_000 });
    await sleep(300);
    assert.ok(bodies.length >= 2, `sent again (${bodies.length} attempts)`);
    assert.equal(new Set(bodies.map((b) => b.client_id)).size, 1, "the same client_id every attempt");
    const { messages } = await (await fetch(`${ctx.server.url}/api/messages?room=${room}&limit=100`)).json();
    assert.equal(messages.filter((m) => m.client_id === bodies[0].client_id).length, 1, "stored once");
    const rec = await readRecorder(page, text);
    assert.equal(Math.max(...rec.counts), 1, "never shown twice");
    assertNoProblems(assert, problems);
  });
}

/** (15) Without IndexedDB the outbox runs in memory: the page says so, and sending still works. */
export async function outboxMemoryFallback(ctx) {
  const room = uniqueRoom();
  const context = await ctx.browser.newContext({ viewport: { width: 1100, height: 720 } });
  try {
    await context.addInitScript(() => Object.defineProperty(window, "indexedDB", { value: undefined }));
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(ctx.pageUrl(room), { waitUntil: "load" });
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    const text = `Memory only ${Date.now()}`;
    await page.getByTestId("send-input").fill(text);
    await page.getByTestId("send-input").press("Enter");
    await messagesWithText(page, text).and(page.locator('[data-status="read"]')).waitFor({ timeout: 15_000 });
    assert.ok(await page.getByTestId("outbox-memory").isVisible(), "memory-only flag shown");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
}

/**
 * (16) A reload opens the last conversation from the device's copy before the socket connects (messages marked
 * cached), then the resync brings what the customer wrote meanwhile: each message once. The socket (WebSocket and
 * polling) and the REST API are refused until released, so what is on screen first can only come from IndexedDB.
 * A saved copy of an older schema is skipped with a typed warning.
 */
export async function cachedConversationReload(ctx) {
  const room = uniqueRoom();
  const context = await ctx.browser.newContext({ viewport: { width: 1100, height: 720 } });
  const errors = [];
  try {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(ctx.pageUrl(room), { waitUntil: "load" });
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    const stamp = Date.now();
    const before = [`Cached first ${stamp}`, `Cached second ${stamp}`];
    for (const text of before) await sendWebhook(ctx.server, room, text);
    await messagesWithText(page, before[1]).waitFor({ timeout: 10_000 });
    await sleep(800); // the copy is written a moment (300 ms) after the room's last change

    let released = false;
    await context.routeWebSocket(/socket\.io/, (ws) => (released ? ws.connectToServer() : ws.close()));
    await context.route("**/socket.io/**", (route) => (released ? route.continue() : route.abort()));
    // The REST API too (the sidebar's list, history): what shows before the release can only come from IndexedDB.
    await context.route("**/api/**", (route) => (released ? route.continue() : route.abort()));
    await page.reload({ waitUntil: "load" });
    for (const text of before) {
      const msg = messagesWithText(page, text);
      await msg.waitFor({ timeout: 5000 });
      assert.equal(await msg.getAttribute("data-cached"), "true", "shown from the device's copy");
    }
    assert.notEqual(await page.getByTestId("conn-dot").getAttribute("data-status"), "connected", "before the socket connects");
    assert.equal(await page.locator(".loading").count(), 0, "not loading: the copy is shown");
    await page.getByTestId("cache-note").waitFor({ timeout: 2000 });
    await shot(page, `${ctx.prefix}-16a-cached-before-connect`);

    // The customer writes while this page has no socket.
    const meanwhile = [`Meanwhile first ${stamp}`, `Meanwhile second ${stamp}`];
    for (const text of meanwhile) await sendWebhook(ctx.server, room, text);
    for (const text of [...before, ...meanwhile]) await recordMessage(page, text);
    await sleep(500);
    assert.equal(await messagesWithText(page, meanwhile[0]).count(), 0, "no socket yet, no resync yet");

    released = true;
    await waitConnected(page, 25_000);
    for (const text of meanwhile) await messagesWithText(page, text).waitFor({ timeout: 15_000 });
    await sleep(500);
    for (const text of [...before, ...meanwhile]) {
      assert.equal(await messagesWithText(page, text).count(), 1, `${text}: shown once`);
      assert.equal(Math.max(...(await readRecorder(page, text)).counts), 1, `${text}: never shown twice`);
    }
    // The overlap brought the cached ones again: no longer marked.
    assert.equal(await messagesWithText(page, before[1]).getAttribute("data-cached"), null);
    await page.getByTestId("cache-note").waitFor({ state: "detached", timeout: 5000 });
    await shot(page, `${ctx.prefix}-16b-resynced`);

    // A saved conversation this version cannot read (an older schema) is skipped with a typed warning and dropped;
    // the room loads from the server as if it had none.
    const other = uniqueRoom();
    await sendWebhook(ctx.server, other, `Other room ${stamp}`);
    const key = [ctx.server.url, "agent-1", other]; // scope = the socket URL, identity = the page's agent
    await saveRecord(page, "rooms", { v: 0, scope: key[0], identity: key[1], room_id: key[2], msgs: "old shape" });
    const logs = [];
    page.on("console", (m) => logs.push(m.text()));
    await page.goto(ctx.pageUrl(other), { waitUntil: "load" });
    await messagesWithText(page, `Other room ${stamp}`).waitFor({ timeout: 10_000 });
    assert.ok(logs.some((l) => l.includes("cannot read")), "the unreadable copy is reported");
    const left = (await savedRecords(page, "rooms")).filter((r) => r.room_id === other && r.v === 0);
    assert.equal(left.length, 0, "and dropped");
    assert.deepEqual(errors, [], "uncaught errors in the page");
  } finally {
    await context.close();
  }
}

/**
 * (17) Saved sends belong to the agent who made them: signed in as another agent in the same browser, they are
 * neither shown nor sent; back as the first agent they are restored; after "Clear data on this device"
 * (clearLocalData) they are gone for good.
 */
export async function outboxPerIdentity(ctx) {
  const room = uniqueRoom();
  const context = await ctx.browser.newContext({ viewport: { width: 1100, height: 720 } });
  const errors = [];
  try {
    // Agent A's sends never reach the server in this test; B's go through.
    await context.route("**/api/messages*", (route) =>
      route.request().method() === "POST" && route.request().postDataJSON()?.user_id === "agent-a" ? undefined : route.continue(),
    );
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    const as = async (agent) => {
      await page.goto(ctx.pageUrl(room, `agent=${agent}`), { waitUntil: "load" });
      await waitConnected(page);
    };
    await as("agent-a");
    await sleep(JOIN_SETTLE_MS);
    const text = `Agent A only ${Date.now()}`;
    await page.getByTestId("send-input").fill(text);
    await page.getByTestId("send-input").press("Enter");
    await page.waitForFunction(() => document.querySelector('[data-testid="send-input"]').value === "");

    await as("agent-b");
    await sleep(2000);
    assert.equal(await messagesWithText(page, text).count(), 0, "not restored into another agent's outbox");
    const onServer = async () => {
      const { messages } = await (await fetch(`${ctx.server.url}/api/messages?room=${room}&limit=100`)).json();
      return messages.filter((m) => m.text === text).length;
    };
    assert.equal(await onServer(), 0, "not sent as another agent");

    await as("agent-a");
    await messagesWithText(page, text).waitFor({ timeout: 5000 });
    await page.getByTestId("clear-local").click();
    await page.waitForURL(/agent=agent-a/);
    await waitConnected(page);
    await sleep(1500);
    assert.equal(await messagesWithText(page, text).count(), 0, "cleared from the device");
    const saved = (await savedRecords(page, "entries")).filter((r) => r.identity === "agent-a");
    assert.equal(saved.length, 0, "agent-a's saved sends deleted");
    assert.equal(await onServer(), 0);
    assert.deepEqual(errors, [], "uncaught errors in the page");
  } finally {
    await context.close();
  }
}

/**
 * (18) A send the server keeps answering 503 (Retry-After: 120) is saved again after each failed attempt, with its
 * attempt count and next attempt: the record on disk says so, and after a reload the count goes on (the backoff
 * grows from it) and the entry still waits out Retry-After instead of starting over.
 */
export async function outboxBackoffSaved(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    await page.context().route("**/api/messages*", (route) =>
      route.request().method() === "POST"
        ? route.fulfill({ status: 503, headers: { "retry-after": "120" }, contentType: "application/json", body: '{"error":"busy"}' })
        : route.continue(),
    );
    const text = `Busy server ${Date.now()}`;
    await page.getByTestId("send-input").fill(text);
    await page.getByTestId("send-input").press("Enter");
    await messagesWithText(page, text).getByTestId("waiting").waitFor({ timeout: 10_000 });
    const saved = async () => (await savedRecords(page, "entries")).find((r) => r.text === text) ?? null;
    let record = null;
    for (let i = 0; i < 20 && !(record?.attempts >= 1); i++) {
      await sleep(100);
      record = await saved();
    }
    assert.ok(record?.attempts >= 1, `the failed attempt is saved (${JSON.stringify(record)})`);
    assert.ok(record.next_attempt > Date.now() + 60_000, "with Retry-After's next attempt");
    await page.reload({ waitUntil: "load" });
    await messagesWithText(page, text).getByTestId("waiting").waitFor({ timeout: 10_000 });
    // Waiting (not in the middle of an attempt the reconnect may have woken: that one gets Retry-After again).
    let entry = null;
    for (let i = 0; i < 50 && entry?.state !== "waiting"; i++) {
      if (i) await sleep(100);
      // Shared across tabs (the default), the outbox is read from the tab holding it: a promise.
      entry = await page.evaluate(async (text) => (await window.inbox.store.outbox()).find((e) => e.text === text), text);
    }
    assert.ok(entry.attempts >= record.attempts, `the count goes on after the reload (${record.attempts} -> ${entry.attempts})`);
    assert.ok(entry.next_attempt > Date.now() + 60_000, "still waiting out Retry-After");
    await assertNoProblems(assert, problems);
  });
}

/**
 * (19) The server goes down; a reload then has nothing but the device: the conversation shows from its copy (marked
 * cached) and the message typed during the outage is restored pending with its key. When the server is back, the
 * message is delivered once (by client_id on the server) and what the customer wrote meanwhile appears once. No
 * request interception: the page is served apart from the dev server (ctx.pageUrl), which is really stopped, so it
 * runs in every engine.
 */
export async function reloadWhileServerDown(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    const stamp = Date.now();
    const before = `Before the outage ${stamp}`;
    await sendWebhook(ctx.server, room, before);
    await messagesWithText(page, before).waitFor({ timeout: 10_000 });
    await sleep(800); // the copy is written a moment (300 ms) after the room's last change
    await ctx.kill();
    await page.waitForSelector('[data-testid="conn-dot"]:not([data-status="connected"])', { timeout: 10_000 });
    const text = `Typed during the outage ${stamp}`;
    await page.getByTestId("send-input").fill(text);
    await page.getByTestId("send-input").press("Enter");
    await page.waitForFunction(() => document.querySelector('[data-testid="send-input"]').value === "");
    const key = await messagesWithText(page, text).getAttribute("data-key");

    await page.goto(ctx.pageUrl(room)); // the reload: the server is still down
    await messagesWithText(page, before).waitFor({ timeout: 10_000 });
    assert.equal(await messagesWithText(page, before).getAttribute("data-cached"), "true", "shown from the device's copy");
    await messagesWithText(page, text).and(page.locator('[data-status="pending"]')).waitFor({ timeout: 10_000 });
    assert.equal(await messagesWithText(page, text).getAttribute("data-key"), key, "the same send, restored");
    await shot(page, `${ctx.prefix}-19a-reloaded-offline`);

    await ctx.restart();
    const meanwhile = `Meanwhile ${stamp}`;
    await sendWebhook(ctx.server, room, meanwhile);
    await messagesWithText(page, text).and(page.locator('[data-status="read"]')).waitFor({ timeout: 30_000 });
    await messagesWithText(page, meanwhile).waitFor({ timeout: 15_000 });
    await sleep(500);
    for (const t of [before, text, meanwhile]) assert.equal(await messagesWithText(page, t).count(), 1, `${t}: shown once`);
    const { messages } = await (await fetch(`${ctx.server.url}/api/messages?room=${room}&limit=100`)).json();
    assert.equal(messages.filter((m) => m.client_id === key).length, 1, "delivered exactly once");
    await shot(page, `${ctx.prefix}-19b-back`);
    await assertNoProblems(assert, problems);
  });
}

/** (7) Markup in a customer's message is shown as text, never run. */
export async function xssAsText(ctx) {
  const room = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    const payloads = ["<img src=x onerror=alert(1)>", "<script>window.__pwned=1</script>", '"><svg onload=alert(2)>'];
    for (const p of payloads) await sendWebhook(ctx.server, room, p);
    for (const p of payloads) await messagesWithText(page, p).waitFor({ timeout: 5000 });
    await sleep(500); // give any injected handler a chance to fire
    const list = page.getByTestId("message-list");
    assert.equal(await list.locator("img").count(), 0, "no <img> in the message list");
    assert.equal(await list.locator("script").count(), 0, "no <script> in the message list");
    assert.equal(await list.locator("svg").count(), 0, "no <svg> in the message list");
    assert.equal(await page.evaluate(() => window.__pwned), undefined, "script did not run");
    await problems.refresh?.();
    assert.deepEqual(problems.dialogs, [], "no alert() fired");
    for (const p of payloads) assert.equal(await messagesWithText(page, p).count(), 1, `shown once as text: ${p}`);
    await shot(page, `${ctx.prefix}-07-xss-as-text`);
    await assertNoProblems(assert, problems);
  });
}

/** (8, example page) Sidebar: a message for another conversation adds it with an unread badge; opening it clears the badge. */
export async function sidebarUnread(ctx) {
  const room = uniqueRoom();
  const other = uniqueRoom();
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    await sendWebhook(ctx.server, other, "First question", { name: "Other Customer" });
    await sendWebhook(ctx.server, other, "Second question", { name: "Other Customer" });
    const item = page.locator(`[data-testid="room-item"][data-room="${other}"]`);
    await item.getByTestId("unread").filter({ hasText: "2" }).waitFor({ timeout: 5000 });
    assert.match(await item.textContent(), /Second question/);
    await shot(page, `${ctx.prefix}-08a-sidebar-unread`);
    await item.click();
    await page.getByTestId("active-room").filter({ hasText: other }).waitFor();
    await messagesWithText(page, "Second question").waitFor({ timeout: 5000 });
    await messagesWithText(page, "First question").waitFor({ timeout: 5000 });
    await item.getByTestId("unread").waitFor({ state: "detached", timeout: 5000 });
    await shot(page, `${ctx.prefix}-08b-sidebar-opened`);
    await assertNoProblems(assert, problems);
  });
}

/**
 * (9) The original inbox's test plan, "Test Real-time Messages", to the letter: its webhook JSON exactly as written
 * (no `field`, a timestamp from October 2023) posted to the dev server shows "Hello from customer!" in the chat
 * window without a reload, with its date. Also its troubleshooting lines: the example page turns the client's
 * `debug` option on (ctx.debugLog), and the room shows the contact's name (ctx.sidebar).
 */
export async function testPlanWebhook(ctx) {
  const room = "628123456789"; // the payload's `from`
  await withPage(ctx, room, "", async (page, problems) => {
    await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    await page.evaluate(() => (window.__sameDocument = true));
    const reply = await postRaw(`${ctx.server.url}/webhook/whatsapp`, TEST_PLAN_WEBHOOK);
    assert.deepEqual(reply, { ok: true, messages: 1, statuses: 0 });
    const msg = messagesWithText(page, "Hello from customer!");
    await msg.waitFor({ state: "visible", timeout: 5000 });
    assert.equal(await msg.count(), 1);
    assert.equal(await msg.getAttribute("data-direction"), "incoming");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "page was not reloaded");
    // 1698048000 s: not today, so the date shows with the time.
    const time = msg.locator("time");
    assert.equal(await time.getAttribute("datetime"), "2023-10-23T08:00:00.000Z");
    assert.match(await time.textContent(), /2023/, "a message from another day shows its date");
    assert.match(ctx.server.child.output(), /\[webhook\] {3}applied message wamid\.test123 in room 628123456789 \(Test Customer\)/);
    if (ctx.sidebar) {
      const item = page.locator(`[data-testid="room-item"][data-room="${room}"]`);
      assert.equal(await item.getByTestId("room-name").textContent(), "Test Customer");
      await page.locator(".chat-name", { hasText: "Test Customer" }).waitFor();
    }
    if (ctx.debugLog) {
      const id = await page.evaluate(() => window.inbox.socket.id);
      await problems.refresh?.(); // WebDriver engines read the page's record
      const logs = problems.logs;
      // Playwright records from the first script on: the connect and join lines must be there. A WebDriver engine
      // records only from after the load (see webdriver.mjs), by when the socket may have connected and joined, and
      // `window.inbox` (set by an effect) may not say so yet: there only the line logged after the webhook is checked.
      if (!problems.recordsFromLoad) {
        assert.ok(logs.includes(`✅ Socket connected: ${id}`), `console: ${logs.join(" | ")}`);
        assert.ok(logs.includes(`📨 Joining room: ${room}`), `console: ${logs.join(" | ")}`);
      }
      assert.ok(logs.some((l) => /^📩 New message: .*Hello from customer!/.test(l)), `console: ${logs.join(" | ")}`);
    }
    await shot(page, `${ctx.prefix}-09-test-plan-webhook`);
    assertNoProblems(assert, problems);
  });
}

/**
 * Whether anything scrolls or spills sideways: the page wider than the viewport (or a sideways scroll that moves),
 * or any element whose content is wider than its box without being deliberately clipped (an ellipsis is; a
 * message list that scrolls sideways, or a bubble a long link sticks out of, is not).
 */
const horizontalOverflow = (page) =>
  page.evaluate(() => {
    window.scrollTo(50, 0);
    const moved = window.scrollX;
    window.scrollTo(0, 0);
    const width = window.innerWidth;
    const spills = [...document.querySelectorAll("body *")]
      .filter((el) => {
        const x = getComputedStyle(el).overflowX;
        return x !== "hidden" && x !== "clip" && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0;
      })
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ${el.scrollWidth}>${el.clientWidth}`);
    return { scrollWidth: document.documentElement.scrollWidth, bodyWidth: document.body.scrollWidth, width, moved, spills };
  });

async function assertNoHorizontalScroll(page, where) {
  const o = await horizontalOverflow(page);
  const ok = o.scrollWidth <= o.width && o.bodyWidth <= o.width && o.moved === 0 && o.spills.length === 0;
  assert.ok(ok, `${where}: horizontal overflow ${JSON.stringify(o)}`);
}

/**
 * (10, example page) On a phone (390 × 844): no horizontal scrolling, the list first, a tap opens the conversation
 * (sidebar out of the way), sending works (clock, then ticks), a long unbroken text wraps, back returns to the list.
 */
export async function phoneLayout(ctx) {
  const room = uniqueRoom();
  await sendWebhook(ctx.server, room, "Do you deliver to Bandung?", { name: "Phone Customer" });
  await withPage(
    ctx,
    room,
    "",
    async (page, problems) => {
      await waitConnected(page);
      const item = page.locator(`[data-testid="room-item"][data-room="${room}"]`);
      await item.waitFor({ timeout: 5000 });
      assert.equal(await page.getByTestId("send-input").count(), 0, "no conversation open yet");
      await assertNoHorizontalScroll(page, "list");
      await shot(page, `${ctx.prefix}-10a-phone-list`);

      await item.tap();
      const input = page.getByTestId("send-input");
      await input.waitFor({ state: "visible" });
      await page.getByTestId("active-room").filter({ hasText: room }).waitFor();
      assert.equal(await page.getByTestId("room-list").isVisible(), false, "the list makes way for the conversation");
      await page.locator('[data-testid="chat-conn-dot"][data-status="connected"]').waitFor({ state: "visible" });
      await messagesWithText(page, "Do you deliver to Bandung?").waitFor({ state: "visible", timeout: 5000 });
      await sleep(JOIN_SETTLE_MS);

      const text = `Yes, tomorrow! ${Date.now()}`;
      await input.fill(text);
      await page.getByTestId("send-button").tap();
      const msg = messagesWithText(page, text);
      await msg.waitFor({ state: "visible", timeout: 2000 });
      await msg.and(page.locator('[data-status="read"]')).waitFor({ timeout: 8000 });
      assert.equal(await msg.count(), 1);
      const long = `https://example.com/track/${"x".repeat(120)}`;
      await input.fill(long);
      await input.press("Enter");
      await messagesWithText(page, long).and(page.locator('[data-status="read"]')).waitFor({ timeout: 8000 });
      await assertNoHorizontalScroll(page, "conversation");
      const box = await messagesWithText(page, long).boundingBox();
      // The viewport's own width: 390 in Chromium's phone emulation; WebDriver engines can only size the window,
      // and Firefox keeps a minimum window width (still below the 700 px phone breakpoint).
      const width = await page.evaluate(() => window.innerWidth);
      assert.ok(box.x >= 0 && box.x + box.width <= width, `a long link wraps inside the screen (${width} px): ${JSON.stringify(box)}`);
      await shot(page, `${ctx.prefix}-10b-phone-conversation`);

      await page.getByTestId("back").tap();
      await item.waitFor({ state: "visible" });
      assert.equal(await page.getByTestId("send-input").count(), 0, "back closes the conversation");
      assertNoProblems(assert, problems);
    },
    { url: `${ctx.server.url}/`, device: PHONE },
  );
}

/**
 * (20) Shared across tabs (the default): five pages of one browser context (tabs of one profile) keep one
 * Socket.IO connection at the server, and a customer's message shows once in each. Then the tab holding the
 * connection closes while 20 messages stream: the other four show each once; each of them sends a message, which the
 * server stores once and every tab shows once. Playwright pages only.
 */
export async function tabsShareConnection(ctx) {
  const room = uniqueRoom();
  const { context, page: first, problems } = await openPage(ctx.browser, ctx.pageUrl(room));
  try {
    const pages = [first];
    for (let i = 1; i < 5; i++) {
      const page = await context.newPage();
      await page.goto(ctx.pageUrl(room));
      pages.push(page);
    }
    for (const page of pages) await waitConnected(page);
    await sleep(JOIN_SETTLE_MS);
    const health = await fetch(`${ctx.server.url}/health`).then((r) => r.json());
    assert.equal(health.connections, 1, "one connection for five tabs");
    await sendWebhook(ctx.server, room, "one for every tab");
    for (const page of pages) {
      await messagesWithText(page, "one for every tab").waitFor({ timeout: 5000 });
      assert.equal(await messagesWithText(page, "one for every tab").count(), 1);
    }
    await shot(pages[2], `${ctx.prefix}-20-third-tab-shared`);

    const modes = await Promise.all(pages.map((p) => p.getByTestId("conn-dot").getAttribute("data-mode")));
    assert.deepEqual(modes.filter((m) => m === "leader").length, 1, `one tab holds the connection (${modes})`);
    const holder = pages[modes.indexOf("leader")];
    const rest = pages.filter((p) => p !== holder);
    const streamed = Array.from({ length: 20 }, (_, i) => `streamed ${i}`);
    const stream = (async () => {
      for (const text of streamed) {
        await sendWebhook(ctx.server, room, text);
        await sleep(25);
      }
    })();
    await sleep(150);
    await holder.close();
    await stream;
    for (const page of rest) {
      for (const text of streamed) await messagesWithText(page, text).waitFor({ timeout: 10_000 });
      const shown = await page.getByTestId("message-text").allTextContents();
      for (const text of streamed) assert.equal(shown.filter((t) => t === text).length, 1, `${text}: once in every tab`);
    }
    const sends = rest.map((_, i) => `from tab ${i} ${Date.now()}`);
    for (const [i, page] of rest.entries()) {
      await page.getByTestId("send-input").fill(sends[i]);
      await page.getByTestId("send-input").press("Enter");
    }
    for (const page of rest) {
      for (const text of sends) await messagesWithText(page, text).and(page.locator('[data-status="read"]')).waitFor({ timeout: 15_000 });
    }
    const { messages } = await (await fetch(`${ctx.server.url}/api/messages?room=${room}&limit=100`)).json();
    for (const text of sends) assert.equal(messages.filter((m) => m.text === text).length, 1, `${text}: stored once`);
    for (const page of rest) {
      const shown = await page.getByTestId("message-text").allTextContents();
      for (const text of sends) assert.equal(shown.filter((t) => t === text).length, 1, `${text}: shown once in every tab`);
    }
    assert.equal((await fetch(`${ctx.server.url}/health`).then((r) => r.json())).connections, 1, "one connection after the takeover");
    await assertNoProblems(assert, problems);
  } finally {
    await context.close();
  }
}
