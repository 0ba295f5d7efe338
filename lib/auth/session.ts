import { invalidToken } from "../http/errors";
import { InvalidTokenError, verifySessionToken, type SessionUser } from "./tokens";

export type { SessionUser };

const BEARER = /^Bearer[ ]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)[ ]*$/i;

/**
 * The session-resolver hook: the only place that reads credentials. Returns the session user, or null when the request
 * carries none; throws a 401 ApiError when it carries credentials that do not verify.
 * Other identity sources (a JWKS issuer, a next-auth session) plug in here, and no handler changes.
 */
export async function resolveSession(request: Request): Promise<SessionUser | null> {
  const authorization = request.headers.get("authorization");
  if (authorization === null) return null;
  const match = BEARER.exec(authorization);
  if (!match?.[1]) throw invalidToken("the Authorization header must be `Bearer <token>`");
  try {
    return await verifySessionToken(match[1]);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw invalidToken(error.message);
    throw error;
  }
}
