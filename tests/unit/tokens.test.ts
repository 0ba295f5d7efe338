import { afterEach, describe, expect, it, vi } from "vitest";
import { InvalidTokenError } from "@/lib/auth/errors";
import { isUsableUserId, MAX_CACHED_TOKEN_LENGTH, signSessionToken, verifyBearerToken } from "@/lib/auth/tokens";

// lib/auth/tokens.ts on its own (its claims are tested in session.test.ts): which user ids it takes, the verified-token
// cache, observed through the signature checks it saves (jose checks every signature with WebCrypto's
// crypto.subtle.verify), and a server without AUTH_SECRET.

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.resetModules();
});

let users = 0;
/** A user id no other test's token carries, so that no token is already in the cache. */
const freshUser = () => `tokens-test-${process.pid}-${++users}`;

/** The message of the InvalidTokenError `promise` is rejected with (the message the client's 401 carries). */
async function invalidTokenMessage(
  promise: Promise<unknown>,
  errorClass: typeof InvalidTokenError = InvalidTokenError,
): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(errorClass);
  return (error as InvalidTokenError).message;
}

/** Date.now() (which the cache and the `iat` check read) stopped at `start`, moved by `clock.ms = …`. */
function stoppedClock(start = Date.now()) {
  const clock = { ms: start };
  vi.spyOn(Date, "now").mockImplementation(() => clock.ms);
  return clock;
}

/** How many signatures `verify()` checked. */
async function signatureChecks(verify: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(crypto.subtle, "verify");
  try {
    await verify();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe("isUsableUserId", () => {
  it("accepts 1 to 255 characters of storable text, and nothing that is not a string", () => {
    expect(isUsableUserId("a")).toBe(true);
    expect(isUsableUserId("a".repeat(255))).toBe(true);
    expect(isUsableUserId("a".repeat(256))).toBe(false);
    expect(isUsableUserId("")).toBe(false);
    expect(isUsableUserId(["alice"])).toBe(false);
    expect(isUsableUserId(42)).toBe(false);
  });
});

describe("the verified-token cache", () => {
  it("checks a token's signature once, then remembers it for 60 seconds", async () => {
    const clock = stoppedClock();
    const start = clock.ms;
    const id = freshUser();
    const token = await signSessionToken({ id });
    expect(await signatureChecks(() => verifyBearerToken(token))).toBe(1);
    clock.ms = start + 59_999;
    expect(await signatureChecks(() => verifyBearerToken(token))).toBe(0);
    clock.ms = start + 60_000;
    expect(await signatureChecks(() => verifyBearerToken(token))).toBe(1);
    expect(await verifyBearerToken(token)).toEqual({ id });
  });

  it(`remembers a token of ${MAX_CACHED_TOKEN_LENGTH} characters, and checks a longer one every time`, async () => {
    const tokenOfLength = async (length: number) => {
      for (let padding = 0; padding < MAX_CACHED_TOKEN_LENGTH; padding++) {
        const token = await signSessionToken({ id: freshUser() }, { claims: { padding: "p".repeat(padding) } });
        if (token.length >= length) return token;
      }
      throw new Error("unreachable");
    };
    const longest = await tokenOfLength(MAX_CACHED_TOKEN_LENGTH);
    expect(longest).toHaveLength(MAX_CACHED_TOKEN_LENGTH);
    expect(await signatureChecks(() => verifyBearerToken(longest))).toBe(1);
    expect(await signatureChecks(() => verifyBearerToken(longest))).toBe(0);
    const longer = await tokenOfLength(MAX_CACHED_TOKEN_LENGTH + 1);
    expect(longer).toHaveLength(MAX_CACHED_TOKEN_LENGTH + 1);
    expect(await signatureChecks(() => verifyBearerToken(longer))).toBe(1);
    expect(await signatureChecks(() => verifyBearerToken(longer))).toBe(1);
  });

  it("counts a token's bytes and its claims': of 1,000 tokens of 4,000 characters (14 KB each), the first is evicted", async () => {
    // 8 MB hold about 600 entries of 2 × (4,000 + 2,900) bytes; counting the claims as negative would keep 3,900.
    const padding = "p".repeat(2_880);
    const tokens = await Promise.all(
      Array.from({ length: 1_000 }, () => signSessionToken({ id: freshUser() }, { claims: { padding } })),
    );
    expect(tokens[0]!.length).toBeGreaterThan(3_900);
    expect(tokens[0]!.length).toBeLessThanOrEqual(MAX_CACHED_TOKEN_LENGTH);
    for (const token of tokens) await verifyBearerToken(token);
    expect(await signatureChecks(() => verifyBearerToken(tokens[999]!))).toBe(0);
    expect(await signatureChecks(() => verifyBearerToken(tokens[0]!))).toBe(1);
  });
});

describe("a server without AUTH_SECRET (production, JWKS tokens only)", () => {
  async function tokensWithoutSecret() {
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("AUTH_SECRET", "");
    vi.stubEnv("AUTH_JWKS_URL", "https://issuer.example/jwks.json");
    vi.stubEnv("CURSOR_SECRET", "c".repeat(32));
    vi.resetModules();
    const tokens = await import("@/lib/auth/tokens");
    expect((await import("@/lib/env")).getEnv().auth.secret).toBeUndefined();
    return { ...tokens, InvalidTokenError: (await import("@/lib/auth/errors")).InvalidTokenError };
  }

  it("refuses to verify a session token, saying why", async () => {
    const token = await signSessionToken({ id: freshUser() });
    const { verifyAppToken, InvalidTokenError: errorClass } = await tokensWithoutSecret();
    expect(await invalidTokenMessage(verifyAppToken(token), errorClass)).toBe(
      "this server signs no session tokens (AUTH_SECRET is not set)",
    );
  });

  it("refuses to sign one, saying why", async () => {
    const { signSessionToken: signWithoutSecret } = await tokensWithoutSecret();
    const error = await signWithoutSecret({ id: freshUser() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("AUTH_SECRET is not set: there is no key to sign session tokens with");
  });
});
