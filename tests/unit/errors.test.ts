import { describe, expect, it } from "vitest";
import { markStatementSent } from "@/db/errors";
import { IdentityProviderUnavailableError, InvalidTokenError, isAuthError } from "@/lib/auth/errors";
import { ApiError, errorBody, fromZodError, MAX_ERROR_DETAILS, toApiError, validationError } from "@/lib/http/errors";
import { MAX_BODY_BYTES } from "@/lib/http/request-input";
import { ErrorBody } from "@/lib/schemas/errors";
import { TaskCreate } from "@/lib/schemas/tasks";
import {
  IdempotencyKeyReusedError,
  InvalidCursorError,
  isTaskServiceError,
  TaskVersionMismatchError,
} from "@/lib/tasks/errors";

class FakeDrizzleQueryError extends Error {
  constructor(override readonly cause: unknown) {
    super("Failed query: select 1\nparams: ");
  }
}

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** An error response of the server's, as node-postgres and Neon's driver build it. */
const fromServer = (message: string, code: string, severity: string) =>
  Object.assign(withCode(message, code), { severity });

describe("toApiError", () => {
  it("passes ApiErrors through unchanged", () => {
    const error = new ApiError("forbidden", "nope");
    expect(toApiError(error)).toBe(error);
  });

  it.each([
    ["a refused connection", withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["a pool that timed out connecting", new Error("timeout exceeded when trying to connect")],
    ["a server shutting down", withCode("terminating connection due to administrator command", "57P01")],
    ["a connection exception", withCode("connection failure", "08006")],
    ["a dropped connection", new Error("Connection terminated unexpectedly")],
    ["a statement the server ended at statement_timeout", fromServer("canceling statement", "57014", "ERROR")],
    ["a lock not granted within lock_timeout", fromServer("could not obtain lock", "55P03", "ERROR")],
  ])("answers 503 with Retry-After for %s, even wrapped by drizzle", (_label, cause) => {
    const error = toApiError(new FakeDrizzleQueryError(cause));
    expect(error.status).toBe(503);
    expect(error.code).toBe("service_unavailable");
    expect(error.headers).toEqual({ "Retry-After": "5" });
  });

  it("answers 503 saying the disk is full, not 500, when the database cannot extend a file (disk_full, 53100)", () => {
    const cause = withCode('could not extend file "base/5/16385": No space left on device', "53100");
    const error = toApiError(new FakeDrizzleQueryError(cause));
    expect(error.status).toBe(503);
    expect(error.code).toBe("service_unavailable");
    expect(error.message).toContain("disk is full");
    expect(error.headers).toEqual({ "Retry-After": "5" });
  });

  it("answers 400 when the database itself refuses the input", () => {
    const error = toApiError(new FakeDrizzleQueryError(withCode("violates check", "23514")));
    expect(error.status).toBe(400);
    expect(error.code).toBe("validation_error");
  });

  it.each([
    ["undefined table", 'relation "tasks" does not exist', "42P01"],
    ["undefined column", 'column "completed" does not exist', "42703"],
    ["undefined function", "function tasks_touch_updated_at() does not exist", "42883"],
  ])("answers 503 telling to run db:migrate when a statement meets a missing %s", (_kind, message, code) => {
    const error = toApiError(new FakeDrizzleQueryError(withCode(message, code)));
    expect(error.status).toBe(503);
    expect(error.headers).toEqual({ "Retry-After": "5" });
    expect(errorBody(error)).toEqual({
      error: "the database's schema is behind this version of the app: run `npm run db:migrate`, then retry",
      code: "service_unavailable",
    });
  });

  it("answers 500 without internals for anything else", () => {
    const error = toApiError(new FakeDrizzleQueryError(withCode('syntax error at or near "selec"', "42601")));
    expect(errorBody(error)).toEqual({ error: "an unexpected error occurred", code: "internal_error" });
  });
});

describe("isAuthError and isTaskServiceError", () => {
  // What a catch block may hold besides the failures themselves: nothing, non-errors, an object that only looks like
  // one of them, and errors of other kinds with a code.
  const others = [
    null,
    undefined,
    "invalid_token",
    42,
    { code: "invalid_token", message: "a plain object" },
    { code: "invalid_cursor", message: "a plain object" },
    withCode("another kind", "schema_behind"),
    withCode("a code that is not a string", 1 as unknown as string),
    new Error("no code at all"),
  ];

  it("recognises each identity failure, and nothing else", () => {
    expect(isAuthError(new InvalidTokenError("m"))).toBe(true);
    expect(isAuthError(new IdentityProviderUnavailableError("m"))).toBe(true);
    expect(isAuthError(new InvalidCursorError())).toBe(false);
    for (const other of others) expect(isAuthError(other)).toBe(false);
  });

  it("recognises each failure of the task service, and nothing else", () => {
    expect(isTaskServiceError(new TaskVersionMismatchError())).toBe(true);
    expect(isTaskServiceError(new InvalidCursorError())).toBe(true);
    expect(isTaskServiceError(new IdempotencyKeyReusedError())).toBe(true);
    expect(isTaskServiceError(new InvalidTokenError("m"))).toBe(false);
    for (const other of others) expect(isTaskServiceError(other)).toBe(false);
  });

  it("answers a cursor the service refused with the service's reason", () => {
    expect(errorBody(toApiError(new InvalidCursorError()))).toEqual({
      error: "cursor is not a cursor this API issued for this query",
      code: "validation_error",
      details: [{ path: "cursor", message: "is not a cursor this API issued for this query" }],
    });
  });
});

describe("a write the database stopped answering (issue 14 §2)", () => {
  const unknown = { path: "outcome", message: "unknown" };
  const detailsOf = (cause: unknown, write = true) =>
    errorBody(toApiError(new FakeDrizzleQueryError(cause), { write })).details;

  it.each([
    ["the client's query timer", () => new Error("Query read timeout")],
    ["a dropped connection", () => new Error("Connection terminated unexpectedly")],
    ["a reset connection", () => withCode("read ECONNRESET", "ECONNRESET")],
    ["the server shutting down (FATAL)", () => fromServer("terminating connection", "57P01", "FATAL")],
  ])("after the statement was sent, says the outcome is unknown: %s", (_label, cause) => {
    const error = toApiError(new FakeDrizzleQueryError(markStatementSent(cause())), { write: true });
    expect(error.status).toBe(503);
    expect(error.code).toBe("service_unavailable");
    expect(error.headers).toEqual({ "Retry-After": "5" });
    expect(errorBody(error).details).toEqual([unknown]);
  });

  it.each([
    ["never got a connection", () => new Error("timeout exceeded when trying to connect")],
    ["a refused connection", () => withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["the server ended it (statement_timeout)", () => markStatementSent(fromServer("canceling", "57014", "ERROR"))],
    ["the server ended it, in its own language", () => markStatementSent(fromServer("Abbruch", "57014", "FEHLER"))],
  ])("says nothing was written when it was not: %s", (_label, cause) => {
    expect(detailsOf(cause())).toBeUndefined();
  });

  it("says the database was too busy when the server ended the statement", () => {
    const error = toApiError(new FakeDrizzleQueryError(fromServer("canceling", "57014", "ERROR")), { write: true });
    expect(errorBody(error)).toEqual({
      error: "the database is too busy to answer in time; try again shortly",
      code: "service_unavailable",
    });
  });

  it("a read is never 'outcome unknown'", () => {
    expect(detailsOf(markStatementSent(new Error("Query read timeout")), false)).toBeUndefined();
  });
});

describe("an error is never bigger than the request that caused it", () => {
  /** A body of at most 64 KiB (the limit) whose every key is one the schema does not allow. */
  function bodyOfUnknownKeys(keyLength: number): string {
    const entries: string[] = [];
    let size = 2;
    for (let n = 0; size + keyLength + 16 < MAX_BODY_BYTES; n++) {
      const entry = `"${String(n).padStart(keyLength, "k")}":0`;
      entries.push(entry);
      size += entry.length + 1;
    }
    return `{${entries.join(",")}}`;
  }

  it.each([
    ["6,000 short unknown keys", 8],
    ["a few unknown keys of 20 KB each", 20_000],
  ])("%s: at most 20 details, a count of the rest, and a body smaller than the request", (_label, keyLength) => {
    const body = bodyOfUnknownKeys(keyLength);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const parsed = TaskCreate.safeParse(JSON.parse(body));
    expect(parsed.success).toBe(false);
    const error = fromZodError(parsed.error!, "body");
    const rendered = errorBody(error);
    // Each unknown key, and the missing title.
    const problems = Object.keys(JSON.parse(body) as object).length + 1;
    expect(rendered.details!.length).toBe(Math.min(problems, MAX_ERROR_DETAILS));
    expect(rendered.details_omitted ?? 0).toBe(problems - rendered.details!.length);
    expect(ErrorBody.parse(rendered)).toEqual(rendered);
    expect(Buffer.byteLength(JSON.stringify(rendered))).toBeLessThan(Math.min(Buffer.byteLength(body), 8 * 1024));
  });

  it("keeps every detail, and says nothing of omissions, when there are 20 or fewer", () => {
    const details = Array.from({ length: MAX_ERROR_DETAILS }, (_, n) => ({ path: `f${n}`, message: "is bad" }));
    const rendered = errorBody(validationError(details));
    expect(rendered.details).toEqual(details);
    expect(rendered).not.toHaveProperty("details_omitted");
  });
});
