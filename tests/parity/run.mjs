// Runs the socket.io-client parity cases (cases.mjs) in a real browser page against the parity server (server.mjs,
// socket.io 4.8), and prints one line per case plus the counts. Exit code 1 if a case failed; a case whose feature
// is missing (cases.mjs FEATURES) is reported "pending (feature)" and does not fail the run.
//
//   node tests/parity/run.mjs            (after: bash scripts/build-package.sh)
// Env: PARITY_GREP=regexp     only the cases whose name matches
//      PARITY_FEATURES=a,b|all treat these features as landed (their cases then count as pass/fail)
//      PARITY_SKIP_PENDING=1  do not run the cases whose feature is missing (just list them)
//      PARITY_BROWSER=chromium (the only one here; see launchBrowser)
//      CHROMIUM_PATH          default /usr/bin/chromium
//      PARITY_PKG=dir         test this build of the package instead of pkg/
//      PARITY_VERBOSE=1       the page's console, and why each pending case fails
//      PARITY_CLIENT=socket.io-client  run the cases against socket.io-client itself (checks the ports)
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { freePort } from "../e2e/helpers.mjs";
import { createParityServer, createV2Server } from "./server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
// PARITY_PKG: another build of the package (e.g. a deliberately broken copy, to see the cases fail).
const pkgDir = path.resolve(process.env.PARITY_PKG ?? path.join(root, "pkg"));
const outDir = path.join(root, "target", "parity");
const pageDir = path.join(outDir, "page");

/** The one place a browser is chosen and launched (the per-engine runners switch here). */
export function launchBrowser(engine = process.env.PARITY_BROWSER ?? "chromium") {
  if (engine !== "chromium") throw new Error(`PARITY_BROWSER=${engine}: only chromium is wired here`);
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}


const reference = process.env.PARITY_CLIENT === "socket.io-client";
if (process.env.PARITY_CLIENT && !reference) throw new Error(`PARITY_CLIENT=${process.env.PARITY_CLIENT}: only socket.io-client`);

async function buildPage() {
  const wasm = path.join(pkgDir, "wasm", "inbox_realtime_bg.wasm");
  if (!fs.existsSync(path.join(pkgDir, "dist", "index.js")) || !fs.existsSync(wasm)) {
    throw new Error("pkg/ is not built: run `bash scripts/build-package.sh` first");
  }
  // `inbox-realtime` resolves to the built package through a private node_modules holding a link to pkg/.
  const deps = path.join(outDir, ".deps", "node_modules");
  fs.mkdirSync(deps, { recursive: true });
  fs.rmSync(path.join(deps, "inbox-realtime"), { recursive: true, force: true });
  fs.symlinkSync(pkgDir, path.join(deps, "inbox-realtime"), "dir");
  fs.rmSync(pageDir, { recursive: true, force: true });
  fs.mkdirSync(pageDir, { recursive: true });
  await build({
    entryPoints: [path.join(here, "page.mjs")],
    outfile: path.join(pageDir, "parity.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    nodePaths: [deps, path.join(root, "node_modules")],
    // PARITY_CLIENT=socket.io-client: the same cases against socket.io-client itself (reference-client.mjs)
    ...(reference && { alias: { "inbox-realtime": path.join(here, "reference-client.mjs") } }),
    logLevel: "warning",
  });
  fs.copyFileSync(path.join(here, "index.html"), path.join(pageDir, "index.html"));
  fs.copyFileSync(wasm, path.join(pageDir, "inbox_realtime_bg.wasm"));
}

const withTimeout = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms))]);

async function main() {
  const t0 = Date.now();
  await buildPage();
  const server = await createParityServer({ pageDir });
  const v2 = await createV2Server();
  const closed = await freePort(); // taken from the OS, then released: nothing listens there
  // socket.io-client has every feature
  const features = reference ? "all" : (process.env.PARITY_FEATURES ?? "");
  if (reference) console.log("PARITY_CLIENT=socket.io-client: the cases run against socket.io-client 4.8, not this client\n");
  const pageUrl = `${server.url}/?closed=${closed}&v2=${v2.port}&features=${encodeURIComponent(features)}`;

  const browser = await launchBrowser();
  const pageErrors = [];
  let page;
  const openPage = async () => {
    if (page) await page.close().catch(() => {});
    page = await browser.newPage();
    // (errors after the harness loaded reach its own listener, which names the case: see collectStray)
    page.on("pageerror", (err) => {
      if (process.env.PARITY_VERBOSE === "1") console.log(`        [pageerror] ${String(err?.stack ?? err)}`);
    });
    if (process.env.PARITY_VERBOSE === "1") page.on("console", (msg) => console.log(`        [page ${msg.type()}] ${msg.text()}`));
    await page.goto(pageUrl, { waitUntil: "load" });
    await page.evaluate(() => window.__parity.ready);
  };

  const results = [];
  let exitCode = 0;
  try {
    await openPage();
    const all = await page.evaluate(() => window.__parity.list());
    const featureList = await page.evaluate(() => window.__parity.features());
    const notPorted = await page.evaluate(() => window.__parity.notPorted());
    const grep = process.env.PARITY_GREP;
    const selected = grep ? all.filter((c) => new RegExp(grep).test(c.name)) : all;

    // An error nobody caught, left behind by a case (perhaps after it ended): that case fails, unless it is pending.
    const collectStray = async () => {
      const stray = await page.evaluate(() => window.__parity.takeStray()).catch(() => []);
      for (const s of stray) {
        const r = results.findLast((x) => x.name === s.name);
        if (r?.pending) {
          if (process.env.PARITY_VERBOSE === "1") console.log(`        (pending case left an uncaught error: ${s.error.split("\n")[0]})`);
          continue;
        }
        if (r && r.status === "passed") {
          r.status = "failed";
          r.error = `left an uncaught error behind: ${s.error}`;
          console.log(`FAIL  (late) ${r.name}: ${r.error.split("\n")[0]}`);
        } else if (!r) pageErrors.push(`${s.name}: ${s.error}`);
      }
    };

    let skipped = 0;
    for (const c of selected) {
      if (reference && c.ours) {
        skipped++;
        console.log(`skip  ${c.from.padEnd(28)} ${c.name}  [this client's own form of the case]`);
        continue;
      }
      const pending = c.missing.length > 0;
      if (pending && process.env.PARITY_SKIP_PENDING === "1") {
        results.push({ ...c, status: "pending", ran: false });
        continue;
      }
      let r;
      try {
        r = await withTimeout(page.evaluate((name) => window.__parity.run(name), c.name), c.timeout + 5000, c.name);
      } catch (e) {
        r = { status: "failed", error: String(e?.message ?? e) };
        await openPage(); // a wedged page must not take the next cases with it
      }
      results.push({ ...c, ...r, ran: true, pending });
      await collectStray();
      const mark = pending ? (r.status === "passed" ? "PEND+" : "PEND ") : r.status === "passed" ? "ok   " : "FAIL ";
      const why = pending ? `  [pending: ${c.missing.join(", ")}${r.status === "passed" ? "; passes now: flip it on" : ""}]` : "";
      console.log(`${mark} ${c.from.padEnd(28)} ${c.name}${why}${r.ms !== undefined ? ` (${r.ms} ms)` : ""}`);
      if (r.status !== "passed" && !pending) console.log(`        ${r.error.split("\n").slice(0, 4).join("\n        ")}`);
      if (r.status !== "passed" && pending && process.env.PARITY_VERBOSE === "1") console.log(`        ${r.error.split("\n")[0]}`);
    }

    await new Promise((r) => setTimeout(r, 300));
    await collectStray();
    const passed = results.filter((r) => !r.pending && r.status === "passed");
    const failed = results.filter((r) => !r.pending && r.status === "failed");
    const pending = results.filter((r) => r.pending || r.status === "pending");
    const byFeature = new Map();
    for (const r of pending) for (const f of r.missing) byFeature.set(f, (byFeature.get(f) ?? 0) + 1);

    console.log("\nfeatures (cases.mjs FEATURES):");
    for (const f of featureList) console.log(`  ${f.available ? "yes" : "no "}  ${f.name.padEnd(20)} ${f.what}`);
    console.log(`\nnot applicable (${notPorted.length}), from cases.mjs:`);
    const reasons = new Map();
    for (const n of notPorted) {
      const key = `${n.from}: ${n.reason}`;
      reasons.set(key, [...(reasons.get(key) ?? []), n.name]);
    }
    for (const [reason, names] of reasons) console.log(`  - ${reason}\n      ${names.join(" | ")}`);

    const ready = pending.filter((r) => r.status === "passed");
    console.log(
      `\nparity: ${passed.length} passed, ${failed.length} failed, ${pending.length} pending (feature missing: ` +
        [...byFeature].map(([f, n]) => `${f} ${n}`).join(", ") +
        `), ${notPorted.length} not applicable${skipped ? `, ${skipped} skipped (ours only)` : ""}; ${results.length} of ${all.length} ported cases run in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (ready.length) console.log(`pending cases that pass already (their feature may have landed): ${ready.map((r) => r.name).join(" | ")}`);
    if (pageErrors.length) {
      console.log(`uncaught page errors:\n  ${pageErrors.join("\n  ")}`);
      exitCode = 1;
    }
    if (failed.length) exitCode = 1;
    if (grep && selected.length === 0) {
      console.log(`PARITY_GREP=${grep} matched no case`);
      exitCode = 1;
    }
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "report.json"), JSON.stringify({ results, notPorted, features: featureList }, null, 2));
  } finally {
    await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    await server.close();
    await v2.close();
  }
  process.exit(exitCode);
}

// Run when executed (`node tests/parity/run.mjs`), not when imported (e.g. for launchBrowser).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
