import "server-only";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { getEnv, type DatabaseConfig } from "../lib/env";
import { getLogger } from "../lib/logger";
import { lockDataDirectory } from "./data-dir-lock";
import { stillDiskFull } from "./disk-space";
import { EmbeddedDatabaseUnusableError, isNeverMigrated, markStatementSent, SchemaBehindError } from "./errors";
import { durableStartParams, syncWritesToDisk } from "./pglite-durability";
import { seedDataDirectory } from "./pglite-seed";
import { newestAppliedMigration, schemaKnowledge, schemaStateOf, type SchemaState } from "./migrations";
import * as schema from "./schema";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

interface DatabaseHandle {
  db: Database;
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** The embedded database brings its own schema up to date when it opens, so it is never behind. */
  migratesItself: boolean;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "drizzle");

// A stuck database must turn into a 503 inside the contract's 5 seconds, never a hung request. Every request makes one
// database round trip, so its worst case is getting a connection plus one statement: 2 s + 2.5 s. The statement's bound
// is the server's first: the app's role has statement_timeout = 2s (drizzle/0006_server_side_timeouts.sql, set on the
// role because PgBouncer's transaction pooling, Neon's pooled URL, drops or refuses a session SET), so the server ends a
// statement stuck on a lock, rolls it back and keeps the connection, rather than the client abandoning a backend that
// still waits while the pool opens another beside it (issue 14). The client's 2.5 s timer is for a server that does not
// answer at all (frozen, or the network gone); a write it gives up on may have been applied (db/errors.ts).
interface Timeouts {
  connectMs: number;
  queryMs: number | undefined;
}
const SERVING: Timeouts = { connectMs: 2_000, queryMs: 2_500 };
// A migration runs once, by hand or in a deploy step: it may wait for a suspended Neon compute to wake up, and one
// statement (building an index) may take minutes.
const MIGRATING: Timeouts = { connectMs: 15_000, queryMs: undefined };
// How the app's connections show in pg_stat_activity (and in PgBouncer's SHOW CLIENTS).
const APPLICATION_NAME = "todo-api";
// What db:migrate turns off for its own session: the role's request timeouts (drizzle/0006_server_side_timeouts.sql).
// As startup options, which the direct URL it uses (never PgBouncer) accepts, so that no query runs before drizzle's.
const NO_TIMEOUTS = "-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0";

/** `url` with NO_TIMEOUTS added to its `options` parameter (node-postgres prefers the URL's over a config's). */
function withoutTimeouts(url: string): string {
  const parsed = new URL(url);
  const given = parsed.searchParams.get("options");
  parsed.searchParams.set("options", given ? `${given} ${NO_TIMEOUTS}` : NO_TIMEOUTS);
  return parsed.toString();
}

/** Any driver's Client class, whose query() takes a callback last or returns a promise. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript's rule for a mixin's base class
type QueryingClient = new (...args: any[]) => { query(...args: unknown[]): unknown };

/**
 * The driver's Client class, with every failed query's error marked as that of a statement handed to a connection
 * (markStatementSent), so that a 503 can tell a write that never left from one whose outcome is unknown. Errors of
 * getting a connection do not pass through query().
 */
function markingSentStatements<C extends QueryingClient>(Base: C): C {
  return class extends Base {
    override query(...args: unknown[]): unknown {
      const callback = args.at(-1);
      if (typeof callback === "function") {
        args[args.length - 1] = (error: unknown, ...rest: unknown[]) =>
          (callback as (...results: unknown[]) => unknown)(markStatementSent(error), ...rest);
        return super.query(...args);
      }
      const result = super.query(...args);
      return result instanceof Promise
        ? result.catch((error: unknown) => {
            throw markStatementSent(error);
          })
        : result;
    }
  };
}

/**
 * How much work one search (`?q=`) may give the database: a search examines the owner's tasks in list order, at most
 * `rowsPerStatement` of them per statement, and runs further statements, each starting where the last one stopped,
 * while its request is younger than `requestMs`; then it answers what it found so far with a `Link` to go on.
 */
export interface SearchBudget {
  rowsPerStatement: number;
  requestMs: number;
}

// An ILIKE over a row costs ~10 µs for ordinary tasks and up to ~90 µs (PGlite) or ~45 µs (PostgreSQL) for a row at the
// length limits, multibyte text included (measured on the 2-core test machine). The embedded database runs one
// statement at a time, on the server's own thread: 2,000 rows keep each statement under ~0.2 s however long the rows
// are, so three searches at once hold a health check or another user's request for well under a second; between
// statements, the others' go first. PostgreSQL serves other requests meanwhile: one statement per request (the
// round-trip budget of db/client), 10,000 rows, under ~0.5 s, far inside the role's statement_timeout of 2 s.
const EMBEDDED_SEARCH: SearchBudget = { rowsPerStatement: 2_000, requestMs: 1_000 };
const SERVER_SEARCH: SearchBudget = { rowsPerStatement: 10_000, requestMs: 0 };

/** The search budget of the configured database (see SearchBudget). */
export function searchBudget(): SearchBudget {
  return getEnv().database.driver === "pglite" ? EMBEDDED_SEARCH : SERVER_SEARCH;
}

// Short, because an idle connection pins a function instance (see attachDatabasePool) and a slot of Neon's pooler.
const IDLE_TIMEOUT_MS = 10_000;

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const inMemory = dataDir.includes("://");
  // Before anything touches the directory: a second process on it would destroy it.
  const lock = inMemory ? undefined : await lockDataDirectory(dataDir);
  try {
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    // A new directory's cluster comes from a worker thread: initdb here would block this thread for seconds. Afterwards
    // the directory exists.
    if (!inMemory) await seedDataDirectory(dataDir, MIGRATIONS_FOLDER);
    // PostgreSQL says why it cannot start only on stderr (PGlite then throws a bare "Aborted()"): its last lines are
    // kept for the error.
    const stderr: string[] = [];
    const client = await PGlite.create(dataDir, {
      onStderr: (line) => {
        if (stderr.push(line) > 20) stderr.shift();
        return true;
      },
      ...(inMemory ? {} : { startParams: durableStartParams(PGlite.defaultStartParams) }),
    }).catch((error: unknown) => {
      const reason = stderr.findLast((line) => /\b(PANIC|FATAL):/.test(line))?.replace(/^.*?\b(PANIC|FATAL):\s*/, "");
      throw new EmbeddedDatabaseUnusableError(dataDir, reason ?? String(error));
    });
    if (!inMemory && !syncWritesToDisk(client)) {
      getLogger().warn(
        { dataDir },
        "this PGlite cannot sync to disk: a write survives a crash of the process, not of the OS",
      );
    }
    const db = drizzle({ client, schema });
    const migrateEmbedded = () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    // The embedded database is the zero-setup default, so it brings its own schema up to date.
    await migrateEmbedded();
    return {
      db,
      migrate: migrateEmbedded,
      migratesItself: true,
      async close() {
        await client.close();
        await lock?.release();
      },
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

/** node-postgres and Neon's serverless driver: the same Pool interface, the same drizzle adapter shape. */
async function openServer(
  config: Extract<DatabaseConfig, { driver: "pg" | "neon" }>,
  url: string,
  timeouts: Timeouts,
): Promise<DatabaseHandle> {
  const options = {
    connectionString: url,
    application_name: APPLICATION_NAME,
    max: config.poolMax,
    connectionTimeoutMillis: timeouts.connectMs,
    query_timeout: timeouts.queryMs,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
  };
  const { attachDatabasePool } = await import("@vercel/functions/db-connections");
  let pool: import("pg").Pool | import("@neondatabase/serverless").Pool;
  let db: Database;
  let migrate: () => Promise<void>;
  if (config.driver === "pg") {
    const { Pool, Client } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const migrator = await import("drizzle-orm/node-postgres/migrator");
    const pgPool = new Pool({ ...options, keepAlive: true, Client: markingSentStatements(Client) });
    db = drizzle({ client: pgPool, schema });
    migrate = () =>
      migrator.migrate(db as Parameters<typeof migrator.migrate>[0], { migrationsFolder: MIGRATIONS_FOLDER });
    pool = pgPool;
  } else {
    const { Pool, Client, neonConfig } = await import("@neondatabase/serverless");
    const { drizzle } = await import("drizzle-orm/neon-serverless");
    const migrator = await import("drizzle-orm/neon-serverless/migrator");
    // Always `ws`, as Neon documents for Node.js: Node 22+ has a global WebSocket (undici's) that the driver would pick
    // up otherwise, whose failures carry no error code, so a database going away would read as a bug (500, not 503).
    neonConfig.webSocketConstructor = (await import("ws")).default;
    if (config.wsProxy) {
      // A WebSocket proxy of our own (tests, local development) relays to a plain Postgres, which knows nothing of the
      // shortcuts Neon's proxy takes: no pipelined startup and password (it may not ask for a cleartext password), and
      // no pipelined TLS. The driver adds ?address=host:port itself.
      const proxy = new URL(config.wsProxy);
      neonConfig.wsProxy = `${proxy.host}${proxy.pathname}`;
      neonConfig.useSecureWebSocket = proxy.protocol === "wss:";
      neonConfig.pipelineConnect = false;
      neonConfig.pipelineTLS = false;
    }
    const neonPool = new Pool(options);
    // Neon's Pool sets its own Client class in its constructor, over any `Client` option.
    Object.assign(neonPool, { Client: markingSentStatements(Client) });
    db = drizzle({ client: neonPool, schema });
    migrate = () =>
      migrator.migrate(db as Parameters<typeof migrator.migrate>[0], { migrationsFolder: MIGRATIONS_FOLDER });
    pool = neonPool;
  }
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  // On Vercel, keeps the instance alive until its idle connections are closed, rather than suspending it with them open:
  // a connection frozen for minutes is dead on thaw (the request that picks it up would fail) and holds a server slot
  // meanwhile. Elsewhere it does nothing.
  attachDatabasePool(pool);
  return { db, migrate, migratesItself: false, close: () => pool.end() };
}

function open(config: DatabaseConfig, timeouts: Timeouts, purpose: "serve" | "migrate"): Promise<DatabaseHandle> {
  if (config.driver === "pglite") return openPglite(config.dataDir);
  // A migration may build an index for minutes: its session (the direct URL, never PgBouncer) lifts the role's timeouts.
  return openServer(config, purpose === "migrate" ? withoutTimeouts(config.migrationUrl) : config.url, timeouts);
}

// How often a process whose database was found behind its migrations looks again, so that running `db:migrate` brings
// a running server back without a restart, while a request in between costs no round trip.
const SCHEMA_RECHECK_MS = 2_000;

// A failed open is remembered this long, and the requests meanwhile get its error at once: opening a damaged embedded
// database costs 1 to 3 s of CPU, which each request would otherwise pay again.
const OPEN_RETRY_MS = 5_000;

// Cached on globalThis so that a dev server's hot reloads reuse one pool (or one embedded instance) per process.
const cache = globalThis as typeof globalThis & {
  __todoDatabase?: Promise<DatabaseHandle>;
  __todoOpenFailure?: string;
};

function getHandle(): Promise<DatabaseHandle> {
  if (!cache.__todoDatabase) {
    const opening = open(getEnv().database, SERVING, "serve");
    cache.__todoDatabase = opening;
    // A failed open (a locked or damaged PGlite directory) is retried by a request after OPEN_RETRY_MS rather than
    // cached forever; its cause is logged once, not once per attempt.
    opening.then(
      (handle) => {
        cache.__todoOpenFailure = undefined;
        if (handle.migratesItself) Object.assign(schemaKnowledge(), { state: "current", checkedAt: Date.now() });
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        const reason = error instanceof EmbeddedDatabaseUnusableError ? error.reason : undefined;
        const failure = reason ? `${message} (${reason})` : message;
        if (cache.__todoOpenFailure !== failure)
          getLogger().error({ failure, reason }, "the database cannot be opened");
        cache.__todoOpenFailure = failure;
        setTimeout(() => {
          if (cache.__todoDatabase === opening) cache.__todoDatabase = undefined;
        }, OPEN_RETRY_MS).unref();
      },
    );
  }
  return cache.__todoDatabase;
}

/** One round trip: whether the committed migrations are all applied. Records what it found. */
function checkSchema(db: Database): Promise<SchemaState> {
  const known = schemaKnowledge();
  known.pending ??= db
    .execute(newestAppliedMigration())
    .then(schemaStateOf, (error: unknown) => {
      if (isNeverMigrated(error)) return "behind" as const;
      throw error;
    })
    .then((state) => {
      Object.assign(known, { state, checkedAt: Date.now() });
      return state;
    })
    .finally(() => {
      known.pending = undefined;
    });
  return known.pending;
}

/**
 * The one database handle of this process, created lazily with the driver chosen by the configuration.
 * Throws SchemaBehindError (without a round trip, between checks) while the database lacks some of the committed
 * migrations; a driver's error when the database cannot be reached; DataDirectoryInUseError for a locked PGlite.
 */
export async function getDatabase(): Promise<Database> {
  const handle = await getHandle();
  const known = schemaKnowledge();
  if (known.state === "current") return handle.db;
  if (known.state === "behind" && Date.now() - known.checkedAt < SCHEMA_RECHECK_MS) throw new SchemaBehindError();
  if ((await checkSchema(handle.db)) === "behind") throw new SchemaBehindError();
  return handle.db;
}

/**
 * Opens the database when the server starts, so that the first request does not pay for it (the embedded database's
 * first start runs initdb). Resolves when it is open, or rejects with why not; a rejection is retried by requests.
 */
export async function openDatabaseEarly(): Promise<void> {
  await getDatabase();
}

/** Applies the committed migrations over a connection of their own (the direct URL), without the request timeouts. */
export async function migrateDatabase(): Promise<void> {
  const handle = await open(getEnv().database, MIGRATING, "migrate");
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }
}

export type DatabaseHealth = "ok" | "unreachable" | "not_migrated" | "disk_full";

/**
 * One round trip that says whether the database answers and has every committed migration, and for the embedded
 * database whether its disk has room for writes (`disk_full` after a write failed for want of space, until space is
 * freed); never throws.
 */
export async function checkDatabaseHealth(): Promise<DatabaseHealth> {
  try {
    const handle = await getHandle();
    if (handle.migratesItself) {
      await handle.db.execute(sql`select 1`);
      return stillDiskFull() ? "disk_full" : "ok";
    }
    return (await checkSchema(handle.db)) === "current" ? "ok" : "not_migrated";
  } catch {
    return "unreachable";
  }
}

export async function closeDatabase(): Promise<void> {
  const handle = cache.__todoDatabase;
  cache.__todoDatabase = undefined;
  Object.assign(schemaKnowledge(), { state: "unknown", checkedAt: 0 });
  if (handle) await (await handle).close();
}
