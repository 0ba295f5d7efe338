import { withoutQueryParameters } from "../../db/errors";
import { getLogger } from "../logger";
import { apiRouteOf } from "./routes";

// One JSON line per API request: what happened, to whom, how long it took, and for a failure from below, what was thrown.

type RouteParams = Record<string, string | string[] | undefined>;

/** An X-Request-Id the API echoes; any other is replaced, so logs never carry what a caller smuggled in. */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id (the header's value, if any) when it is sane, else a new one. */
export function requestIdFrom(sent: string | null | undefined): string {
  return sent != null && SANE_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
}

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The route Next.js matched, such as `/api/[userId]/tasks/[taskId]`: it groups the log lines of one route and keeps
 * user ids out of that field. A named route is taken from the routes table (rebuilding it from the params would take
 * user `api`'s `/api/api/tasks` for `/[userId]/api/tasks`); any other (a catch-all) is rebuilt from the path and its
 * params, which Next.js fills in path order.
 */
export function routeOf(pathname: string, params: RouteParams): string {
  const named = apiRouteOf(pathname);
  if (named) return named.route;
  const segments = pathname.split("/");
  // Segment 1 of an API path is `api` itself, never a parameter (a user may be named "api").
  let from = segments[1] === "api" ? 2 : 1;
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (let at = from; at + values.length <= segments.length; at++) {
      if (values.every((expected, offset) => decodedSegment(segments[at + offset] ?? "") === expected)) {
        segments.splice(at, values.length, Array.isArray(value) ? `[...${name}]` : `[${name}]`);
        from = at + 1;
        break;
      }
    }
  }
  return segments.join("/");
}

export interface RequestOutcome {
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  userId?: string;
  /** The error body's code, for a failure. */
  code?: string;
  /** What was thrown, for a 5xx that lib/http did not raise itself: a bug, or the database failing. */
  err?: unknown;
  /** The client closed the connection before its request was complete. */
  clientAborted?: true;
}

/** Writes the request's line: `error` for an unexpected failure, `warn` for another 5xx, `info` otherwise. */
export function logRequest(outcome: RequestOutcome): void {
  // drizzle repeats a statement's parameters (user data) in its error: the driver's own error goes to the log instead.
  const line = outcome.err === undefined ? outcome : { ...outcome, err: withoutQueryParameters(outcome.err) };
  const logger = getLogger();
  if (outcome.status >= 500 && outcome.code === "internal_error") logger.error(line, "request failed");
  else if (outcome.status >= 500) logger.warn(line, "request failed");
  else logger.info(line, "request");
}
