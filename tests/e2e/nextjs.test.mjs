// E2E: the Next.js example (examples/nextjs) under `next start`, in the engine E2E_BROWSER names (chromium, the
// default, firefox or webkit; see helpers.launchBrowser), for both builds:
//   .next          `next build`            (Turbopack, the default): every scenario
//   .next-webpack  `next build --webpack`  (NEXT_DIST_DIR=.next-webpack): connect, webhook, send/ticks, XSS
// Both must be built with NEXT_PUBLIC_SOCKET_URL=http://127.0.0.1:$E2E_NEXT_SOCKET_PORT (default 18931);
// scripts/test-e2e.sh does it. The dev server is started here on that port.
import { after, before, describe, test } from "node:test";
import fs from "node:fs";
import path from "node:path";
import { ENGINE, ROOT, closeBrowser, freePort, launchBrowser, portIsFree, startDevServer, startNext, stopProcess, tmpDataFile } from "./helpers.mjs";
import * as s from "./scenarios.mjs";

const APP = path.join(ROOT, "examples", "nextjs");
const SOCKET_PORT = Number(process.env.E2E_NEXT_SOCKET_PORT ?? 18931);
const T = { timeout: 60_000 };

function suite(distDir, label, full) {
  describe(`Next.js app (examples/nextjs, ${label}) in ${ENGINE}`, () => {
    const base = full ? "next" : "next-webpack";
    const ctx = { prefix: ENGINE === "chromium" ? base : `${base}-${ENGINE}` };
    const env = { DATA_FILE: tmpDataFile("next") };
    let next;

    before(async () => {
      if (!fs.existsSync(path.join(APP, distDir, "BUILD_ID"))) {
        throw new Error(`examples/nextjs/${distDir} has no production build: run scripts/test-e2e.sh`);
      }
      if (!(await portIsFree(SOCKET_PORT))) {
        throw new Error(`port ${SOCKET_PORT} (baked into the Next.js build as NEXT_PUBLIC_SOCKET_URL) is busy; set E2E_NEXT_SOCKET_PORT and rebuild`);
      }
      ctx.browser = await launchBrowser();
      ctx.server = await startDevServer({ name: `${ctx.prefix}-dev-server`, port: SOCKET_PORT, env });
      next = await startNext({ port: await freePort(), distDir, name: `${ctx.prefix}-start` });
      ctx.pageUrl = (room, query = "") => `${next.url}/?room=${room}${query ? "&" + query : ""}`;
    });

    after(async () => {
      await closeBrowser(ctx.browser);
      await stopProcess(next?.child);
      await stopProcess(ctx.server?.child);
    });

    test("1. connection dot shows connected", T, () => s.connectionDot(ctx));
    test("20. shared across tabs (the default): 5 tabs, 1 connection; the holder closes while 20 messages stream: each once in the other 4; a send from each: stored once, shown once in every tab", { ...T, skip: ENGINE !== "chromium" && "Playwright pages only (Chromium)" }, () =>
      s.tabsShareConnection(ctx),
    );
    test("2. a webhook POST shows the customer's message without reload", T, () => s.webhookAppears(ctx));
    test("3. Enter: clock at once, then ✓, ✓✓, blue ✓✓, never duplicated", T, () => s.sendTicks(ctx));
    test("7. XSS payloads render as text", T, () => s.xssAsText(ctx));
    test("9. the original test plan's webhook JSON, verbatim: message shown without reload, dated", T, () => s.testPlanWebhook(ctx));
    if (!full) return;
    test("4. typing dots appear and hide after ~3 s", T, () => s.typingDots(ctx));
    test("6b. a send refused for good is kept (default), retry delivers it", T, () => s.failedSendKept(ctx));
    if (ENGINE === "chromium") {
      // Holds the socket and the API back (Playwright routes); the WebDriver shim has no request interception yet.
      test("16. a reload shows the conversation from the device's copy before the socket connects, then what came meanwhile, once", T, () =>
        s.cachedConversationReload(ctx));
    }
    test("5. server killed and restarted on the same port: red, green, rooms re-joined", T, async (t) => {
      ctx.kill = () => stopProcess(ctx.server.child, "SIGKILL");
      ctx.restart = async () => {
        ctx.server = await startDevServer({ name: `${ctx.prefix}-dev-server`, port: SOCKET_PORT, env });
      };
      const ms = await s.serverRestart(ctx);
      t.diagnostic(`reconnected ${ms} ms after the server came back`);
    });
  });
}

suite(".next", "Turbopack build", true);
suite(".next-webpack", "webpack build", false);
