import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  JWKS_MAX_AGE_MS,
  JWKS_MIN_FETCH_INTERVAL_MS,
  JWKS_TIMEOUT_MS,
  RemoteKeySet,
  remoteKeySet,
  type FetchKeys,
} from "@/lib/auth/jwks";

const URL_ = "https://issuer.example/jwks";

interface Issuer {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}
async function issuer(kid: string): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA");
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" } };
}
const tokenFrom = (from: Issuer) =>
  new SignJWT({ sub: "alice" })
    .setProtectedHeader({ alg: "EdDSA", kid: from.kid })
    .setExpirationTime("1h")
    .sign(from.privateKey);

/** A JWKS endpoint whose answer the test changes, counting its requests. */
function endpoint() {
  const state = { keys: [] as JWK[], mode: "serve" as "serve" | "refuse" | "hang" | "error500", requests: 0 };
  const fetchKeys: FetchKeys = async (_url, init) => {
    state.requests += 1;
    if (state.mode === "refuse") throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
    if (state.mode === "hang") {
      return new Promise((_, reject) =>
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason as Error)),
      );
    }
    if (state.mode === "error500") return new Response("oops", { status: 500 });
    return Response.json({ keys: state.keys });
  };
  return { state, fetchKeys };
}

let clock = 1_000_000;
const advance = (ms: number) => (clock += ms);
const verify = (keySet: RemoteKeySet, token: string) =>
  jwtVerify(token, (header, jws) => keySet.keyFor(header, jws), { algorithms: ["EdDSA"] });
const failureCode = (promise: Promise<unknown>) =>
  promise.then(
    () => "verified",
    (error: { code?: string }) => error.code,
  );

let a: Issuer;
let b: Issuer;
beforeAll(async () => {
  a = await issuer("key-a");
  b = await issuer("key-b");
});
afterEach(() => vi.restoreAllMocks());

describe("RemoteKeySet", () => {
  function keySetWith(keys: JWK[]) {
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { state, fetchKeys } = endpoint();
    state.keys = keys;
    return { state, keySet: new RemoteKeySet(URL_, fetchKeys) };
  }

  it("fetches once and serves later tokens from its cache", async () => {
    const { state, keySet } = keySetWith([a.jwk, b.jwk]);
    await verify(keySet, await tokenFrom(a));
    await verify(keySet, await tokenFrom(b));
    await Promise.all([verify(keySet, await tokenFrom(a)), verify(keySet, await tokenFrom(b))]);
    expect(state.requests).toBe(1);
  });

  it("shares one fetch between concurrent first requests", async () => {
    const { state, keySet } = keySetWith([a.jwk]);
    const token = await tokenFrom(a);
    await Promise.all(Array.from({ length: 10 }, () => verify(keySet, token)));
    expect(state.requests).toBe(1);
  });

  it("refetches for an unknown kid at most once per interval (a rotated key is picked up after it)", async () => {
    const { state, keySet } = keySetWith([a.jwk]);
    await verify(keySet, await tokenFrom(a));
    state.keys = [a.jwk, b.jwk];
    const rotated = await tokenFrom(b);
    for (let i = 0; i < 20; i++) expect(await failureCode(verify(keySet, rotated))).toBe("ERR_JWKS_NO_MATCHING_KEY");
    expect(state.requests).toBe(1);
    advance(JWKS_MIN_FETCH_INTERVAL_MS);
    expect(await failureCode(verify(keySet, rotated))).toBe("verified");
    expect(state.requests).toBe(2);
  });

  it("answers unavailable when the JWKS cannot be fetched and nothing is cached, then retries after the interval", async () => {
    const { state, keySet } = keySetWith([a.jwk]);
    state.mode = "refuse";
    const token = await tokenFrom(a);
    expect(await failureCode(verify(keySet, token))).toBe("identity_provider_unavailable");
    expect(await failureCode(verify(keySet, token))).toBe("identity_provider_unavailable");
    expect(state.requests).toBe(1);
    state.mode = "error500";
    advance(JWKS_MIN_FETCH_INTERVAL_MS);
    expect(await failureCode(verify(keySet, token))).toBe("identity_provider_unavailable");
    state.mode = "serve";
    advance(JWKS_MIN_FETCH_INTERVAL_MS);
    expect(await failureCode(verify(keySet, token))).toBe("verified");
    expect(state.requests).toBe(3);
  });

  it("gives up on a hanging JWKS after its timeout", async () => {
    const { state, keySet } = keySetWith([a.jwk]);
    state.mode = "hang";
    const started = performance.now();
    expect(await failureCode(verify(keySet, await tokenFrom(a)))).toBe("identity_provider_unavailable");
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(JWKS_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(JWKS_TIMEOUT_MS + 1_000);
  });

  it("keeps serving cached keys when a refresh of stale keys fails", async () => {
    const { state, keySet } = keySetWith([a.jwk]);
    await verify(keySet, await tokenFrom(a));
    state.mode = "refuse";
    advance(JWKS_MAX_AGE_MS);
    expect(await failureCode(verify(keySet, await tokenFrom(a)))).toBe("verified");
    expect(state.requests).toBe(2);
    // A key that is not cached cannot be checked while the issuer is down: unavailable, not invalid.
    advance(JWKS_MIN_FETCH_INTERVAL_MS);
    expect(await failureCode(verify(keySet, await tokenFrom(b)))).toBe("identity_provider_unavailable");
  });

  it("refreshes keys once they are older than the maximum age, dropping keys the issuer removed", async () => {
    const { state, keySet } = keySetWith([a.jwk]);
    await verify(keySet, await tokenFrom(a));
    state.keys = [b.jwk];
    advance(JWKS_MAX_AGE_MS);
    expect(await failureCode(verify(keySet, await tokenFrom(a)))).toBe("ERR_JWKS_NO_MATCHING_KEY");
    expect(await failureCode(verify(keySet, await tokenFrom(b)))).toBe("verified");
    expect(state.requests).toBe(2);
  });

  it("treats a document that is not a JWKS as a failed fetch", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const keySet = new RemoteKeySet(URL_, async () => Response.json({ not: "a key set" }));
    expect(await failureCode(verify(keySet, await tokenFrom(a)))).toBe("identity_provider_unavailable");
  });

  it("does not follow redirects", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    let init: RequestInit | undefined;
    const keySet = new RemoteKeySet(URL_, async (_url, options) => {
      init = options;
      return new Response(null, { status: 302, headers: { location: "https://elsewhere.example/jwks" } });
    });
    expect(await failureCode(verify(keySet, await tokenFrom(a)))).toBe("identity_provider_unavailable");
    expect(init?.redirect).toBe("manual");
  });
});

describe("RemoteKeySet, between fetches and when a fetch fails", () => {
  function keySetWith(keys: JWK[]) {
    vi.spyOn(Date, "now").mockImplementation(() => clock);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const { state, fetchKeys } = endpoint();
    state.keys = keys;
    return { state, logged, keySet: new RemoteKeySet(URL_, fetchKeys) };
  }
  const tokenWithoutKid = (from: Issuer) =>
    new SignJWT({ sub: "alice" }).setProtectedHeader({ alg: "EdDSA" }).setExpirationTime("1h").sign(from.privateKey);

  it("does not fetch again while its keys are younger than the maximum age", async () => {
    const { state, keySet } = keySetWith([a.jwk]);
    await verify(keySet, await tokenFrom(a));
    advance(JWKS_MAX_AGE_MS - 1);
    expect(await failureCode(verify(keySet, await tokenFrom(a)))).toBe("verified");
    expect(state.requests).toBe(1);
  });

  it("fetches again for an unknown key only, not for a token that fits several known keys", async () => {
    const { state, keySet } = keySetWith([a.jwk, b.jwk]);
    await verify(keySet, await tokenFrom(a));
    advance(JWKS_MIN_FETCH_INTERVAL_MS);
    expect(await failureCode(verify(keySet, await tokenWithoutKid(a)))).toBe("ERR_JWKS_MULTIPLE_MATCHING_KEYS");
    expect(state.requests).toBe(1);
  });

  it("says which JWKS cannot be fetched, and logs why as one JSON line", async () => {
    const { state, logged, keySet } = keySetWith([a.jwk]);
    state.mode = "refuse";
    const error = await verify(keySet, await tokenFrom(a)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "identity_provider_unavailable",
      message: "the JWKS at https://issuer.example/jwks cannot be fetched",
    });
    state.mode = "error500";
    advance(JWKS_MIN_FETCH_INTERVAL_MS);
    await failureCode(verify(keySet, await tokenFrom(a)));
    expect(logged.mock.calls.map(([line]) => JSON.parse(line as string) as unknown)).toEqual([
      { level: "error", message: "JWKS fetch failed", url: URL_, error: "fetch failed: connect ECONNREFUSED" },
      { level: "error", message: "JWKS fetch failed", url: URL_, error: "HTTP 500" },
    ]);
  });

  it("asks for a JWK set", async () => {
    let init: RequestInit | undefined;
    const keySet = new RemoteKeySet(URL_, async (_url, options) => {
      init = options;
      return Response.json({ keys: [a.jwk] });
    });
    expect(await failureCode(verify(keySet, await tokenFrom(a)))).toBe("verified");
    expect(init?.headers).toEqual({ accept: "application/jwk-set+json, application/json" });
  });
});

describe("remoteKeySet", () => {
  it("is one key set per URL for the whole process", () => {
    expect(remoteKeySet("https://one.example/jwks")).toBe(remoteKeySet("https://one.example/jwks"));
    expect(remoteKeySet("https://two.example/jwks")).not.toBe(remoteKeySet("https://one.example/jwks"));
  });
});
