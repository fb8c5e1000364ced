#!/usr/bin/env bash
# Runs the README's "Use it in your own Next.js app" as written, on a clean clone of the committed HEAD:
#   <work>/inbox-realtime   a git clone (its `target/` links to ours: a build cache, nothing else)
#   <work>/my-app           a bare Next.js app (what create-next-app gives, minus styling), then the README's shell
#                           lines (make package; npm i the tarball) and its two files, and `next build`
# <work> is outside the repository (an app there would see the repo's lockfile as its workspace root); its path is
# written to target/own-app.path for tests/e2e/own-app.test.mjs, which serves the app and checks it in Chromium.
# NEXT_PUBLIC_SOCKET_URL is inlined at build time: http://127.0.0.1:$E2E_NEXT_SOCKET_PORT (default 18931).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
export NEXT_TELEMETRY_DISABLED=1
PORT=${E2E_NEXT_SOCKET_PORT:-18931}
WORK=${TMPDIR:-/tmp}/inbox-realtime-own-app-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
HEAD=$(git rev-parse HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || echo "own-app: uncommitted changes are not in the clone (it is of $HEAD)"

rm -rf "$WORK"
mkdir -p "$WORK/my-app/app" "$ROOT/target"
git clone --quiet --no-checkout "$ROOT" "$WORK/inbox-realtime"
git -C "$WORK/inbox-realtime" checkout --quiet "$HEAD"
ln -s "$ROOT/target" "$WORK/inbox-realtime/target"

# "Your app": the Next.js, React and TypeScript versions of examples/nextjs.
node -e '
  const ex = require(process.argv[1]);
  const pkg = { name: "my-app", version: "0.1.0", private: true,
    scripts: { dev: "next dev", build: "next build", start: "next start" },
    dependencies: { next: ex.dependencies.next, react: ex.dependencies.react, "react-dom": ex.dependencies["react-dom"] },
    devDependencies: ex.devDependencies };
  require("fs").writeFileSync(process.argv[2], JSON.stringify(pkg, null, 2) + "\n");
' "$ROOT/examples/nextjs/package.json" "$WORK/my-app/package.json"
cat >"$WORK/my-app/app/layout.tsx" <<'TSX'
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
TSX

# The README's blocks, each after an `<!-- own-app: NAME -->` line: the shell lines, then the files.
block() {
  node -e '
    const text = require("fs").readFileSync(process.argv[1], "utf8");
    const at = text.indexOf("<!-- own-app: " + process.argv[2]);
    if (at < 0) { console.error("README.md has no own-app block " + process.argv[2]); process.exit(1); }
    const open = text.indexOf("```", at);
    const start = text.indexOf("\n", open) + 1;
    process.stdout.write(text.slice(start, text.indexOf("\n```", start)) + "\n");
  ' "$ROOT/README.md" "$1"
}
block app/Chat.tsx >"$WORK/my-app/app/Chat.tsx"
block app/page.tsx >"$WORK/my-app/app/page.tsx"
block shell >"$WORK/recipe.sh"
echo "own-app: running the README's shell lines in $WORK:"
sed 's/^/  | /' "$WORK/recipe.sh"
(cd "$WORK" && bash -euo pipefail recipe.sh)

echo "own-app: next build (NEXT_PUBLIC_SOCKET_URL=http://127.0.0.1:$PORT)"
(cd "$WORK/my-app" && NEXT_PUBLIC_SOCKET_URL="http://127.0.0.1:$PORT" node_modules/.bin/next build)
echo "$WORK/my-app" >"$ROOT/target/own-app.path"
