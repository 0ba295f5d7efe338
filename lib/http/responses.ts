import type { Task } from "../tasks";
import { errorBody, type ApiError } from "./errors";
import { etagOf } from "./etag";

// What every handler answers with. Headers common to every API response are added by the wrapper (lib/http/handler.ts).

export function json(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return Response.json(body, { status, headers });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/** A single Task response: the task as JSON, with its ETag. */
export function taskResponse(task: Task, status = 200, headers: Record<string, string> = {}): Response {
  return json(task, status, { ...headers, ETag: etagOf(task) });
}

/** The contract's error body, with the error's status and headers (Allow, Retry-After, WWW-Authenticate). */
export function errorResponse(error: ApiError): Response {
  return json(errorBody(error), error.status, error.headers);
}

/** `Link: <this path and query, with cursor>; rel="next"`: relative, so it holds behind any proxy. */
export function nextPageLink(request: Request, cursor: string): string {
  const url = new URL(request.url);
  url.searchParams.set("cursor", cursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}

/** The headers every API response carries (the contract's Headers section). */
export function withCommonHeaders(response: Response, requestId: string): Response {
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("X-Request-Id", requestId);
  return response;
}
