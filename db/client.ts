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

// A stuck database must turn into a 503 inside the contract's 5 seconds, never a hung request. Every request makes one
// database round trip, so its worst case is one connection attempt plus one query: 2 s + 2.5 s. These are client-side
// timers on purpose: a server-side statement_timeout would need a session SET or a startup parameter, which PgBouncer's
// transaction pooling (Neon's pooled URL) either drops or refuses.
interface Timeouts {
  connectMs: number;
  queryMs: number | undefined;
}
const SERVING: Timeouts = { connectMs: 2_000, queryMs: 2_500 };
// A migration runs once, by hand or in a deploy step: it may wait for a suspended Neon compute to wake up, and one
// statement (building an index) may take minutes.
const MIGRATING: Timeouts = { connectMs: 15_000, queryMs: undefined };
// Short, because an idle connection pins a function instance (see attachDatabasePool) and a slot of Neon's pooler.
const IDLE_TIMEOUT_MS = 10_000;

const poolOptions = (url: string, poolMax: number, timeouts: Timeouts) => ({
  connectionString: url,
  max: poolMax,
  connectionTimeoutMillis: timeouts.connectMs,
  query_timeout: timeouts.queryMs,
  idleTimeoutMillis: IDLE_TIMEOUT_MS,
});

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

async function openNodePostgres(url: string, poolMax: number, timeouts: Timeouts): Promise<DatabaseHandle> {
  const { Pool } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const { attachDatabasePool } = await import("@vercel/functions/db-connections");
  const pool = new Pool({ ...poolOptions(url, poolMax, timeouts), keepAlive: true });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  // On Vercel, keeps the instance alive until its idle connections are closed, rather than suspending it with them open:
  // a connection frozen for minutes is dead on thaw (the request that picks it up would fail) and holds a server slot
  // meanwhile. Elsewhere it does nothing.
  attachDatabasePool(pool);
  const db = drizzle({ client: pool, schema });
  return {
    db,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => pool.end(),
  };
}

async function openNeon(
  url: string,
  poolMax: number,
  wsProxy: string | undefined,
  timeouts: Timeouts,
): Promise<DatabaseHandle> {
  const { Pool, neonConfig } = await import("@neondatabase/serverless");
  const { drizzle } = await import("drizzle-orm/neon-serverless");
  const { migrate } = await import("drizzle-orm/neon-serverless/migrator");
  if (typeof WebSocket === "undefined") {
    const { default: ws } = await import("ws");
    neonConfig.webSocketConstructor = ws;
  }
  if (wsProxy) {
    // A WebSocket proxy of our own (tests, local development) relays to a plain Postgres, which knows nothing of the
    // shortcuts Neon's proxy takes: no pipelined startup and password (it may not ask for a cleartext password), and no
    // pipelined TLS. The driver adds ?address=host:port itself.
    const proxy = new URL(wsProxy);
    neonConfig.wsProxy = `${proxy.host}${proxy.pathname}`;
    neonConfig.useSecureWebSocket = proxy.protocol === "wss:";
    neonConfig.pipelineConnect = false;
    neonConfig.pipelineTLS = false;
  }
  const { attachDatabasePool } = await import("@vercel/functions/db-connections");
  const pool = new Pool(poolOptions(url, poolMax, timeouts));
  pool.on("error", () => {});
  attachDatabasePool(pool);
  const db = drizzle({ client: pool, schema });
  return {
    db,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => pool.end(),
  };
}

function open(config: DatabaseConfig, timeouts: Timeouts): Promise<DatabaseHandle> {
  switch (config.driver) {
    case "pglite":
      return openPglite(config.dataDir);
    case "pg":
      return openNodePostgres(config.url, config.poolMax, timeouts);
    case "neon":
      return openNeon(config.url, config.poolMax, config.wsProxy, timeouts);
  }
}

// Cached on globalThis so that a dev server's hot reloads reuse one pool (or one embedded instance) per process.
const cache = globalThis as typeof globalThis & { __todoDatabase?: Promise<DatabaseHandle> };

function getHandle(): Promise<DatabaseHandle> {
  if (!cache.__todoDatabase) {
    const opening = open(getEnv().database, SERVING);
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

/** Applies the committed migrations over a connection of their own (the direct URL), without the request timeouts. */
export async function migrateDatabase(): Promise<void> {
  const { database } = getEnv();
  const target = database.driver === "pglite" ? database : { ...database, url: database.migrationUrl };
  const handle = await open(target, MIGRATING);
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }
}

export async function pingDatabase(): Promise<void> {
  await (await getDatabase()).execute(sql`select 1`);
}

export async function closeDatabase(): Promise<void> {
  const handle = cache.__todoDatabase;
  cache.__todoDatabase = undefined;
  if (handle) await (await handle).close();
}
