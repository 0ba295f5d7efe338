import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { getEnv } from "../env";

export interface SessionUser {
  id: string;
  email?: string;
}

const HS256 = "HS256";
/** Seconds of clock skew between the token's issuer and this server that `exp`/`nbf`/`iat` checks forgive. */
export const CLOCK_TOLERANCE_SECONDS = 5;
const USER_ID_MAX_LENGTH = 255;
const EMAIL_MAX_LENGTH = 320;

let cachedKey: { secret: string; key: Promise<CryptoKey> } | undefined;

/** The HMAC key, imported once per secret rather than on every verification. */
function secretKey(secret: string): Promise<CryptoKey> {
  if (cachedKey?.secret !== secret) {
    const raw = new TextEncoder().encode(secret);
    cachedKey = {
      secret,
      key: crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    };
  }
  return cachedKey.key;
}

// Clients send the same token with every request until it expires, so a verified token is remembered for a short while
// (never past its own exp): the signature check then costs a map lookup instead of a WebCrypto job.
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
const VERIFIED_TOKEN_CACHE_SECONDS = 60;
const verifiedTokens = new Map<string, { user: SessionUser; validUntil: number }>();

function rememberVerified(token: string, user: SessionUser, exp: number): void {
  if (verifiedTokens.size >= VERIFIED_TOKEN_CACHE_SIZE) {
    verifiedTokens.delete(verifiedTokens.keys().next().value!);
  }
  const validUntil = Math.min(exp * 1000, Date.now() + VERIFIED_TOKEN_CACHE_SECONDS * 1000);
  verifiedTokens.set(token, { user, validUntil });
}

function recallVerified(token: string): SessionUser | undefined {
  const entry = verifiedTokens.get(token);
  if (!entry) return undefined;
  if (entry.validUntil > Date.now()) return entry.user;
  verifiedTokens.delete(token);
  return undefined;
}

const isStorableText = (value: string) => !value.includes("\u0000") && value.isWellFormed();

function toSessionUser(payload: JWTPayload): SessionUser | null {
  const { sub } = payload;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > USER_ID_MAX_LENGTH || !isStorableText(sub)) {
    return null;
  }
  const email = payload.email;
  const usableEmail =
    typeof email === "string" && email.length > 0 && email.length <= EMAIL_MAX_LENGTH && isStorableText(email);
  return usableEmail ? { id: sub, email } : { id: sub };
}

export class InvalidTokenError extends Error {
  readonly code = "invalid_token";
}

/** Verifies an HS256 JWS signed with AUTH_SECRET; `sub` and `exp` are required and no other algorithm is accepted. */
export async function verifySessionToken(token: string): Promise<SessionUser> {
  const remembered = recallVerified(token);
  if (remembered) return remembered;
  try {
    const { payload } = await jwtVerify(token, await secretKey(getEnv().authSecret), {
      algorithms: [HS256],
      requiredClaims: ["sub", "exp"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    const user = toSessionUser(payload);
    if (!user) throw new InvalidTokenError("the token's subject is not a usable user id");
    rememberVerified(token, user, payload.exp!);
    return user;
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    if (error instanceof joseErrors.JOSEError) {
      throw new InvalidTokenError(error.code === "ERR_JWT_EXPIRED" ? "the token has expired" : "the token is invalid");
    }
    throw error;
  }
}

/** Signs a session token as an identity provider would; used by `npm run token` and the tests. */
export async function signSessionToken(
  user: SessionUser,
  options: { expiresInSeconds?: number; secret?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = user.email ? { email: user.email } : {};
  return new SignJWT(claims)
    .setProtectedHeader({ alg: HS256, typ: "JWT" })
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
    .sign(await secretKey(options.secret ?? getEnv().authSecret));
}
