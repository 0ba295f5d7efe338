// npm run db:migrate: applies the committed migrations in drizzle/ to DATABASE_URL (or the embedded database).
import "./load-env";
import { migrateDatabase } from "../db/client";
import { describeDatabaseFailure } from "../db/errors";
import { getEnv } from "../lib/env";

const { database } = getEnv();
const target =
  database.driver === "pglite"
    ? `embedded PGlite at ${database.dataDir}`
    : `${database.driver} ${redact(database.migrationUrl)}`;
if (database.driver !== "pglite" && new URL(database.migrationUrl).hostname.includes("-pooler.")) {
  console.warn(
    "WARNING: migrating through Neon's pooler (PgBouncer, transaction mode). Set DATABASE_URL_UNPOOLED to the direct URL.",
  );
}
try {
  await migrateDatabase();
  console.log(`migrations applied (${target})`);
} catch (error) {
  console.error(`migration failed (${target}): ${describeDatabaseFailure(error)}`);
  process.exitCode = 1;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
