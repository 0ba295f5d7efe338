// A database whose session settings are as unlike the defaults as PostgreSQL allows (DateStyle, TimeZone, IntervalStyle),
// for the "postgres-settings" project: the integration suite run against it proves that no response depends on them.
import { execFileSync } from "node:child_process";
import pg from "pg";

/** TEST_DATABASE_URL's server, another database: the one this project runs against. */
export function settingsDatabaseUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.pathname = `${url.pathname}_settings`;
  return url.toString();
}

async function onServer(serverUrl: string, statements: string[]): Promise<void> {
  const admin = new URL(serverUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

export default async function createSettingsDatabase(): Promise<() => Promise<void>> {
  const serverUrl = process.env.TEST_DATABASE_URL!;
  const url = settingsDatabaseUrl(serverUrl);
  const name = new URL(url).pathname.slice(1);
  await onServer(serverUrl, [
    `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
    `CREATE DATABASE "${name}"`,
    // US dates, a zone with a quarter-hour offset whose DST differs from UTC's, the SQL standard's interval output.
    `ALTER DATABASE "${name}" SET datestyle = 'SQL, MDY'`,
    `ALTER DATABASE "${name}" SET timezone = 'Pacific/Chatham'`,
    `ALTER DATABASE "${name}" SET intervalstyle = 'sql_standard'`,
  ]);
  // In a process of its own: this one already parsed its configuration for another database.
  execFileSync(process.execPath, ["--import", "tsx", "--conditions=react-server", "scripts/migrate.ts"], {
    env: { ...process.env, DATABASE_URL: url, DATABASE_URL_UNPOOLED: "", DATABASE_DRIVER: "" },
    stdio: "inherit",
  });
  return () => onServer(serverUrl, [`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]);
}
