// vitest setup file of the integration projects: the database is opened (for PGlite in memory, a fresh initdb and the
// migrations: seconds, more on a busy machine) before a file's first test, on a budget of its own, rather than inside
// that test's.
import { sql } from "drizzle-orm";
import { beforeAll } from "vitest";
import { getDatabase } from "@/db/client";

/** How long opening the database may take on a machine busy with other builds and tests. */
const OPEN_BUDGET_MS = 120_000;

beforeAll(async () => {
  await (await getDatabase()).execute(sql`select 1`);
}, OPEN_BUDGET_MS);
