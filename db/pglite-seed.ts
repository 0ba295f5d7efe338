import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";

// A new embedded database needs a PostgreSQL cluster, and PGlite makes one by running initdb: 3 to 7 s of WebAssembly on
// the thread that calls it, then a second for the migrations. On the server's main thread that blocks everything else, a
// dev server compiling its first route included (issue 10 §2). So a new data directory gets its cluster from a worker
// thread (db/pglite-seed-worker.mjs), as a copy of a migrated template kept in the user's cache: initdb runs once per
// PGlite version, set of migrations and machine, and every later new data directory (a fresh clone, a test's own
// directory) is a copy, a few tenths of a second.

/** Where the template cluster is kept: `$XDG_CACHE_HOME/todo-api`, else `~/.cache/todo-api`; undefined without a home. */
function seedCacheDirectory(): string | undefined {
  const home = os.homedir();
  const cacheRoot = process.env.XDG_CACHE_HOME || (home ? path.join(home, ".cache") : undefined);
  return cacheRoot ? path.join(cacheRoot, "todo-api") : undefined;
}

function isAbsentOrEmpty(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return true;
    throw error;
  }
}

/**
 * Gives the PGlite data directory `dataDir` (a path; relative to the working directory) a freshly initialised cluster
 * with the migrations of `migrationsFolder` (drizzle-kit's) applied, without blocking this thread, when it is absent or
 * empty; does nothing otherwise (an existing cluster, or files PGlite must judge itself). The caller holds the
 * directory's lock. Resolves once the cluster is in place (where no template could be kept: initialised only, the
 * caller migrates); rejects with the worker's error when it can be neither copied from the template nor made by initdb
 * (a full disk, say).
 */
export async function seedDataDirectory(dataDir: string, migrationsFolder: string): Promise<void> {
  if (!isAbsentOrEmpty(dataDir)) return;
  // Beside this module in the checkout, not in the bundle: Next.js runs the server from the project's directory.
  const script = path.join(process.cwd(), "db", "pglite-seed-worker.mjs");
  const worker = new Worker(script, {
    workerData: { dataDir: path.resolve(dataDir), cacheDir: seedCacheDirectory(), migrationsFolder },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`seeding the embedded database at ${dataDir} stopped with exit code ${code}`));
    });
  });
}
