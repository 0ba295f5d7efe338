// vitest globalSetup of the "pglite" project: one PGlite data directory, initialised and migrated once, that each test
// file starts from a copy of (tests/support/open-database.ts). A fresh cluster per file cost an initdb each, seconds of
// CPU apiece; a copy costs a tenth of a second, and each file still has a database of its own. The directory itself is
// seeded as the app seeds a new one (db/pglite-seed.ts): from the user cache's template when there is one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { seedDataDirectory } from "../../db/pglite-seed";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** A migrated PGlite data directory, to be copied, never opened. */
    pgliteTemplate: string;
  }
}

export default async function preparePgliteTemplate(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), "todo-vitest-pglite-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // The last resort when vitest never gets to its teardown.
  process.once("exit", remove);
  const template = path.join(dir, "template");
  const migrationsFolder = path.join(import.meta.dirname, "../../drizzle");
  await seedDataDirectory(template, migrationsFolder);
  // Where the seed could keep no template, it initialised the cluster only.
  const client = await PGlite.create(template);
  await migrate(drizzle({ client }), { migrationsFolder });
  await client.close();
  project.provide("pgliteTemplate", template);
  return remove;
}
