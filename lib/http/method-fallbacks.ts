import { methodNotAllowed, notFound } from "./errors";
import { publicRoute, type RouteHandler } from "./handler";
import { ROUTE_HANDLER_METHODS, type ApiRoute, type RouteHandlerMethod } from "./routes";

// What a route answers for what it does not serve: the contract's 405 with `Allow` (Next.js's own has neither body nor
// Allow), and the contract's JSON 404 for an /api path that no route serves (Next.js's own is an HTML page).

type AnyParams = Record<string, string | string[] | undefined>;

/** A 405 handler for every method, to export under the methods `route` does not serve (see lib/http/routes.ts). */
export function methodNotAllowedHandlers(route: ApiRoute): Record<RouteHandlerMethod, RouteHandler<AnyParams>> {
  const reject = publicRoute(() => {
    throw methodNotAllowed(route.allowed);
  });
  return Object.fromEntries(ROUTE_HANDLER_METHODS.map((method) => [method, reject])) as Record<
    RouteHandlerMethod,
    RouteHandler<AnyParams>
  >;
}

/** The contract's JSON 404 for an /api path that no route serves. */
export const noSuchRoute = publicRoute(() => {
  throw notFound("no such route");
});
