import { methodNotAllowed, notFound } from "./errors";
import { publicRoute, type RouteHandler } from "./handler";

// What a route answers for what it does not serve: the contract's 405 with `Allow` (Next.js's own has neither body nor
// Allow), and the contract's JSON 404 for an /api path that no route serves (Next.js's own is an HTML page).

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Method = (typeof METHODS)[number];
type AnyParams = Record<string, string | string[] | undefined>;

/**
 * A 405 handler for every method, to export under the methods a route does not serve. HEAD is served wherever GET is
 * (Next.js answers it from the GET handler), so `Allow` lists it with GET.
 */
export function methodNotAllowedHandlers(...served: Method[]): Record<Method, RouteHandler<AnyParams>> {
  const allowed = served.includes("GET") ? ["GET", "HEAD", ...served.filter((m) => m !== "GET")] : served;
  const reject = publicRoute(async () => {
    throw methodNotAllowed(allowed);
  });
  return Object.fromEntries(METHODS.map((method) => [method, reject])) as Record<Method, RouteHandler<AnyParams>>;
}

/** The contract's JSON 404 for an /api path that no route serves. */
export const noSuchRoute = publicRoute(async () => {
  throw notFound("no such route");
});
