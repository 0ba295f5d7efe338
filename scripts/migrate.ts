// npm run db:migrate: applies the committed migrations in drizzle/ to DATABASE_URL (or the embedded database).
import { closeDatabase, migrateDatabase } from "../db/client";
import { getEnv } from "../lib/env";

const { database } = getEnv();
const target = database.driver === "pglite" ? `embedded PGlite at ${database.dataDir}` : `${database.driver} ${redact(database.url)}`;
try {
  await migrateDatabase();
  console.log(`migrations applied (${target})`);
} catch (error) {
  console.error(`migration failed (${target}):`, error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
