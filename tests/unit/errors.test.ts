import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DataDirectoryInUseError } from "@/db/data-dir-lock";
import { EmbeddedDatabaseUnusableError, markStatementSent, SchemaBehindError } from "@/db/errors";
import { IdentityProviderUnavailableError, InvalidTokenError, isAuthError } from "@/lib/auth/errors";
import {
  ApiError,
  errorBody,
  forbidden,
  fromZodError,
  invalidJson,
  MAX_ERROR_DETAILS,
  methodNotAllowed,
  payloadTooLarge,
  preconditionFailed,
  serviceUnavailable,
  toApiError,
  unauthenticated,
  unsupportedMediaType,
  validationError,
} from "@/lib/http/errors";
import { MAX_ERROR_PATH_LENGTH } from "@/lib/limits";
import { MAX_BODY_BYTES } from "@/lib/http/request-input";
import { ErrorBody } from "@/lib/schemas/errors";
import { TaskCreate } from "@/lib/schemas/tasks";
import { InvalidCursorError, isTaskServiceError } from "@/lib/tasks/errors";

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

describe("the task service's failures", () => {
  it("answer a cursor the API did not issue with a 400 naming the cursor and saying why", () => {
    expect(errorBody(toApiError(new InvalidCursorError()))).toEqual({
      error: expect.any(String),
      code: "validation_error",
      details: [{ path: "cursor", message: "is not a cursor this API issued for this query" }],
    });
  });

  it("are known by class and code together: a look-alike object, another Error's code or null is none of them", () => {
    expect(isTaskServiceError(new InvalidCursorError())).toBe(true);
    expect(isTaskServiceError({ code: "invalid_cursor" })).toBe(false);
    expect(isTaskServiceError(Object.assign(new Error("x"), { code: "invalid_token" }))).toBe(false);
    expect(isTaskServiceError(new Error("x"))).toBe(false);
    expect(isTaskServiceError(null)).toBe(false);
  });
});

describe("every error as the client sees it: status, body and headers", () => {
  const seen = (error: ApiError) => ({ status: error.status, body: errorBody(error), headers: error.headers });
  const retry = { "Retry-After": "5" };
  const unavailable = (message: string) => ({
    status: 503,
    body: { error: message, code: "service_unavailable" },
    headers: retry,
  });

  it("the errors lib/http raises itself", () => {
    expect(seen(invalidJson())).toEqual({
      status: 400,
      body: { error: "the request body is not valid JSON", code: "invalid_json" },
      headers: undefined,
    });
    expect(seen(unauthenticated())).toEqual({
      status: 401,
      body: { error: "a valid bearer token is required", code: "unauthenticated" },
      headers: { "WWW-Authenticate": "Bearer" },
    });
    expect(seen(forbidden()).body).toEqual({ error: "this path belongs to another user", code: "forbidden" });
    expect(seen(methodNotAllowed(["GET", "HEAD"]))).toEqual({
      status: 405,
      body: { error: "method not allowed; use GET, HEAD", code: "method_not_allowed" },
      headers: { Allow: "GET, HEAD" },
    });
    expect(seen(preconditionFailed()).body).toEqual({
      error: "the task has changed since the ETag in If-Match; fetch it again",
      code: "precondition_failed",
    });
    expect(seen(payloadTooLarge(65_536)).body).toEqual({
      error: "the request body must be at most 65536 bytes",
      code: "payload_too_large",
    });
    expect(seen(unsupportedMediaType()).body).toEqual({
      error: "the request body must be sent as Content-Type: application/json",
      code: "unsupported_media_type",
    });
    expect(seen(serviceUnavailable())).toEqual(unavailable("the database is unreachable; try again shortly"));
  });

  it("validation errors: the first detail in a sentence, how many more, paths cut at their limit", () => {
    expect(validationError([]).message).toBe("the request is invalid");
    const three = validationError([
      { path: "title", message: "is required" },
      { path: "done", message: "is not an allowed field" },
      { path: "x", message: "is not an allowed field" },
    ]);
    expect(three.message).toBe("title is required (and 2 more)");
    expect(validationError([{ path: "title", message: "is required" }]).message).toBe("title is required");
    const atLimit = "k".repeat(MAX_ERROR_PATH_LENGTH);
    expect(validationError([{ path: atLimit, message: "m" }]).message).toBe(`${atLimit} m`);
    expect(validationError([{ path: `${atLimit}k`, message: "m" }]).message).toBe(`${atLimit}… m`);
  });

  it("zod issues: unknown keys at the root and below, and an issue about the whole value", () => {
    const root = fromZodError(TaskCreate.safeParse({ title: "t", a: 1 }).error!, "body");
    expect(root.details).toEqual([{ path: "a", message: "is not an allowed field" }]);
    const nested = fromZodError(z.object({ o: z.strictObject({}) }).safeParse({ o: { b: 1 } }).error!, "body");
    expect(nested.details).toEqual([{ path: "o.b", message: "is not an allowed field" }]);
    const deep = fromZodError(z.object({ o: z.object({ n: z.number() }) }).safeParse({ o: { n: "1" } }).error!, "body");
    expect(deep.details).toEqual([{ path: "o.n", message: expect.any(String) }]);
    const whole = fromZodError(TaskCreate.safeParse(null).error!, "body");
    expect(whole.details).toEqual([{ path: "body", message: expect.any(String) }]);
  });

  it("failures from below, by their kind", () => {
    expect(seen(toApiError(new IdentityProviderUnavailableError("the JWKS at x cannot be fetched")))).toEqual(
      unavailable("the identity provider's signing keys cannot be fetched; try again shortly"),
    );
    expect(seen(toApiError(new SchemaBehindError()))).toEqual(
      unavailable("the database's schema is behind this version of the app: run `npm run db:migrate`, then retry"),
    );
    expect(seen(toApiError(new DataDirectoryInUseError("/d", undefined)))).toEqual(
      unavailable("the embedded database is in use by another process; see the server's log"),
    );
    expect(seen(toApiError(new EmbeddedDatabaseUnusableError("/data/pglite", "PANIC")))).toEqual(
      unavailable(
        "the embedded database at /data/pglite cannot be opened: its files look damaged; see the server's log",
      ),
    );
    expect(seen(toApiError(null)).status).toBe(500);
    expect(seen(toApiError(undefined)).body).toEqual({ error: "an unexpected error occurred", code: "internal_error" });
  });

  it("a database that went away: a plain 503 for a read, outcome unknown only for a write that was sent", () => {
    const sent = () => markStatementSent(withCode("Connection terminated unexpectedly", "ECONNRESET"));
    expect(seen(toApiError(sent()))).toEqual(unavailable("the database is unreachable; try again shortly"));
    expect(seen(toApiError(sent(), { write: true }))).toEqual({
      status: 503,
      body: {
        error:
          "the database stopped answering after this write was sent, so it may have been applied: read before " +
          "retrying, or retry a create with the same Idempotency-Key",
        code: "service_unavailable",
        details: [{ path: "outcome", message: "unknown" }],
      },
      headers: retry,
    });
    expect(seen(toApiError(fromServer("canceling statement due to statement timeout", "57014", "ERROR")))).toEqual(
      unavailable("the database is too busy to answer in time; try again shortly"),
    );
  });

  it("input the database refused after validation: a 400 about the body", () => {
    const refused = toApiError(fromServer('violates check constraint "title_not_blank"', "23514", "ERROR"));
    expect(seen(refused)).toEqual({
      status: 400,
      body: {
        error: "body breaks a rule the database enforces",
        code: "validation_error",
        details: [{ path: "body", message: "breaks a rule the database enforces" }],
      },
      headers: undefined,
    });
  });
});

describe("isAuthError", () => {
  it("recognises each identity failure, and nothing that only looks like one", () => {
    expect(isAuthError(new InvalidTokenError("m"))).toBe(true);
    expect(isAuthError(new IdentityProviderUnavailableError("m"))).toBe(true);
    for (const other of [
      null,
      undefined,
      "invalid_token",
      42,
      { code: "invalid_token", message: "a plain object" },
      withCode("another kind", "schema_behind"),
      withCode("a code that is not a string", 1 as unknown as string),
      new Error("no code at all"),
    ]) {
      expect(isAuthError(other)).toBe(false);
    }
  });
});
