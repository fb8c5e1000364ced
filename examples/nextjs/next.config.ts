import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const here = path.dirname(fileURLToPath(import.meta.url));

// Nothing special is needed for the wasm package: its init() loads
// `new URL("…_bg.wasm", import.meta.url)`, which both Turbopack and webpack
// emit as a static asset. inbox-realtime is installed as a copy (.npmrc
// install-links=true), so the app folder is the whole project: pin the root,
// or Next picks the repo's lockfile one level up.
const nextConfig: NextConfig = {
  reactStrictMode: true,
  turbopack: { root: here },
  outputFileTracingRoot: here,
  // The e2e script builds with both bundlers side by side (NEXT_DIST_DIR=.next-webpack).
  distDir: process.env.NEXT_DIST_DIR || ".next",
};

export default nextConfig;
