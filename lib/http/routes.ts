// The API's routes and the methods each serves: the one list behind every `Allow` header, whether the answer comes from
// a route file's method fallbacks or from the server guard, which answers before Next.js routes anything.

/** The methods Next.js route handlers can serve; any other never reaches a route file. */
export const ROUTE_HANDLER_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type RouteHandlerMethod = (typeof ROUTE_HANDLER_METHODS)[number];

export interface ApiRoute {
  /** As Next.js names it, and as the request log shows it: `/api/[userId]/tasks`. */
  route: string;
  /** The methods served; HEAD wherever GET (Next.js answers it from the GET handler). */
  allowed: readonly RouteHandlerMethod[];
  pattern: RegExp;
}

function apiRoute(route: string, ...served: RouteHandlerMethod[]): ApiRoute {
  const allowed = served.includes("GET")
    ? ["GET" as const, "HEAD" as const, ...served.filter((m) => m !== "GET")]
    : served;
  const pattern = route.replace(/\[\.\.\.[^\]]+\]/g, "[^/].*").replace(/\[[^\]]+\]/g, "[^/]+");
  return { route, allowed, pattern: new RegExp(`^${pattern}$`) };
}

/** Every route under /api, fixed segments before dynamic ones, as Next.js matches them. */
export const API_ROUTES = {
  health: apiRoute("/api/health", "GET"),
  openApiDocument: apiRoute("/api/openapi.json", "GET"),
  docs: apiRoute("/api/docs", "GET"),
  docsAsset: apiRoute("/api/docs/assets/[file]", "GET"),
  nextAuth: apiRoute("/api/auth/[...nextauth]", "GET", "POST"),
  tasks: apiRoute("/api/[userId]/tasks", "GET", "POST"),
  task: apiRoute("/api/[userId]/tasks/[taskId]", "GET", "PUT", "DELETE"),
  taskCompletion: apiRoute("/api/[userId]/tasks/[taskId]/complete", "PATCH"),
} as const satisfies Record<string, ApiRoute>;

/** The route a raw path (still percent-encoded) belongs to, or undefined when no route serves it. */
export function apiRouteOf(pathname: string): ApiRoute | undefined {
  return Object.values(API_ROUTES).find((route) => route.pattern.test(pathname));
}
