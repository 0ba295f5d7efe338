import "server-only";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { getEnv, type DatabaseConfig } from "../lib/env";
import * as schema from "./schema";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

interface DatabaseHandle {
  db: Database;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "drizzle");

// A stuck database must turn into a 503 well inside the contract's 5 seconds, never a hung request.
const CONNECT_TIMEOUT_MS = 3_000;
const QUERY_TIMEOUT_MS = 4_000;
const IDLE_TIMEOUT_MS = 30_000;

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzle({ client, schema });
  // The embedded database is the zero-setup default, so it brings its own schema up to date.
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    db,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  };
}

async function openNodePostgres(url: string, poolMax: number): Promise<DatabaseHandle> {
  const { Pool } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const pool = new Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
  });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const db = drizzle({ client: pool, schema });
  return {
    db,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => pool.end(),
  };
}

async function openNeon(url: string, poolMax: number): Promise<DatabaseHandle> {
  const { Pool, neonConfig } = await import("@neondatabase/serverless");
  const { drizzle } = await import("drizzle-orm/neon-serverless");
  const { migrate } = await import("drizzle-orm/neon-serverless/migrator");
  if (typeof WebSocket === "undefined") {
    const { default: ws } = await import("ws");
    neonConfig.webSocketConstructor = ws;
  }
  const pool = new Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
  });
  pool.on("error", () => {});
  const db = drizzle({ client: pool, schema });
  return {
    db,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => pool.end(),
  };
}

function open(config: DatabaseConfig): Promise<DatabaseHandle> {
  switch (config.driver) {
    case "pglite":
      return openPglite(config.dataDir);
    case "pg":
      return openNodePostgres(config.url, config.poolMax);
    case "neon":
      return openNeon(config.url, config.poolMax);
  }
}

// Cached on globalThis so that a dev server's hot reloads reuse one pool (or one embedded instance) per process.
const cache = globalThis as typeof globalThis & { __todoDatabase?: Promise<DatabaseHandle> };

function getHandle(): Promise<DatabaseHandle> {
  if (!cache.__todoDatabase) {
    const opening = open(getEnv().database);
    cache.__todoDatabase = opening;
    // A failed open (say, a locked PGlite directory) is retried by the next request rather than cached forever.
    opening.catch(() => {
      if (cache.__todoDatabase === opening) cache.__todoDatabase = undefined;
    });
  }
  return cache.__todoDatabase;
}

/** The one database handle of this process, created lazily with the driver chosen by the configuration. */
export async function getDatabase(): Promise<Database> {
  return (await getHandle()).db;
}

export async function migrateDatabase(): Promise<void> {
  await (await getHandle()).migrate();
}

export async function pingDatabase(): Promise<void> {
  await (await getDatabase()).execute(sql`select 1`);
}

export async function closeDatabase(): Promise<void> {
  const handle = cache.__todoDatabase;
  cache.__todoDatabase = undefined;
  if (handle) await (await handle).close();
}
