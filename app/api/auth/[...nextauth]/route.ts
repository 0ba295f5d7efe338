import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { NEXT_AUTH_ACTIONS, nextAuthOptions } from "@/lib/auth/next-auth";
import { publicRoute, type HandlerContext } from "@/lib/http/handler";
import { methodNotAllowedHandlers, noSuchRoute } from "@/lib/http/method-fallbacks";
import { API_ROUTES } from "@/lib/http/routes";

type Params = { nextauth: string[] };

// next-auth's sign-in, callback, session and sign-out endpoints; off (404) on a server without AUTH_SECRET.
async function handler(request: Request, context: HandlerContext<Params>): Promise<Response> {
  const options = nextAuthOptions();
  const { nextauth } = await context.params;
  if (!options || !NEXT_AUTH_ACTIONS.includes(nextauth[0] ?? "")) return noSuchRoute(request, context);
  const nextAuth = publicRoute<Params>(
    ({ params }) => NextAuth(request as NextRequest, { params }, options) as Promise<Response>,
  );
  return nextAuth(request, context);
}

export { handler as GET, handler as POST };
export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowedHandlers(API_ROUTES.nextAuth);
