import { getEnv } from "../env";
import { InvalidTokenError } from "./errors";
import { readSessionCookie, sessionCookie } from "./session-cookie";
import { verifyBearerToken, verifySessionCookieToken, type SessionUser } from "./tokens";

export type { SessionUser };

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;
/** A JWS in compact serialization (RFC 7515 §7.1): three base64url parts, the payload and signature possibly empty. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * The session-resolver hook: the only place that reads credentials. Returns the session user, or null when the request
 * carries none. Throws InvalidTokenError when it carries credentials that do not verify, and
 * IdentityProviderUnavailableError when the JWKS issuer's keys cannot be fetched. Identity sources, in order:
 *  - `Authorization: Bearer <JWS>`: HS256 with AUTH_SECRET, or EdDSA/ES256/RS256 from AUTH_JWKS_URL (Better Auth…);
 *  - the next-auth session cookie, a JWS this app signed with AUTH_SECRET (see lib/auth/next-auth.ts).
 * A request with a bearer token is judged by it alone, cookie or not.
 */
export async function resolveSession(request: Request): Promise<SessionUser | null> {
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const match = BEARER.exec(authorization);
    if (!match?.[1]) throw new InvalidTokenError("the Authorization header must be `Bearer <token>`");
    if (!COMPACT_JWS.test(match[1])) {
      throw new InvalidTokenError("the bearer token is not a JWT (three base64url parts separated by dots)");
    }
    return verifyBearerToken(match[1]);
  }
  const nextAuth = getEnv().auth.nextAuth;
  const cookieToken = nextAuth ? readSessionCookie(request, sessionCookie(nextAuth).name) : null;
  return cookieToken === null ? null : verifySessionCookieToken(cookieToken);
}
