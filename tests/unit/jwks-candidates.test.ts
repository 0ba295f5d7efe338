import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// A JWKS that publishes several keys for one algorithm, and a token without `kid` (issuers do this while rotating):
// the token is verified by whichever published key fits, trying at most MAX_CANDIDATE_KEYS of them.

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
}
async function eddsaKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA");
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" } };
}
const tokenWithoutKid = (key: Key, sub: string) =>
  new SignJWT({ sub }).setProtectedHeader({ alg: "EdDSA" }).setIssuedAt().setExpirationTime("1h").sign(key.privateKey);

let server: Server;
let origin: string;
const keys: Key[] = [];
const keySets: Record<string, JWK[]> = {};

beforeAll(async () => {
  for (let i = 0; i < 10; i++) keys.push(await eddsaKey(`key-${i}`));
  keySets["/two"] = [keys[0]!.jwk, keys[1]!.jwk];
  keySets["/ten"] = keys.map((key) => key.jwk);
  server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ keys: keySets[request.url ?? ""] ?? [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** verifyBearerToken of a process whose AUTH_JWKS_URL is `path` on the test's JWKS server. */
async function verifierFor(path: string) {
  vi.resetModules();
  vi.stubEnv("AUTH_JWKS_URL", `${origin}${path}`);
  vi.stubEnv("AUTH_ISSUER", "");
  vi.stubEnv("AUTH_AUDIENCE", "");
  const { verifyBearerToken } = await import("@/lib/auth/tokens");
  return verifyBearerToken;
}

describe("a token without kid and a JWKS with several keys of its algorithm", () => {
  it("is verified by the key that signed it, whichever of the published ones that is", async () => {
    const verify = await verifierFor("/two");
    expect(await verify(await tokenWithoutKid(keys[0]!, "first"))).toEqual({ id: "first" });
    expect(await verify(await tokenWithoutKid(keys[1]!, "second"))).toEqual({ id: "second" });
  });

  it("is refused (401) when none of them signed it", async () => {
    const verify = await verifierFor("/two");
    await expect(verify(await tokenWithoutKid(keys[5]!, "stranger"))).rejects.toMatchObject({ code: "invalid_token" });
  });

  it("tries at most 8 keys: a token only the 10th fits is refused, one the 8th fits is not", async () => {
    const verify = await verifierFor("/ten");
    expect(await verify(await tokenWithoutKid(keys[7]!, "eighth"))).toEqual({ id: "eighth" });
    await expect(verify(await tokenWithoutKid(keys[9]!, "tenth"))).rejects.toMatchObject({ code: "invalid_token" });
  });
});

describe("verifyBearerToken with AUTH_JWKS_URL", () => {
  it("says an expired token without kid has expired, whichever published key signed it", async () => {
    const verify = await verifierFor("/two");
    const expired = await new SignJWT({ sub: "late" })
      .setProtectedHeader({ alg: "EdDSA" })
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(keys[1]!.privateKey);
    await expect(verify(expired)).rejects.toMatchObject({ code: "invalid_token", message: "the token has expired" });
  });

  it("answers identity_provider_unavailable (a 503), not invalid_token, when the JWKS cannot be fetched", async () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    vi.resetModules();
    vi.stubEnv("AUTH_JWKS_URL", `http://127.0.0.1:${port}/jwks.json`);
    const { verifyBearerToken } = await import("@/lib/auth/tokens");
    try {
      await expect(verifyBearerToken(await tokenWithoutKid(keys[0]!, "anyone"))).rejects.toMatchObject({
        code: "identity_provider_unavailable",
      });
    } finally {
      quiet.mockRestore();
    }
  });
});
