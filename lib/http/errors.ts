import type { z } from "zod";
import { noteDiskFull } from "../../db/disk-space";
import {
  isDatabaseUnavailable,
  isDiskFull,
  isInvalidInputError,
  isSchemaMismatch,
  isStatementTimeout,
  mayHaveBeenApplied,
} from "../../db/errors";
import { expectSchemaChange } from "../../db/migrations";
import { isAuthError } from "../auth/errors";
import { ERROR_STATUS, type ErrorBody, type ErrorCode, type ErrorDetail, type ErrorStatus } from "../schemas/errors";
import { MAX_ERROR_DETAILS, MAX_ERROR_PATH_LENGTH } from "../limits";
import { isTaskServiceError } from "../tasks/errors";

export { MAX_ERROR_DETAILS };

// The one place where a failure becomes the contract's error: ApiError is what the API answers with, and toApiError
// maps every other kind (the service's, identity's, the database's) to one. Only lib/http/responses.ts renders it.

/** The one kind of failure the API answers with: thrown from anywhere in lib/http, rendered in errorResponse only. */
export class ApiError extends Error {
  /** Fixed by the code, as in the contract's table. */
  readonly status: ErrorStatus;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export const RETRY_AFTER_SECONDS = 5;

export const invalidJson = (message = "the request body is not valid JSON") => new ApiError("invalid_json", message);

export const unauthenticated = () =>
  new ApiError("unauthenticated", "a valid bearer token is required", undefined, { "WWW-Authenticate": "Bearer" });

export const invalidToken = (message: string) =>
  new ApiError("unauthenticated", message, undefined, { "WWW-Authenticate": 'Bearer error="invalid_token"' });

export const forbidden = () => new ApiError("forbidden", "this path belongs to another user");

export const notFound = (message = "no such task") => new ApiError("not_found", message);

export const methodNotAllowed = (allowed: readonly string[]) =>
  new ApiError("method_not_allowed", `method not allowed; use ${allowed.join(", ")}`, undefined, {
    Allow: allowed.join(", "),
  });

export const preconditionFailed = () =>
  new ApiError("precondition_failed", "the task has changed since the ETag in If-Match; fetch it again");

export const payloadTooLarge = (limitBytes: number) =>
  new ApiError("payload_too_large", `the request body must be at most ${limitBytes} bytes`);

export const unsupportedMediaType = () =>
  new ApiError("unsupported_media_type", "the request body must be sent as Content-Type: application/json");

export const internalError = () => new ApiError("internal_error", "an unexpected error occurred");

export const serviceUnavailable = (message = "the database is unreachable; try again shortly") =>
  new ApiError("service_unavailable", message, undefined, { "Retry-After": String(RETRY_AFTER_SECONDS) });

/**
 * A write whose statement reached the database, which then stopped answering (the connection lost, or no answer within
 * the client's query timer): it may have been applied (issue 14 §2). Still the contract's 503 `service_unavailable`,
 * with `details: [{ "path": "outcome", "message": "unknown" }]` for a client to branch on; every other 503 to a write
 * means that nothing was written. Documented in docs/api.md and the OpenAPI document.
 */
export const outcomeUnknown = () =>
  new ApiError(
    "service_unavailable",
    "the database stopped answering after this write was sent, so it may have been applied: read before retrying, " +
      "or retry a create with the same Idempotency-Key",
    [{ path: "outcome", message: "unknown" }],
    { "Retry-After": String(RETRY_AFTER_SECONDS) },
  );

export const schemaBehind = () =>
  serviceUnavailable("the database's schema is behind this version of the app: run `npm run db:migrate`, then retry");

/** A path as an error shows it: at most MAX_ERROR_PATH_LENGTH characters (a key of the body may be 60 KB long). */
const shownPath = (path: string) =>
  path.length > MAX_ERROR_PATH_LENGTH ? `${path.slice(0, MAX_ERROR_PATH_LENGTH)}…` : path;

export function validationError(details: ErrorDetail[]): ApiError {
  const [first] = details;
  const sentence = first ? `${shownPath(first.path)} ${first.message}` : "the request is invalid";
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  return new ApiError("validation_error", sentence + more, details);
}

/** Turns zod issues into the contract's details; `root` names what an issue without a path is about. */
export function fromZodError(error: z.ZodError, root: string): ApiError {
  const details = error.issues.flatMap((issue): ErrorDetail[] => {
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : root;
    if (issue.code === "unrecognized_keys") {
      const prefix = issue.path.length > 0 ? `${path}.` : "";
      return issue.keys.map((key) => ({ path: prefix + key, message: "is not an allowed field" }));
    }
    return [{ path, message: issue.message }];
  });
  return validationError(details);
}

/** The value, or a 404 when the service found nothing (missing and someone else's look the same). */
export function orNotFound<T>(value: T | undefined | false): T {
  if (value === undefined || value === false) throw notFound();
  return value;
}

/** Failures whose kind lib/http knows: the service's, identity's, and those of this app's database layer. */
function fromKnownKind(error: unknown): ApiError | undefined {
  if (isTaskServiceError(error)) {
    switch (error.code) {
      case "task_version_mismatch":
        return preconditionFailed();
      case "invalid_cursor":
        return validationError([{ path: "cursor", message: error.message }]);
      case "idempotency_key_reused":
        return new ApiError("idempotency_key_reused", "this Idempotency-Key was already used with a different body");
    }
  }
  if (isAuthError(error)) {
    switch (error.code) {
      case "invalid_token":
        return invalidToken(error.message);
      case "identity_provider_unavailable":
        return serviceUnavailable("the identity provider's signing keys cannot be fetched; try again shortly");
    }
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "schema_behind") return schemaBehind();
  if (code === "data_directory_in_use") {
    return serviceUnavailable("the embedded database is in use by another process; see the server's log");
  }
  if (code === "embedded_database_unusable") {
    const { dataDir } = error as { dataDir?: unknown };
    return serviceUnavailable(
      `the embedded database at ${String(dataDir)} cannot be opened: its files look damaged; see the server's log`,
    );
  }
  if (isDiskFull(error)) {
    noteDiskFull();
    return serviceUnavailable("the database's disk is full: nothing was written; retry once space has been freed");
  }
  return undefined;
}

/**
 * Every failure, known or not, as the ApiError the client will see: never the failure's own message. `write`: the
 * request changes data (POST, PUT, PATCH, DELETE), so a database failure after its statement was sent is
 * outcomeUnknown rather than a plain 503.
 */
export function toApiError(error: unknown, { write = false }: { write?: boolean } = {}): ApiError {
  if (error instanceof ApiError) return error;
  const known = fromKnownKind(error);
  if (known) return known;
  if (isDatabaseUnavailable(error)) {
    if (write && mayHaveBeenApplied(error)) return outcomeUnknown();
    if (isStatementTimeout(error))
      return serviceUnavailable("the database is too busy to answer in time; try again shortly");
    return serviceUnavailable();
  }
  if (isSchemaMismatch(error)) {
    // A table or column is missing: someone changed the schema under this process. Look at it again.
    expectSchemaChange();
    return schemaBehind();
  }
  if (isInvalidInputError(error)) {
    return validationError([{ path: "body", message: "breaks a rule the database enforces" }]);
  }
  return internalError();
}

/**
 * The contract's body of an error. An error is never bigger than the request that caused it: at most
 * MAX_ERROR_DETAILS details (the first ones), each path cut to MAX_ERROR_PATH_LENGTH characters, and the number left
 * out in `details_omitted` (absent when none was).
 */
export function errorBody(error: ApiError): ErrorBody {
  if (!error.details) return { error: error.message, code: error.code };
  const details = error.details
    .slice(0, MAX_ERROR_DETAILS)
    .map((detail) => ({ path: shownPath(detail.path), message: detail.message }));
  const omitted = error.details.length - details.length;
  return omitted > 0
    ? { error: error.message, code: error.code, details, details_omitted: omitted }
    : { error: error.message, code: error.code, details };
}
