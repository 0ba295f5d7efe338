import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthOptions } from "next-auth";
import { decode as decodeEncrypted, encode as encrypt } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import { getEnv, type NextAuthConfig } from "../env";
import { getLogger } from "../logger";
import { sessionCookie } from "./session-cookie";
import { isUsableUserId, signSessionToken, verifyAppToken } from "./tokens";

// next-auth (v4) signs users in; its session is the app's one token format, so the API's session hook reads it.
//
// next-auth's default session token is an encrypted JWE that only next-auth can open. Here it is instead a JWS signed
// HS256 with AUTH_SECRET, exactly the bearer tokens the API verifies: the cookie carries the same claims (`sub`, `exp`,
// `iss`/`aud` when configured) and passes the same checks. The short-lived OAuth check cookies (state, PKCE, nonce),
// which next-auth marks with a `salt`, never leave next-auth and keep its own encryption.

const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

const digest = (value: string) => createHash("sha256").update(value).digest();
const samePassword = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

function credentialsSignIn(password: string | null) {
  return CredentialsProvider({
    id: "credentials",
    name: "a user id",
    credentials: {
      userId: { label: "User id", type: "text" },
      password: { label: "Password", type: "password" },
    },
    authorize(credentials) {
      const userId = credentials?.userId;
      if (!isUsableUserId(userId)) return Promise.resolve(null);
      if (password !== null && !samePassword(credentials?.password ?? "", password)) return Promise.resolve(null);
      return Promise.resolve({ id: userId });
    },
  });
}

function authOptions(secret: string, config: NextAuthConfig): AuthOptions {
  const cookie = sessionCookie(config);
  return {
    secret,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    useSecureCookies: config.secureCookies,
    cookies: { sessionToken: cookie },
    providers: config.credentials ? [credentialsSignIn(config.credentials.password)] : [],
    logger: {
      warn(code) {
        // Without NEXTAUTH_URL next-auth takes its origin from the request's Host, which is what `npm run dev` wants; in
        // production (behind a proxy, say) that is worth the warning.
        if (code === "NEXTAUTH_URL" && !getEnv().production) return;
        getLogger().warn({ code }, `next-auth: https://next-auth.js.org/warnings#${code.toLowerCase()}`);
      },
    },
    callbacks: {
      // The browser needs its user id to address /api/{userId}/tasks.
      session: ({ session, token }) => ({ ...session, user: { ...session.user, id: token.sub } }),
    },
    jwt: {
      maxAge: SESSION_MAX_AGE_SECONDS,
      async encode({ token, maxAge, salt, secret }) {
        if (salt) return encrypt({ token, maxAge, salt, secret });
        if (!isUsableUserId(token?.sub)) throw new Error("a next-auth session needs a usable user id as its subject");
        // Registered claims are set afresh by signSessionToken; the rest (name, picture) ride along.
        const { sub, email, iat, exp, nbf, jti, iss, aud, ...claims } = token;
        const user = typeof email === "string" ? { id: sub, email } : { id: sub };
        return signSessionToken(user, { expiresInSeconds: maxAge ?? SESSION_MAX_AGE_SECONDS, claims });
      },
      async decode({ token, salt, secret }) {
        if (salt) return decodeEncrypted({ token, salt, secret });
        if (!token) return null;
        return verifyAppToken(token).catch(() => null);
      },
    },
  };
}

/** The first path segment of every endpoint next-auth serves under /api/auth/. */
export const NEXT_AUTH_ACTIONS = [
  "providers",
  "session",
  "csrf",
  "signin",
  "signout",
  "callback",
  "verify-request",
  "error",
  "_log",
];

/** next-auth's configuration, or null when this server has no AUTH_SECRET to sign sessions with. */
export function nextAuthOptions(): AuthOptions | null {
  const { auth } = getEnv();
  return auth.secret && auth.nextAuth ? authOptions(auth.secret, auth.nextAuth) : null;
}
