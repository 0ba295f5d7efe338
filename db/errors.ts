// Classifies what a driver threw (node-postgres, Neon, PGlite; drizzle wraps them in DrizzleQueryError.cause).

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

// node-postgres reports pool and socket failures without a code, so their messages are all there is to go on.
const UNAVAILABLE_MESSAGES = [
  "timeout exceeded when trying to connect",
  "connection terminated",
  "query read timeout",
  "connection error and is not queryable",
  "cannot use a pool after calling end",
];

// The database answers, but not in time for this request: too many connections, or a statement the server ended at the
// role's statement_timeout or lock_timeout (drizzle/0006_server_side_timeouts.sql), rolled back.
const BUSY_SQLSTATES = new Set([
  "53300", // too_many_connections
  "57014", // query_canceled: statement_timeout, or a cancel request
  "55P03", // lock_not_available: lock_timeout
]);

// Rules the database enforces beside the API's validation: if one ever fires, the input was bad, not the server.
const INVALID_INPUT_SQLSTATES = new Set([
  "22001", // string_data_right_truncation
  "22021", // character_not_in_repertoire
  "22P05", // untranslatable_character (U+0000)
  "23514", // check_violation
]);

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  while (current !== undefined && current !== null && chain.length < 8) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return causes(error).some((cause) => {
    const code = codeOf(cause);
    if (
      code &&
      (NETWORK_ERROR_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code) || BUSY_SQLSTATES.has(code))
    ) {
      return true;
    }
    const message = cause instanceof Error ? cause.message.toLowerCase() : "";
    return UNAVAILABLE_MESSAGES.some((fragment) => message.includes(fragment));
  });
}

// From the global registry: the pool that marks errors is cached on globalThis (db/client.ts), and each route of a Next.js
// build may have its own copy of this module, so a module-local Symbol would not be the one the mapping looks for.
const STATEMENT_SENT = Symbol.for("todo-api.statementSent");

/**
 * Marks a driver's error as the failure of a statement handed to a connection (db/client.ts does it for every query),
 * as opposed to one that never got a connection. Returns the error.
 */
export function markStatementSent<E>(error: E): E {
  if (typeof error === "object" && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, STATEMENT_SENT, { value: true });
  }
  return error;
}

/**
 * Whether a statement that failed may have been applied all the same (issue 14 §2): it was handed to a connection, and
 * no error response of the server's says it was rolled back (an `ERROR`, whose statement's implicit transaction is
 * rolled back, as at statement_timeout; told from a `FATAL` by its SQLSTATE, since the severity is localised). A lost connection, the client's own query timer, a `FATAL` (the server shutting
 * down) after the statement was sent: the commit may have happened. A failure to get a connection at all: it was not.
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  const chain = causes(error);
  const sent = chain.some((cause) => (cause as { [STATEMENT_SENT]?: boolean })[STATEMENT_SENT] === true);
  const rolledBack = chain.some((cause) => {
    // A message from the server (the driver gives it a severity, in the server's language) with a SQLSTATE.
    const code = codeOf(cause);
    return (cause as { severity?: unknown }).severity !== undefined && code !== undefined && !endsSession(code);
  });
  return sent && !rolledBack;
}

// SQLSTATEs the server sends as FATAL, ending the session: a statement in flight may have committed before.
const endsSession = (code: string) =>
  code.startsWith("08") || code.startsWith("28") || /^57P0\d$/.test(code) || ["25P03", "53300", "3D000"].includes(code);

/** The server ended the statement for taking too long (statement_timeout, lock_timeout, a cancel): it was rolled back. */
export function isStatementTimeout(error: unknown): boolean {
  return causes(error).some((cause) => ["57014", "55P03"].includes(codeOf(cause) ?? ""));
}

export function isInvalidInputError(error: unknown): boolean {
  return causes(error).some((cause) => INVALID_INPUT_SQLSTATES.has(codeOf(cause) ?? ""));
}

/** A unique_violation of the named constraint. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return causes(error).some((cause) => {
    if (codeOf(cause) !== "23505") return false;
    const named = (cause as { constraint?: unknown }).constraint;
    return typeof named === "string" ? named === constraint : String((cause as Error).message).includes(constraint);
  });
}

export function isForeignKeyViolation(error: unknown): boolean {
  return causes(error).some((cause) => codeOf(cause) === "23503");
}

/**
 * What of a failure may be logged: drizzle's DrizzleQueryError repeats the statement's parameters (titles, emails: user
 * data) in its message and stack, so it is replaced by the driver's own error, annotated with the statement alone.
 */
export function withoutQueryParameters(error: unknown): unknown {
  const { query, params, cause } = (error ?? {}) as { query?: unknown; params?: unknown; cause?: unknown };
  if (typeof query !== "string" || params === undefined) return error;
  // A view of the driver's error (its type, message, stack and fields) with the statement added.
  if (cause instanceof Error) return Object.assign(Object.create(cause) as Error, { query });
  const bare = new Error(`Failed query: ${query}`);
  bare.name = "DrizzleQueryError";
  return bare;
}

// undefined_table, invalid_schema_name: the migrations table (or its schema) is not there, so nothing was ever migrated.
const NEVER_MIGRATED_SQLSTATES = new Set(["42P01", "3F000"]);
// undefined_table, undefined_column, undefined_function, undefined_object: a statement refers to what a migration adds.
const SCHEMA_MISMATCH_SQLSTATES = new Set(["42P01", "42703", "42883", "42704"]);

export function isNeverMigrated(error: unknown): boolean {
  return causes(error).some((cause) => NEVER_MIGRATED_SQLSTATES.has(codeOf(cause) ?? ""));
}

/** A statement failed because the database lacks a table, column or function the app's migrations create. */
export function isSchemaMismatch(error: unknown): boolean {
  return causes(error).some((cause) => SCHEMA_MISMATCH_SQLSTATES.has(codeOf(cause) ?? ""));
}

/** The database answers, but lacks some of the migrations committed in drizzle/: `npm run db:migrate` has not run. */
export class SchemaBehindError extends Error {
  readonly code = "schema_behind";
  constructor() {
    super("the database schema is behind this version of the app");
  }
}

const CONNECTION_FAILURES: Record<string, string> = {
  ECONNREFUSED: "connection refused (is PostgreSQL running, on that host and port?)",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found (DNS lookup failed)",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset by the server",
};

/**
 * Why a database could not be used, in one line for a person: the driver's own words for PostgreSQL's errors
 * (`database "x" does not exist`, `password authentication failed for user "y"`), a plain phrase for a socket's, never
 * the statement drizzle was running. Errors this app defines (a locked data directory) keep their message.
 */
export function describeDatabaseFailure(error: unknown): string {
  const chain = causes(error);
  // AggregateError: node-postgres tried each address of a host name (::1, then 127.0.0.1) and all failed alike.
  const innermost = chain.flatMap((cause): unknown[] =>
    cause instanceof AggregateError ? [cause, ...(cause.errors as unknown[])] : [cause],
  );
  for (const cause of innermost.reverse()) {
    const code = codeOf(cause);
    if (code && CONNECTION_FAILURES[code]) return CONNECTION_FAILURES[code];
    const message = cause instanceof Error ? cause.message.split("\n")[0]?.trim() : undefined;
    if (!message || message.startsWith("Failed query:")) continue;
    if (message.toLowerCase().includes("timeout exceeded when trying to connect")) return "connection timed out";
    return code && /^[0-9A-Z]{5}$/.test(code) ? `${message} (SQLSTATE ${code})` : message;
  }
  return "unknown error";
}

/** disk_full (SQLSTATE 53100): the database could not extend a file. Nothing was written; space must be freed. */
export function isDiskFull(error: unknown): boolean {
  return causes(error).some((cause) => codeOf(cause) === "53100");
}

/**
 * The embedded database's data directory exists but PGlite cannot start on it: a damaged control file or WAL (`PANIC:
 * could not locate a valid checkpoint record`), files from another PostgreSQL version. `reason` is PostgreSQL's own
 * last PANIC or FATAL line, when it wrote one: logged once when the open fails, it is kept out of the message (and out
 * of what a log serializer sees) so that the requests refused meanwhile do not repeat it.
 */
export class EmbeddedDatabaseUnusableError extends Error {
  readonly code = "embedded_database_unusable";
  readonly #reason: string;
  constructor(
    readonly dataDir: string,
    reason: string,
  ) {
    super(
      `The embedded database at ${dataDir} cannot be opened: its files look damaged. Restore the directory from a ` +
        `backup, or move it aside to start with an empty database.`,
    );
    this.#reason = reason;
  }

  get reason(): string {
    return this.#reason;
  }
}
