// E2E: the README's "Use it in your own Next.js app", as scripts/own-app-recipe.sh built it from a clean clone
// (make package, npm i the tarball, the README's two files, next build), under `next start` in headless Chromium
// against the dev server: the test plan's webhook shows up, and a send goes through.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  ROOT,
  TEST_PLAN_WEBHOOK,
  assertNoProblems,
  closeBrowser,
  freePort,
  launchBrowser,
  openPage,
  portIsFree,
  postRaw,
  shot,
  sleep,
  startDevServer,
  startNext,
  stopProcess,
  tmpDataFile,
} from "./helpers.mjs";

const SOCKET_PORT = Number(process.env.E2E_NEXT_SOCKET_PORT ?? 18931);
const PATH_FILE = path.join(ROOT, "target", "own-app.path");

describe("own Next.js app (the README's recipe on a clean clone)", () => {
  let browser, server, next;

  before(async () => {
    if (!fs.existsSync(PATH_FILE)) throw new Error("no own-app build: run bash scripts/own-app-recipe.sh (scripts/test-e2e.sh does)");
    if (!(await portIsFree(SOCKET_PORT))) throw new Error(`port ${SOCKET_PORT} (baked into the build) is busy`);
    browser = await launchBrowser();
    server = await startDevServer({ name: "own-app-dev-server", port: SOCKET_PORT, env: { DATA_FILE: tmpDataFile("own-app") } });
    next = await startNext({ port: await freePort(), name: "own-app-start", dir: fs.readFileSync(PATH_FILE, "utf8").trim() });
  });

  after(async () => {
    await closeBrowser(browser);
    await stopProcess(next?.child);
    await stopProcess(server?.child);
  });

  test("the test plan's webhook appears without reload; a send is shown at once and reaches read", { timeout: 60_000 }, async () => {
    const { context, page, problems } = await openPage(browser, `${next.url}/`);
    try {
      await page.getByText("connected", { exact: true }).waitFor({ timeout: 15_000 });
      await sleep(500); // join_room reaches the server
      await page.evaluate(() => (window.__sameDocument = true));
      assert.deepEqual(await postRaw(`${server.url}/webhook/whatsapp`, TEST_PLAN_WEBHOOK), { ok: true, messages: 1, statuses: 0 });
      await page.getByText("Hello from customer!").waitFor({ timeout: 5000 });
      assert.equal(await page.evaluate(() => window.__sameDocument), true, "page was not reloaded");

      const text = `From my app ${Date.now()}`;
      await page.getByPlaceholder("Type a message").fill(text);
      await page.getByPlaceholder("Type a message").press("Enter");
      const row = page.locator("li", { hasText: text });
      await row.waitFor({ timeout: 1000 });
      await page.locator('li[data-status="read"]', { hasText: text }).waitFor({ timeout: 8000 });
      assert.equal(await row.count(), 1, "one row per send");
      await shot(page, "own-app-01-webhook-and-send");
      assertNoProblems(assert, problems);
    } finally {
      await context.close();
    }
  });
});
