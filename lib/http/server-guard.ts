import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { methodNotAllowed, notFound, validationError, type ApiError } from "./errors";
import { getLogger } from "../logger";
import { logRequest, requestIdFrom } from "./request-log";
import { MAX_BODY_BYTES } from "./request-input";
import { errorResponse, withCommonHeaders } from "./responses";
import { apiRouteOf, ROUTE_HANDLER_METHODS } from "./routes";

// Some requests never reach a route handler, nor Next.js's proxy: Next.js builds a Fetch `Request` for each, and the
// Fetch standard refuses TRACE; a method outside its list gets Next's empty 400; a path that is not valid
// percent-encoding fails while Next decodes it (a plain-text 500); dot segments and a trailing slash are resolved or
// redirected by Next with none of the API's headers. Only the Node.js HTTP server sees them all, so under `next start`
// and `next dev` this guard sits in front of Next's own request listener, answers those requests under /api in the
// contract's form, and leaves every other request to Next untouched. It also sets what Next.js does not let one set
// on its server: timeouts and a connection cap, and an `Expect: 100-continue` that is refused at once when the declared
// body is over the limit. On Vercel the platform's edge stands in front instead (docs/deploying.md).

/** Time to receive a request's headers; past it Node.js answers 408 and closes the connection. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Time to receive a whole request: a body is at most 64 KiB. */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * A connection idle this long (no bytes either way) between requests, or while a request is still arriving, is closed:
 * a half-sent request line holds nothing for long.
 */
export const SOCKET_IDLE_TIMEOUT_MS = 15_000;
/**
 * Once a request has arrived, the silence is the server's own while it works out the answer: the connection may then
 * be idle this long. A dev server's first compile of a route takes longer than SOCKET_IDLE_TIMEOUT_MS on a busy machine
 * (the first page load was cut with an empty reply); a response stalled this long (a client that stopped reading) is
 * cut all the same.
 */
export const RESPONSE_IDLE_TIMEOUT_MS = 120_000;
/** Open connections at once; more are refused, so that no flood of idle connections takes every file descriptor. */
export const MAX_CONNECTIONS = 4_096;

const HANDLER_METHODS: ReadonlySet<string> = new Set(ROUTE_HANDLER_METHODS);

const isApiPath = (pathname: string) => pathname === "/api" || pathname.startsWith("/api/");

function decodable(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

const isDotSegment = (segment: string) => /^(\.|%2e){1,2}$/i.test(segment);

/**
 * The path as Next.js would redirect to it, were the guard not in front: backslashes as slashes, no empty segment, no
 * trailing slash.
 */
const canonicalPath = (pathname: string) =>
  pathname
    .replace(/\\/g, "/")
    .replace(/\/{2,}/g, "/")
    .replace(/(.)\/$/, "$1");

/** The origin-form of an absolute-form request target (RFC 9112 §3.2.2): `http://host/api/x?y` is `/api/x?y`. */
export function originForm(target: string): string {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (!absolute) return target;
  const rest = target.slice(absolute[0].length);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/**
 * The contract's answer for a request that must not reach Next.js, or undefined to let Next.js handle it. `path` is
 * the request target as sent (percent-encoded, query included).
 */
export function answerBeforeRouting(
  method: string,
  target: string,
): { error?: ApiError; redirect?: string; route: string } | undefined {
  const queryAt = target.indexOf("?");
  const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
  // `//api/x` and `/api\x` are API paths too: Next.js would redirect them there.
  const canonical = canonicalPath(pathname);
  if (!isApiPath(canonical)) return undefined;
  const segments = pathname.split(/[/\\]/).slice(1);
  // A redirected request is logged under the route it is sent to.
  const served = apiRouteOf(canonical);
  const route = served?.route ?? "(no route)";
  if (!segments.every(decodable)) {
    return { route, error: validationError([{ path: "path", message: "is not valid percent-encoding" }]) };
  }
  if (segments.some(isDotSegment)) return { route, error: notFound("no such route") };
  if (canonical !== pathname) {
    // As Next.js would, but with the API's headers: the same path without backslashes, empty segments or a trailing
    // slash, query kept.
    return { route, redirect: canonical + (queryAt < 0 ? "" : target.slice(queryAt)) };
  }
  if (!HANDLER_METHODS.has(method)) {
    return { route, error: served ? methodNotAllowed(served.allowed) : notFound("no such route") };
  }
  return undefined;
}

async function send(
  request: IncomingMessage,
  response: ServerResponse,
  answer: Response,
  log: { requestId: string; startedAt: number; route: string; code?: string },
) {
  withCommonHeaders(answer, log.requestId);
  const body = Buffer.from(await answer.arrayBuffer());
  response.writeHead(answer.status, Object.fromEntries(answer.headers));
  // Node.js drops a body written in answer to HEAD, unless the server was made with rejectNonStandardBodyWrites.
  response.end(request.method === "HEAD" ? undefined : body);
  logRequest({
    requestId: log.requestId,
    method: request.method!,
    route: log.route,
    status: answer.status,
    durationMs: Math.round(performance.now() - log.startedAt),
    code: log.code,
  });
}

/** Answers the request itself when it must not reach Next.js; returns whether it did. */
function interceptBeforeNext(request: IncomingMessage, response: ServerResponse): boolean {
  // Next.js answers an absolute-form target with a redirect to the same URL, forever; servers must take it as its path.
  // A server's request always has a method and a URL.
  request.url = originForm(request.url!);
  const answer = answerBeforeRouting(request.method!, request.url);
  if (!answer) return false;
  const startedAt = performance.now();
  const requestId = requestIdFrom(request.headers["x-request-id"] as string | undefined);
  // The body, if any, is not read: the connection is closed after the answer rather than kept alive unread.
  response.shouldKeepAlive = false;
  const reply = answer.error
    ? errorResponse(answer.error)
    : new Response(null, { status: 308, headers: { Location: answer.redirect! } });
  const log = { requestId, startedAt, route: answer.route, code: answer.error?.code };
  // A rejection here would be unhandled, which ends the process: the connection is cut instead, and the failure logged.
  send(request, response, reply, log).catch((error: unknown) => {
    response.destroy();
    getLogger().error({ requestId, route: answer.route, err: error }, "the guard's answer failed");
  });
  return true;
}

// Process-wide marks, not module state: a module may be loaded more than once in one process (by each bundle that
// imports it, or after a reset of the module registry), while the server and the diagnostics channel are shared.
const GUARDED = Symbol.for("todo-api.server-guard.guarded");
const SUBSCRIBED = Symbol.for("todo-api.server-guard.subscribed");
type Marked = { [GUARDED]?: true };

/** How long a connection may be idle (ms): between requests and while one arrives, and while one is answered. */
export interface IdleTimeouts {
  socketIdleMs: number;
  responseIdleMs: number;
}

/**
 * Puts the guard in front of `server`'s request listeners (Next.js's), and sets its timeouts and connection cap;
 * `idle` is for tests. Idempotent.
 */
export function guardServer(
  server: Server,
  idle: IdleTimeouts = { socketIdleMs: SOCKET_IDLE_TIMEOUT_MS, responseIdleMs: RESPONSE_IDLE_TIMEOUT_MS },
): void {
  if ((server as Marked)[GUARDED]) return;
  (server as Marked)[GUARDED] = true;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  server.setTimeout(idle.socketIdleMs);

  const nextListeners = server.listeners("request") as ((request: IncomingMessage, response: ServerResponse) => void)[];
  server.removeAllListeners("request");
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    socket.setTimeout(idle.responseIdleMs);
    // (On a socket already destroyed, setTimeout does nothing.)
    response.once("close", () => socket.setTimeout(idle.socketIdleMs));
    if (interceptBeforeNext(request, response)) return;
    for (const listener of nextListeners) listener.call(server, request, response);
  });

  // Node.js answers `Expect: 100-continue` with 100 itself unless someone listens. A body declared over the limit gets
  // no 100: the route refuses it by its Content-Length (413) before reading a byte.
  server.on("checkContinue", (request: IncomingMessage, response: ServerResponse) => {
    const declared = Number(request.headers["content-length"] ?? 0);
    if (!(declared > MAX_BODY_BYTES)) response.writeContinue();
    server.emit("request", request, response);
  });
}

/**
 * Puts the guard in front of every HTTP server of this process, from its first connection (Next.js creates its server
 * before the app's code runs, so the server is found through Node's `net.server.socket` diagnostics channel).
 * Call once, when the server starts (instrumentation.ts).
 */
export function guardHttpServers(): void {
  const marks = globalThis as { [SUBSCRIBED]?: true };
  if (marks[SUBSCRIBED]) return;
  marks[SUBSCRIBED] = true;
  subscribe("net.server.socket", (message) => {
    const { server } = (message as { socket: Socket & { server: Server } }).socket;
    // Only HTTP servers: they have a request listener (Next.js's) to stand in front of.
    if (server.listenerCount("request") > 0) guardServer(server);
  });
}
