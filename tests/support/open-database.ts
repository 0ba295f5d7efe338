// vitest setup file of the integration projects: the database is opened before a file's first test, on a budget of its
// own, rather than inside that test's. On PGlite, each file opens a copy of a data directory migrated once for the run
// (tests/support/pglite-template.ts), removed after the file.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, inject } from "vitest";
import { getDatabase } from "@/db/client";

/** How long opening the database may take on a machine busy with other builds and tests. */
const OPEN_BUDGET_MS = 120_000;

const template = inject("pgliteTemplate");
if (template) {
  const dataDir = mkdtempSync(path.join(path.dirname(template), "file-"));
  cpSync(template, dataDir, { recursive: true });
  process.env.PGLITE_DATA_DIR = dataDir;
  // After the file's own afterAll, which closes the database (vitest runs after-hooks in reverse).
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
}

beforeAll(async () => {
  await (await getDatabase()).execute(sql`select 1`);
}, OPEN_BUDGET_MS);
