import { resolveSession, type SessionUser } from "../auth/session";
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

// The one wrapper every API handler goes through: request id, session, path user, error mapping, common headers.

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

function logUnexpected(request: Request, requestId: string, error: unknown): void {
  console.error(
    JSON.stringify({
      level: "error",
      requestId,
      method: request.method,
      path: new URL(request.url).pathname,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
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
    const requestId = requestIdOf(request);
    let response: Response;
    try {
      response = await handler({ request, params: await context.params, requestId });
    } catch (error) {
      response = errorResponse(toApiError(error, (unexpected) => logUnexpected(request, requestId, unexpected)));
    }
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
