// A worker thread of db/pglite-seed.ts: gives a new PGlite data directory its cluster, off the server's main thread.
// initdb and the migrations are seconds of WebAssembly that would block the event loop of whatever thread ran them (a dev
// server compiling its first route meanwhile), so they run here, once per PGlite version and set of migrations: the
// cluster made is kept in the user's cache as a template, and every later new data directory is a copy of it.
//
// workerData: { dataDir, cacheDir, migrationsFolder } (absolute paths; cacheDir undefined when there is no cache to keep
// a template in).
// dataDir is absent or an empty directory, and the caller holds its lock. Throws (the worker's "error" event) when the
// cluster can be neither copied nor made.
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from "node:fs";
import path from "node:path";
import { threadId, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";

const { dataDir, cacheDir, migrationsFolder } = workerData;
// Templates of other PGlite versions and migrations are removed beyond this many, the least recently used first.
const TEMPLATES_KEPT = 3;

/**
 * The installed PGlite's version, from its package.json (its exports do not list that file, and the bundler that builds
 * this worker for the server knows no import.meta.resolve): in node_modules, where Next.js runs the server from.
 */
function pgliteVersion() {
  const manifest = path.join(process.cwd(), "node_modules", "@electric-sql", "pglite", "package.json");
  return JSON.parse(readFileSync(manifest, "utf8")).version;
}

// Names of this thread's own, for what it builds beside a directory before moving it into place.
const mine = `${process.pid}-${threadId}`;

/** What the migrations folder holds, as a short hash: a template is made for one set of migrations. */
function migrationsHash() {
  const hash = createHash("sha256");
  for (const name of readdirSync(migrationsFolder)
    .filter((file) => file.endsWith(".sql"))
    .sort()) {
    hash.update(name).update(readFileSync(path.join(migrationsFolder, name)));
  }
  hash.update(readFileSync(path.join(migrationsFolder, "meta", "_journal.json")));
  return hash.digest("hex").slice(0, 16);
}

/**
 * A cluster made by initdb at `target`, which must not exist, with the migrations applied; made beside it first, so it
 * appears whole or not at all.
 */
async function migratedClusterAt(target) {
  const staging = `${target}.initdb-${mine}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    const client = await PGlite.create(staging);
    await migrate(drizzle({ client }), { migrationsFolder });
    await client.close();
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Keeps the TEMPLATES_KEPT most recently used templates in `cacheDir`; another process may be copying the others. */
function removeLeastRecentlyUsedTemplates(cacheDir) {
  const templates = readdirSync(cacheDir)
    .filter((name) => /^pglite-[0-9.]+-[0-9a-f]{16}$/.test(name))
    .map((name) => ({ dir: path.join(cacheDir, name), used: statSync(path.join(cacheDir, name)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const { dir } of templates.slice(TEMPLATES_KEPT)) rmSync(dir, { recursive: true, force: true });
}

const isCluster = (dir) =>
  existsSync(path.join(dir, "PG_VERSION")) && existsSync(path.join(dir, "global", "pg_control"));

/**
 * dataDir as a copy of the template at `templateDir`, made first when missing. PG_VERSION is copied last: it is what
 * makes a directory a cluster to PGlite, so a copy cut short is a directory PGlite initialises again, never half a cluster.
 */
async function copyOfTemplate(templateDir) {
  if (!isCluster(templateDir)) {
    mkdirSync(path.dirname(templateDir), { recursive: true });
    try {
      await migratedClusterAt(templateDir);
    } catch (error) {
      // Another process made it first: theirs is as good.
      if (!isCluster(templateDir)) throw error;
    }
  }
  const now = new Date();
  utimesSync(templateDir, now, now);
  removeLeastRecentlyUsedTemplates(path.dirname(templateDir));
  mkdirSync(dataDir, { recursive: true });
  for (const entry of readdirSync(templateDir).filter((name) => name !== "PG_VERSION")) {
    cpSync(path.join(templateDir, entry), path.join(dataDir, entry), { recursive: true });
  }
  cpSync(path.join(templateDir, "PG_VERSION"), path.join(dataDir, "PG_VERSION"));
}

try {
  if (!cacheDir) throw new Error("no cache to keep a template in");
  await copyOfTemplate(path.join(cacheDir, `pglite-${pgliteVersion()}-${migrationsHash()}`));
} catch {
  // A cache that cannot be used (read-only, full, damaged) costs time, not the database: initdb in place, as PGlite would
  // (the opener applies the migrations).
  await (await PGlite.create(dataDir)).close();
}
