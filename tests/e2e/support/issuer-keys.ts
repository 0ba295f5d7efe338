import { generateKeyPairSync, randomUUID } from "node:crypto";
import { importJWK, SignJWT, type JWK, type JWTPayload } from "jose";
import { JWKS_PORT, loopback } from "../ports";

// The test issuer trusted by the API under test: one key per accepted algorithm, shared by the Playwright runner, its
// workers and the JWKS server through the environment (made once, in playwright.config.ts).

export type IssuerAlgorithm = "EdDSA" | "ES256" | "RS256";
export interface IssuerKey {
  kid: string;
  alg: IssuerAlgorithm;
  privateJwk: JWK;
  publicJwk: JWK;
}

export const TEST_ISSUER = loopback(JWKS_PORT);
export const TEST_AUDIENCE = "todo-api";
export const TEST_JWKS_URL = `${TEST_ISSUER}/jwks.json`;

const KEYS_VARIABLE = "E2E_ISSUER_KEYS";

export function generateIssuerKey(alg: IssuerAlgorithm, kid = `${alg.toLowerCase()}-${randomUUID()}`): IssuerKey {
  const { privateKey, publicKey } =
    alg === "EdDSA"
      ? generateKeyPairSync("ed25519")
      : alg === "ES256"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    kid,
    alg,
    privateJwk: privateKey.export({ format: "jwk" }),
    publicJwk: { ...(publicKey.export({ format: "jwk" }) as JWK), kid, alg, use: "sig" },
  };
}

/** Called by playwright.config.ts: every process it starts then sees the same keys. */
export function ensureIssuerKeys(): void {
  process.env[KEYS_VARIABLE] ??= JSON.stringify([
    generateIssuerKey("EdDSA"),
    generateIssuerKey("ES256"),
    generateIssuerKey("RS256"),
  ]);
}

export function issuerKeys(): Record<IssuerAlgorithm, IssuerKey> {
  const keys = JSON.parse(process.env[KEYS_VARIABLE] ?? "[]") as IssuerKey[];
  const byAlgorithm = Object.fromEntries(keys.map((key) => [key.alg, key])) as Record<IssuerAlgorithm, IssuerKey>;
  if (!byAlgorithm.EdDSA || !byAlgorithm.ES256 || !byAlgorithm.RS256) throw new Error(`${KEYS_VARIABLE} is not set`);
  return byAlgorithm;
}

export const jwksOf = (keys: IssuerKey[]) => ({ keys: keys.map((key) => key.publicJwk) });

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The claims a valid token of the test issuer carries; `undefined` in `overrides` removes a claim. Each token is unique
 * (`jti`), so the API's verified-token cache never answers for a token a test means to send for the first time.
 */
export function claimsFor(userId: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = nowSeconds();
  const claims: Record<string, unknown> = {
    sub: userId,
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/** Signs with `key` as the issuer would; `header` adds or overrides protected header parameters. */
export async function signWith(
  key: IssuerKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, key.alg);
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }).sign(privateKey);
}
