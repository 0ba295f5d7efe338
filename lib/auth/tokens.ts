import { LRUCache } from "lru-cache";
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { getEnv, type AuthConfig } from "../env";
import { InvalidTokenError } from "./errors";
import { remoteKeySet } from "./jwks";

export interface SessionUser {
  id: string;
  email?: string;
}

const HS256 = "HS256";
/** What the JWKS issuer may sign with: Better Auth's default (EdDSA) and the usual OIDC algorithms. Nothing else. */
export const JWKS_ALGORITHMS = ["EdDSA", "ES256", "RS256"] as const;
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

type VerifiedPayload = JWTPayload & { exp: number };

// Clients send the same token with every request until it expires, so a verified token is remembered for a short while
// (never past its own exp): the signature check then costs a map lookup instead of a WebCrypto job. Entries are keyed
// by the algorithms that were allowed too, so a token verified as a bearer token is not thereby a session cookie.
// Bounded by bytes as well as entries, least recently used out first: any number of distinct valid tokens, of any
// size, keeps at most VERIFIED_TOKEN_CACHE_BYTES; a token longer than MAX_CACHED_TOKEN_LENGTH is verified every time.
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
const VERIFIED_TOKEN_CACHE_BYTES = 8 * 1024 * 1024;
const VERIFIED_TOKEN_CACHE_SECONDS = 60;
/** Characters of the longest token remembered: ordinary JWTs are well under 2 KB. */
export const MAX_CACHED_TOKEN_LENGTH = 4_096;
const verifiedTokens = new LRUCache<string, { payload: VerifiedPayload; validUntil: number }>({
  max: VERIFIED_TOKEN_CACHE_SIZE,
  maxSize: VERIFIED_TOKEN_CACHE_BYTES,
  // UTF-16 strings: two bytes a character, for the key and for the payload (the claims take about as much again).
  sizeCalculation: ({ payload }, key) => 2 * (key.length + JSON.stringify(payload).length),
});

function rememberVerified(key: string, token: string, payload: VerifiedPayload): void {
  if (token.length > MAX_CACHED_TOKEN_LENGTH) return;
  const validUntil = Math.min(payload.exp * 1000, Date.now() + VERIFIED_TOKEN_CACHE_SECONDS * 1000);
  verifiedTokens.set(key, { payload, validUntil });
}

function recallVerified(key: string): VerifiedPayload | undefined {
  const entry = verifiedTokens.get(key);
  if (!entry) return undefined;
  if (entry.validUntil > Date.now()) return entry.payload;
  verifiedTokens.delete(key);
  return undefined;
}

const isStorableText = (value: string) => !value.includes("\u0000") && value.isWellFormed();

/** A user id the API can store and put in a path: the rule for a token's `sub` and for the credentials sign-in. */
export function isUsableUserId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= USER_ID_MAX_LENGTH && isStorableText(value);
}

function toSessionUser(payload: JWTPayload): SessionUser {
  if (!isUsableUserId(payload.sub)) throw new InvalidTokenError("the token's subject is not a usable user id");
  const email = payload.email;
  const usableEmail =
    typeof email === "string" && email.length > 0 && email.length <= EMAIL_MAX_LENGTH && isStorableText(email);
  return usableEmail ? { id: payload.sub, email } : { id: payload.sub };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Keys of one JWKS tried for one token without a `kid`, at most: a token cannot make the server try a whole key set. */
export const MAX_CANDIDATE_KEYS = 8;

/**
 * A token without `kid` whose algorithm fits several published keys (a JWKS with two EdDSA keys, during a rotation):
 * each fitting key is tried in turn, as jose intends (the error iterates over them), up to MAX_CANDIDATE_KEYS.
 */
async function verifyWithEachCandidate(
  token: string,
  candidates: joseErrors.JWKSMultipleMatchingKeys,
  options: Parameters<typeof jwtVerify>[2],
) {
  let tried = 0;
  for await (const candidate of candidates) {
    if (++tried > MAX_CANDIDATE_KEYS) break;
    try {
      return await jwtVerify<{ exp: number }>(token, candidate, options);
    } catch (error) {
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) throw error;
    }
  }
  throw new joseErrors.JWSSignatureVerificationFailed();
}

/**
 * Verifies a JWS with one of `algorithms` only (never the header's choice alone); `sub` and `exp` are required,
 * `iss`/`aud` checked when configured. Throws InvalidTokenError, or IdentityProviderUnavailableError from the JWKS.
 */
async function verifyClaims(
  token: string,
  key: JWTVerifyGetKey,
  algorithms: string[],
  auth: AuthConfig,
): Promise<VerifiedPayload> {
  const cacheKey = `${algorithms.join(",")} ${token}`;
  const remembered = recallVerified(cacheKey);
  if (remembered) return remembered;
  const options = {
    algorithms,
    requiredClaims: ["sub", "exp"],
    issuer: auth.issuer,
    audience: auth.audience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
  try {
    const { payload } = await jwtVerify<{ exp: number }>(token, key, options).catch(async (error: unknown) => {
      if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
      return verifyWithEachCandidate(token, error, options);
    });
    // jose checks `iat` only against a maximum age; a token from the future means a broken or lying issuer.
    if (typeof payload.iat === "number" && payload.iat > nowSeconds() + CLOCK_TOLERANCE_SECONDS) {
      throw new InvalidTokenError("the token was issued in the future");
    }
    rememberVerified(cacheKey, token, payload);
    return payload;
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    if (error instanceof joseErrors.JOSEError) {
      throw new InvalidTokenError(error.code === "ERR_JWT_EXPIRED" ? "the token has expired" : "the token is invalid");
    }
    throw error;
  }
}

/**
 * A bearer token: HS256 with AUTH_SECRET, or EdDSA/ES256/RS256 with a key from AUTH_JWKS_URL (chosen by `kid`).
 * The key comes from the algorithm's own source, so an HS256 token can never be checked against a public key.
 */
export async function verifyBearerToken(token: string): Promise<SessionUser> {
  const { auth } = getEnv();
  const algorithms = [...(auth.secret ? [HS256] : []), ...(auth.jwksUrl ? JWKS_ALGORITHMS : [])];
  const key: JWTVerifyGetKey = (header, jws) => {
    if (header.alg === HS256 && auth.secret) return secretKey(auth.secret);
    if (auth.jwksUrl) return remoteKeySet(auth.jwksUrl).keyFor(header, jws);
    throw new InvalidTokenError("the token's algorithm is not accepted");
  };
  return toSessionUser(await verifyClaims(token, key, algorithms, auth));
}

/** A token this app signed itself with AUTH_SECRET (a next-auth session): HS256 only. Returns all its claims. */
export async function verifyAppToken(token: string): Promise<JWTPayload & { sub: string }> {
  const { auth } = getEnv();
  if (!auth.secret) throw new InvalidTokenError("this server signs no session tokens (AUTH_SECRET is not set)");
  const payload = await verifyClaims(token, () => secretKey(auth.secret!), [HS256], auth);
  return { ...payload, sub: toSessionUser(payload).id };
}

export async function verifySessionCookieToken(token: string): Promise<SessionUser> {
  return toSessionUser(await verifyAppToken(token));
}

/**
 * Signs an HS256 session token as an identity provider would, with AUTH_ISSUER/AUTH_AUDIENCE when they are set, so
 * that it meets the same checks as every other token. Used by next-auth's sessions, `npm run token` and the tests.
 */
export async function signSessionToken(
  user: SessionUser,
  options: { expiresInSeconds?: number; secret?: string; claims?: JWTPayload } = {},
): Promise<string> {
  const { auth } = getEnv();
  const secret = options.secret ?? auth.secret;
  if (!secret) throw new Error("AUTH_SECRET is not set: there is no key to sign session tokens with");
  const now = nowSeconds();
  const claims = user.email ? { ...options.claims, email: user.email } : { ...options.claims };
  const token = new SignJWT(claims)
    .setProtectedHeader({ alg: HS256, typ: "JWT" })
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 3600));
  if (auth.issuer) token.setIssuer(auth.issuer);
  if (auth.audience) token.setAudience(auth.audience);
  return token.sign(await secretKey(secret));
}
