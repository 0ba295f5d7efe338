import { resolveSession, type SessionUser } from "../auth/session";
import { TaskId } from "../schemas/tasks";
import { ApiError, forbidden, fromZodError, toApiError, unauthenticated } from "./errors";
import { logRequest, requestIdFrom, routeOf } from "./request-log";
import { ClientAbortError } from "./request-input";
import { errorResponse, withCommonHeaders } from "./responses";

// The one wrapper every API handler goes through. In order: a request id; the session user and the path's user (401,
// then 403, as the contract orders them); the task id (400); the handler; any failure turned into the contract's error;
// the common headers; one log line.

/** Methods that change nothing: a failure of theirs never leaves a write behind. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

type RouteParams = Record<string, string | string[] | undefined>;

/** The second argument Next.js passes to a route handler. */
export interface HandlerContext<Params extends RouteParams> {
  params: Promise<Params>;
}
export type RouteHandler<Params extends RouteParams> = (
  request: Request,
  context: HandlerContext<Params>,
) => Promise<Response>;

export interface PublicRequest<Params extends RouteParams> {
  request: Request;
  params: Params;
  requestId: string;
}
export interface UserRequest<Params extends RouteParams> extends PublicRequest<Params> {
  /** The session user, who is also the path's `userId`. */
  user: SessionUser;
}
export interface TaskRequest<Params extends RouteParams> extends UserRequest<Params> {
  taskId: number;
}

type Access = "public" | "user" | "task";

function wrap<Params extends RouteParams>(
  access: Access,
  handler: (request: TaskRequest<Params>) => Response | Promise<Response>,
): RouteHandler<Params> {
  return async (request, context) => {
    const startedAt = performance.now();
    const requestId = requestIdFrom(request.headers.get("x-request-id"));
    // Next.js passes no params at all to a route without dynamic segments.
    let params = {} as Params;
    let userId: string | undefined;
    let response: Response;
    let failure: { code?: string; err?: unknown; clientAborted?: true } = {};
    try {
      params = (await context.params) ?? params;
      let user: SessionUser | undefined;
      let taskId = 0;
      if (access !== "public") {
        user = (await resolveSession(request)) ?? undefined;
        if (!user) throw unauthenticated();
        userId = user.id;
        if (params.userId !== user.id) throw forbidden();
      }
      if (access === "task") {
        const parsed = TaskId.safeParse(params.taskId);
        if (!parsed.success) throw fromZodError(parsed.error, "taskId");
        taskId = parsed.data;
      }
      response = await handler({ request, params, requestId, user: user!, taskId });
    } catch (error) {
      const apiError = toApiError(error, { write: !SAFE_METHODS.has(request.method) });
      // A server-side failure that came from below (a bug, the database) is logged with what was thrown.
      failure = {
        code: apiError.code,
        err: apiError.status >= 500 && !(error instanceof ApiError) ? error : undefined,
      };
      if (error instanceof ClientAbortError) failure.clientAborted = true;
      response = errorResponse(apiError);
    }
    logRequest({
      requestId,
      method: request.method,
      route: routeOf(new URL(request.url).pathname, params),
      status: response.status,
      durationMs: Math.round(performance.now() - startedAt),
      userId,
      ...failure,
    });
    return withCommonHeaders(response, requestId);
  };
}

/** A handler with the API's error mapping, headers and log line, and no authentication (health, documents). */
export function publicRoute<Params extends RouteParams = RouteParams>(
  handler: (request: PublicRequest<Params>) => Response | Promise<Response>,
): RouteHandler<Params> {
  return wrap<Params>("public", handler);
}

/** A handler under /api/{userId}/: 401 without a session user, 403 when the path names another user. */
export function userRoute<Params extends RouteParams & { userId: string }>(
  handler: (request: UserRequest<Params>) => Response | Promise<Response>,
): RouteHandler<Params> {
  return wrap<Params>("user", handler);
}

/** A handler under /api/{userId}/tasks/{taskId}: as userRoute, then a 400 for a task id out of range. */
export function taskRoute<Params extends RouteParams & { userId: string; taskId: string }>(
  handler: (request: TaskRequest<Params>) => Response | Promise<Response>,
): RouteHandler<Params> {
  return wrap<Params>("task", handler);
}
