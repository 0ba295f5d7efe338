// db/pglite-seed.ts: a new embedded data directory gets a migrated cluster from a worker thread, copied from a template
// kept in the user cache, and nothing else is ever touched (issue 10 §2).
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { seedDataDirectory } from "@/db/pglite-seed";

const MIGRATIONS = path.resolve("drizzle");
const journal = JSON.parse(readFileSync(path.join(MIGRATIONS, "meta", "_journal.json"), "utf8")) as {
  entries: unknown[];
};
// initdb takes 3 to 7 s on a busy 2-core machine; each test runs it at most once.
const INITDB_BUDGET_MS = 120_000;

const root = mkdtempSync(path.join(tmpdir(), "todo-pglite-seed-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const previousCache = process.env.XDG_CACHE_HOME;
afterAll(() => {
  if (previousCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = previousCache;
});

// One user cache for the file: its template is made once, by the first test.
const cache = path.join(root, "cache");
beforeEach(() => {
  process.env.XDG_CACHE_HOME = cache;
});

/** How many of the committed migrations the cluster at `dataDir` has applied. */
async function appliedMigrations(dataDir: string): Promise<number> {
  const client = await PGlite.create(dataDir);
  try {
    const result = await client.query<{ count: number }>(
      "select count(*)::int as count from drizzle.__drizzle_migrations",
    );
    return result.rows[0]!.count;
  } finally {
    await client.close();
  }
}

const templates = () => readdirSync(path.join(cache, "todo-api")).filter((name) => name.startsWith("pglite-"));

describe("seedDataDirectory", () => {
  test(
    "makes a migrated cluster off the main thread, keeps it as a template, and copies it for the next directory",
    async () => {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const started = performance.now();
      await seedDataDirectory(path.join(root, "first"), MIGRATIONS);
      const took = performance.now() - started;
      delay.disable();
      // Run on this thread, initdb would hold the event loop for about as long as the whole seeding took.
      expect(delay.max / 1e6).toBeLessThan(took / 2);

      expect(templates()).toHaveLength(1);
      const template = path.join(cache, "todo-api", templates()[0]!);
      const templateVersionFile = statSync(path.join(template, "PG_VERSION"));

      await seedDataDirectory(path.join(root, "second"), MIGRATIONS);
      // The second directory is a copy: the template was not made again.
      expect(statSync(path.join(template, "PG_VERSION")).ino).toBe(templateVersionFile.ino);
      for (const dir of ["first", "second"]) {
        expect(await appliedMigrations(path.join(root, dir))).toBe(journal.entries.length);
      }
    },
    INITDB_BUDGET_MS,
  );

  test(
    "an empty directory is seeded in place; one with anything in it is left exactly as it is",
    async () => {
      const empty = path.join(root, "empty");
      mkdirSync(empty);
      await seedDataDirectory(empty, MIGRATIONS);
      expect(readdirSync(empty)).toContain("PG_VERSION");

      const occupied = path.join(root, "occupied");
      mkdirSync(occupied);
      writeFileSync(path.join(occupied, "notes.txt"), "mine");
      await seedDataDirectory(occupied, MIGRATIONS);
      expect(readdirSync(occupied)).toEqual(["notes.txt"]);
      expect(readFileSync(path.join(occupied, "notes.txt"), "utf8")).toBe("mine");
    },
    INITDB_BUDGET_MS,
  );

  test(
    "a cache it cannot write to costs only time: the directory gets an initialised cluster all the same",
    async () => {
      writeFileSync(path.join(root, "not-a-directory"), "");
      process.env.XDG_CACHE_HOME = path.join(root, "not-a-directory");
      const dataDir = path.join(root, "no-cache");
      await seedDataDirectory(dataDir, MIGRATIONS);
      // Initialised only: the opener (db/client.ts) applies the migrations.
      expect(readdirSync(dataDir)).toContain("PG_VERSION");
      const client = await PGlite.create(dataDir);
      await expect(client.query("select 1 as one")).resolves.toMatchObject({ rows: [{ one: 1 }] });
      await client.close();
    },
    INITDB_BUDGET_MS,
  );

  test(
    "keeps the three most recently used templates",
    async () => {
      const kept = path.join(cache, "todo-api");
      mkdirSync(kept, { recursive: true });
      // Templates of other versions, used long ago, in order; each a stand-in directory.
      for (const [i, name] of [
        "pglite-0.0.1-000000000000000a",
        "pglite-0.0.2-000000000000000b",
        "pglite-0.0.3-000000000000000c",
      ].entries()) {
        mkdirSync(path.join(kept, name));
        const usedAt = new Date(Date.UTC(2020, 0, 10 - i));
        utimesSync(path.join(kept, name), usedAt, usedAt);
      }
      await seedDataDirectory(path.join(root, "pruned"), MIGRATIONS);
      expect(templates().sort()).toEqual(
        [
          "pglite-0.0.1-000000000000000a",
          "pglite-0.0.2-000000000000000b",
          ...templates().filter((name) => !name.startsWith("pglite-0.0.")),
        ].sort(),
      );
      expect(templates()).toHaveLength(3);
    },
    INITDB_BUDGET_MS,
  );
});
