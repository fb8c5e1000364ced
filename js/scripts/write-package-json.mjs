// Writes the published package.json: js/package.json with the version taken from Cargo.toml.
// Usage: node write-package-json.mjs <template> <out> <version>
import { readFileSync, writeFileSync } from 'node:fs';

const [template, out, version] = process.argv.slice(2);
if (!template || !out || !version) {
  console.error('usage: write-package-json.mjs <template> <out> <version>');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(template, 'utf8'));
pkg.version = version;
const text = JSON.stringify(pkg, null, 2) + '\n';
let old = '';
try {
  old = readFileSync(out, 'utf8');
} catch {}
// Unchanged content keeps the file's mtime, so watchers and incremental steps stay quiet.
if (old !== text) writeFileSync(out, text);
