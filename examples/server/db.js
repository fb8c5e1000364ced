// The dev server's PostgreSQL: a real server when DATABASE_URL is set (npm `pg`, a pool), otherwise PGlite, the
// same PostgreSQL compiled to WebAssembly, in this process (so `make demo` needs no database service). Both run the
// same migrations and the same SQL; the store (store.js) only sees query / exec / transaction / close.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));
// Any constant: nodes starting at once take this advisory lock so only one applies a migration.
const MIGRATION_LOCK = 4_242_018;

/**
 * @param {{ databaseUrl?: string, dataDir?: string, log?: (msg: string) => void }} opts
 *   databaseUrl: postgres://… (real PostgreSQL); dataDir: PGlite's directory (kept across restarts; unset = memory)
 */
export async function openDatabase({ databaseUrl, dataDir, log = () => {} } = {}) {
  const db = databaseUrl ? await openPostgres(databaseUrl) : await openPGlite(dataDir);
  try {
    const applied = await migrate(db);
    if (applied.length) log(`[db] ${db.kind}: applied migration(s) ${applied.join(", ")}`);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

async function openPostgres(url) {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its server (PostgreSQL restarted) must not crash the node; the next query reconnects.
  pool.on("error", () => {});
  await pool.query("SELECT 1"); // fail at start, not at the first request
  return {
    kind: "postgresql",
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    exec: async (sql) => void (await pool.query(sql)),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn({ query: async (sql, params) => (await client.query(sql, params)).rows, exec: (sql) => client.query(sql) });
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPGlite(dataDir) {
  const { PGlite } = await import("@electric-sql/pglite");
  // A fresh PGlite runs initdb in WebAssembly: seconds (4-14 s on a busy 2-core machine). Starting from a cached,
  // already initialised data directory (a tarball made once per machine and PGlite version) takes about one.
  const fresh = !dataDir || !fs.existsSync(path.join(dataDir, "PG_VERSION"));
  const template = fresh ? await pgliteTemplate(PGlite) : null;
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create({ ...(dataDir && { dataDir }), ...(template && { loadDataDir: template }) });
  return {
    kind: dataDir ? "pglite (dir)" : "pglite (memory)",
    query: async (sql, params) => (await pg.query(sql, params)).rows,
    exec: async (sql) => void (await pg.exec(sql)),
    transaction: (fn) => pg.transaction((tx) => fn({ query: async (sql, params) => (await tx.query(sql, params)).rows, exec: (sql) => tx.exec(sql) })),
    close: () => pg.close(),
  };
}

/** Makes the cached PGlite template now (scripts/setup.sh), so that no server start waits for initdb. */
export async function warmEmbedded() {
  const { PGlite } = await import("@electric-sql/pglite");
  await pgliteTemplate(PGlite);
}

async function pgliteTemplate(PGlite) {
  const version = pgliteVersion();
  const file = path.join(os.tmpdir(), `inbox-pglite-template-${version}.tar.gz`);
  if (!fs.existsSync(file)) {
    const pg = await PGlite.create();
    const dump = Buffer.from(await (await pg.dumpDataDir("gzip")).arrayBuffer());
    await pg.close();
    // Write then rename: two servers starting at once each write a whole file, neither reads half of one.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, dump);
    fs.renameSync(tmp, file);
  }
  return new Blob([fs.readFileSync(file)]);
}

// The package's version (its package.json is not in its "exports": found from its entry point upwards).
function pgliteVersion() {
  let dir = path.dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
}

/** Applies the migrations (migrations/NNN_name.sql) not applied yet, each in its own transaction; returns their names. */
async function migrate(db) {
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]); // two nodes' CREATE TABLE at once would clash
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const files = fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const applied = [];
  for (const file of files) {
    const version = Number(file.split("_")[0]);
    const done = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      if ((await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [version])).length) return false;
      await tx.exec(fs.readFileSync(path.join(MIGRATIONS_DIR, file), "utf8"));
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [version, file]);
      return true;
    });
    if (done) applied.push(file);
  }
  return applied;
}
