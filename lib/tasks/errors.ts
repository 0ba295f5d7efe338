// The failures the task service reports. Each is a class with a literal `code`, so callers can narrow a caught value
// by `code` (a discriminated union): that survives minified class names and module copies across server bundles.

/** A conditional write whose expected versions do not include the task's current one: someone changed it first. */
export class TaskVersionMismatchError extends Error {
  readonly code = "task_version_mismatch";
  constructor() {
    super("the task has changed since the given version");
  }
}

/** A list cursor this service did not issue for this query (forged, edited, truncated, or from another query). */
export class InvalidCursorError extends Error {
  readonly code = "invalid_cursor";
  constructor() {
    super("is not a cursor this API issued for this query");
  }
}

/** An Idempotency-Key this owner already used, in the last 24 hours, for a create with another body. */
export class IdempotencyKeyReusedError extends Error {
  readonly code = "idempotency_key_reused";
  constructor() {
    super("this Idempotency-Key was already used with a different request body");
  }
}

export type TaskServiceError = TaskVersionMismatchError | InvalidCursorError | IdempotencyKeyReusedError;

const SERVICE_ERROR_CODES: ReadonlySet<string> = new Set<TaskServiceError["code"]>([
  "task_version_mismatch",
  "invalid_cursor",
  "idempotency_key_reused",
]);

/** Narrows a caught value to one of the service's failures. */
export function isTaskServiceError(error: unknown): error is TaskServiceError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && SERVICE_ERROR_CODES.has(code);
}
