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
    if (code && (NETWORK_ERROR_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code) || code === "53300")) {
      return true;
    }
    const message = cause instanceof Error ? cause.message.toLowerCase() : "";
    return UNAVAILABLE_MESSAGES.some((fragment) => message.includes(fragment));
  });
}

export function isInvalidInputError(error: unknown): boolean {
  return causes(error).some((cause) => INVALID_INPUT_SQLSTATES.has(codeOf(cause) ?? ""));
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
