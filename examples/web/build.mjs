// Bundles the example page into examples/web/dist/ with esbuild.
//   node examples/web/build.mjs          (after: bash scripts/build-package.sh)
// `inbox-realtime` and `inbox-realtime/react` are imported by package name and
// resolved to the built package in <repo>/pkg through its `exports` map, the
// same way an app's bundler would resolve them from node_modules.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const pkgDir = path.join(root, "pkg");
const dist = path.join(here, "dist");
const wasm = path.join(pkgDir, "wasm", "inbox_realtime_bg.wasm");

if (!fs.existsSync(path.join(pkgDir, "package.json")) || !fs.existsSync(wasm)) {
  console.error("pkg/ is not built: run `bash scripts/build-package.sh` first");
  process.exit(1);
}

// A private node_modules holding only a link to pkg/, searched by esbuild
// before the repo's own node_modules (react, react-dom).
const deps = path.join(here, ".deps", "node_modules");
fs.mkdirSync(deps, { recursive: true });
const link = path.join(deps, "inbox-realtime");
fs.rmSync(link, { recursive: true, force: true });
fs.symlinkSync(pkgDir, link, "dir");

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });

const started = Date.now();
await build({
  entryPoints: [path.join(here, "src", "main.tsx")],
  outfile: path.join(dist, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  minify: process.env.MINIFY !== "0",
  sourcemap: true,
  nodePaths: [deps, path.join(root, "node_modules")],
  define: { "process.env.NODE_ENV": JSON.stringify(process.env.NODE_ENV ?? "production") },
  logLevel: "warning",
});

fs.copyFileSync(path.join(here, "index.html"), path.join(dist, "index.html"));
fs.copyFileSync(path.join(here, "src", "style.css"), path.join(dist, "style.css"));
// The page passes this URL to init(); esbuild does not rewrite
// `new URL("…_bg.wasm", import.meta.url)` inside the package.
fs.copyFileSync(wasm, path.join(dist, "inbox_realtime_bg.wasm"));

const size = (f) => fs.statSync(path.join(dist, f)).size;
console.log(
  `examples/web/dist built in ${Date.now() - started} ms: app.js ${size("app.js")} B, ` +
    `inbox_realtime_bg.wasm ${size("inbox_realtime_bg.wasm")} B`,
);
