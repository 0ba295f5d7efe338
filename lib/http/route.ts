import { resolveSession, type SessionUser } from "../auth/session";
import { getLogger } from "../logger";
import { TaskId } from "../schemas/tasks";
import {
  ApiError,
  errorBody,
  forbidden,
  fromZodError,
  methodNotAllowed,
  notFound,
  toApiError,
  unauthenticated,
} from "./errors";

// The one wrapper every API handler goes through: request id, session, path user, error mapping, common headers, and
// one log line per request.

type RouteParams = Record<string, string | string[] | undefined>;
/** The second argument Next.js passes to a route handler. */
export interface HandlerContext<Params extends RouteParams> {
  params: Promise<Params>;
}
export type RouteHandler<Params extends RouteParams> = (
  request: Request,
  context: HandlerContext<Params>,
) => Promise<Response>;

export interface ApiRequest<Params extends RouteParams> {
  request: Request;
  params: Params;
  requestId: string;
  /** What the request's log line says beyond the response, filled in as it becomes known. */
  logFields: { userId?: string };
}
export interface UserRequest<Params extends RouteParams> extends ApiRequest<Params> {
  user: SessionUser;
}
export interface TaskRequest<Params extends RouteParams> extends UserRequest<Params> {
  taskId: number;
}

/** An X-Request-Id the API echoes; any other is replaced, so logs never carry what a caller smuggled in. */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(request: Request): string {
  const sent = request.headers.get("x-request-id");
  return sent !== null && SANE_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
}

function withCommonHeaders(response: Response, requestId: string): Response {
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("X-Request-Id", requestId);
  return response;
}

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The route Next.js matched, such as `/api/[userId]/tasks/[taskId]`, rebuilt from the path and its params (Next.js
 * fills them in path order): it groups the log lines of one route and keeps user ids out of that field.
 */
export function routeOf(pathname: string, params: RouteParams): string {
  const segments = pathname.split("/");
  let from = 1;
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

interface RequestOutcome {
  route: string;
  status: number;
  userId?: string;
  code?: string;
  /** What was thrown, for a 5xx that was not an ApiError: a bug, or the database failing. */
  err?: unknown;
}

function logRequest(request: Request, requestId: string, startedAt: number, outcome: RequestOutcome): void {
  const line = {
    requestId,
    method: request.method,
    route: outcome.route,
    status: outcome.status,
    durationMs: Math.round(performance.now() - startedAt),
    userId: outcome.userId,
    code: outcome.code,
    err: outcome.err,
  };
  const logger = getLogger();
  if (outcome.status >= 500 && outcome.code === "internal_error") logger.error(line, "request failed");
  else if (outcome.status >= 500) logger.warn(line, "request failed");
  else logger.info(line, "request");
}

export function errorResponse(error: ApiError): Response {
  return Response.json(errorBody(error), { status: error.status, headers: error.headers });
}

export function json(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return Response.json(body, { status, headers });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/** A handler with the API's error mapping and headers, and no authentication (health, unknown routes). */
export function apiRoute<Params extends RouteParams = RouteParams>(
  handler: (request: ApiRequest<Params>) => Promise<Response>,
): RouteHandler<Params> {
  return async (request, context) => {
    const startedAt = performance.now();
    const requestId = requestIdOf(request);
    const logFields: ApiRequest<Params>["logFields"] = {};
    let params: RouteParams = {};
    let response: Response;
    let failure: Pick<RequestOutcome, "code" | "err"> = {};
    try {
      // Next.js passes no params at all to a route without dynamic segments.
      params = (await context.params) ?? {};
      response = await handler({ request, params: params as Params, requestId, logFields });
    } catch (error) {
      const apiError = toApiError(error);
      // A server-side failure that came from below (a bug, the database) is logged with what was thrown.
      failure = { code: apiError.code, err: apiError.status >= 500 && !(error instanceof ApiError) ? error : undefined };
      response = errorResponse(apiError);
    }
    const route = routeOf(new URL(request.url).pathname, params);
    logRequest(request, requestId, startedAt, { route, status: response.status, ...logFields, ...failure });
    return withCommonHeaders(response, requestId);
  };
}

/** A handler under /api/{userId}/: 401 without a session user, 403 when the path names another user. */
export function userRoute<Params extends RouteParams & { userId: string }>(
  handler: (request: UserRequest<Params>) => Promise<Response>,
): RouteHandler<Params> {
  return apiRoute<Params>(async (apiRequest) => {
    const user = await resolveSession(apiRequest.request);
    if (!user) throw unauthenticated();
    apiRequest.logFields.userId = user.id;
    if (apiRequest.params.userId !== user.id) throw forbidden();
    return handler({ ...apiRequest, user });
  });
}

/** A handler under /api/{userId}/tasks/{taskId}: as userRoute, then a 400 for a task id out of range. */
export function taskRoute<Params extends RouteParams & { userId: string; taskId: string }>(
  handler: (request: TaskRequest<Params>) => Promise<Response>,
): RouteHandler<Params> {
  return userRoute<Params>(async (userRequest) => {
    const taskId = TaskId.safeParse(userRequest.params.taskId);
    if (!taskId.success) throw fromZodError(taskId.error, "taskId");
    return handler({ ...userRequest, taskId: taskId.data });
  });
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Method = (typeof METHODS)[number];

/**
 * 405 handlers, with `Allow`, for every method a route does not serve. Next.js's own 405 has neither body nor `Allow`.
 * HEAD is served wherever GET is (Next.js answers it from the GET handler).
 */
export function otherMethods(...allowed: Method[]): Record<Method, RouteHandler<RouteParams>> {
  const served = allowed.includes("GET") ? ["GET", "HEAD", ...allowed.filter((m) => m !== "GET")] : allowed;
  const reject = apiRoute(async () => {
    throw methodNotAllowed(served);
  });
  return Object.fromEntries(METHODS.map((method) => [method, reject])) as Record<Method, RouteHandler<RouteParams>>;
}

/** The contract's JSON 404 for an /api path that no route serves (Next.js's own is an HTML page). */
export const noSuchRoute = apiRoute(async () => {
  throw notFound("no such route");
});
