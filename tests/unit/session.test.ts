import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { resolveSession } from "@/lib/auth/session";
import { readSessionCookie } from "@/lib/auth/session-cookie";
import { signSessionToken } from "@/lib/auth/tokens";
import { InvalidTokenError } from "@/lib/auth/errors";
import { toApiError, type ApiError } from "@/lib/http/errors";
import { getEnv } from "@/lib/env";

const requestWith = (authorization?: string) =>
  new Request("http://localhost/api/alice/tasks", { headers: authorization ? { authorization } : {} });

const now = () => Math.floor(Date.now() / 1000);
const secret = () => new TextEncoder().encode(getEnv().auth.secret);

/** The hook refuses with InvalidTokenError, which the API answers as a 401: the answer is returned. */
async function rejected(authorization: string): Promise<ApiError> {
  const error = await resolveSession(requestWith(authorization)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  const answer = toApiError(error);
  expect(answer.status).toBe(401);
  return answer;
}

describe("resolveSession", () => {
  it("returns no user when the request carries no credentials", async () => {
    expect(await resolveSession(requestWith())).toBeNull();
  });

  it("returns the token's subject and email", async () => {
    const token = await signSessionToken({ id: "alice", email: "alice@example.com" });
    expect(await resolveSession(requestWith(`Bearer ${token}`))).toEqual({ id: "alice", email: "alice@example.com" });
    expect(await resolveSession(requestWith(`bearer  ${token}`))).toEqual({ id: "alice", email: "alice@example.com" });
  });

  it("rejects other schemes and malformed tokens with invalid_token", async () => {
    const error = await rejected("Basic YWxpY2U6cGFzcw==");
    expect(error.headers?.["WWW-Authenticate"]).toBe('Bearer error="invalid_token"');
    expect(error.message).toBe("the Authorization header must be `Bearer <token>`");
    expect((await rejected("Bearer not-a-jwt")).message).toBe(
      "the bearer token is not a JWT (three base64url parts separated by dots)",
    );
    expect((await rejected("Bearer a.b.c.d")).message).toBe(
      "the bearer token is not a JWT (three base64url parts separated by dots)",
    );
    expect((await rejected("Bearer ")).message).toBe("the Authorization header must be `Bearer <token>`");
  });

  it("rejects alg none, other algorithms, bad signatures and tampered payloads", async () => {
    const unsecured = new UnsecuredJWT({ sub: "alice" }).setExpirationTime("1h").encode();
    await rejected(`Bearer ${unsecured}`);
    const hs512 = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "HS512" })
      .setExpirationTime("1h")
      .sign(secret());
    await rejected(`Bearer ${hs512}`);
    const otherSecret = await signSessionToken({ id: "alice" }, { secret: "another-secret-of-32-characters!!" });
    await rejected(`Bearer ${otherSecret}`);
    const [header, , signature] = (await signSessionToken({ id: "alice" })).split(".");
    const forged = Buffer.from(JSON.stringify({ sub: "bob", exp: now() + 60 })).toString("base64url");
    await rejected(`Bearer ${header}.${forged}.${signature}`);
    await rejected(`Bearer ${header}.${forged}.`);
  });

  it("requires sub and exp, and refuses expired tokens", async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(secret());
    await rejected(`Bearer ${await sign({ sub: "alice" })}`);
    await rejected(`Bearer ${await sign({ exp: now() + 60 })}`);
    await rejected(`Bearer ${await sign({ sub: "alice", exp: String(now() + 60) })}`);
    await rejected(`Bearer ${await sign({ sub: "", exp: now() + 60 })}`);
    await rejected(`Bearer ${await sign({ sub: "a\u0000b", exp: now() + 60 })}`);
    const expired = await rejected(`Bearer ${await sign({ sub: "alice", exp: now() - 60 })}`);
    expect(expired.message).toBe("the token has expired");
  });
});

describe("verifyBearerToken's claims", () => {
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT({ exp: now() + 60, ...claims }).setProtectedHeader({ alg: "HS256" }).sign(secret());
  const userOf = async (claims: Record<string, unknown>) => resolveSession(requestWith(`Bearer ${await sign(claims)}`));

  it("takes a subject of 1 to 255 characters, and says why it refuses another, an array included", async () => {
    expect(await userOf({ sub: "a".repeat(255) })).toEqual({ id: "a".repeat(255) });
    for (const sub of ["a".repeat(256), ["alice"]]) {
      const error = await rejected(`Bearer ${await sign({ sub })}`);
      expect(error.message).toBe("the token's subject is not a usable user id");
    }
  });

  it("keeps an email of 1 to 320 characters and drops any other", async () => {
    const longest = `${"a".repeat(308)}@example.com`;
    expect(await userOf({ sub: "alice", email: longest })).toEqual({ id: "alice", email: longest });
    for (const email of [`a${longest}`, "", 42]) {
      expect(await userOf({ sub: "alice", email })).toEqual({ id: "alice" });
    }
  });

  it("refuses a token issued more than 5 s in the future, and takes one issued exactly 5 s ahead", async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    try {
      const at = 1_800_000_000;
      expect(await userOf({ sub: "alice", iat: at + 5 })).toEqual({ id: "alice" });
      const error = await rejected(`Bearer ${await sign({ sub: "alice", iat: at + 6 })}`);
      expect(error.message).toBe("the token was issued in the future");
    } finally {
      vi.useRealTimers();
    }
  });

  it("says a token is invalid, not expired, when its signature does not verify", async () => {
    const token = await signSessionToken({ id: "alice" });
    expect((await rejected(`Bearer ${token.slice(0, -2)}`)).message).toBe("the token is invalid");
  });

  it("signs session tokens as JWTs: HS256, typ JWT", async () => {
    expect(decodeProtectedHeader(await signSessionToken({ id: "alice" }))).toEqual({ alg: "HS256", typ: "JWT" });
  });

  it("signs with the configured issuer and audience, so that its own tokens pass its own checks", async () => {
    vi.resetModules();
    vi.stubEnv("AUTH_ISSUER", "https://issuer.example");
    vi.stubEnv("AUTH_AUDIENCE", "todo-api");
    try {
      const tokens = await import("@/lib/auth/tokens");
      const token = await tokens.signSessionToken({ id: "alice" });
      expect(decodeJwt(token)).toMatchObject({ iss: "https://issuer.example", aud: "todo-api" });
      expect(await tokens.verifyBearerToken(token)).toEqual({ id: "alice" });
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe("the verified-token cache", () => {
  it("never outlives the token's exp", async () => {
    const token = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime(now() + 2)
      .sign(secret());
    expect(await resolveSession(requestWith(`Bearer ${token}`))).toEqual({ id: "alice" });
    vi.useFakeTimers({ now: Date.now() + 10_000 });
    try {
      await rejected(`Bearer ${token}`);
    } finally {
      vi.useRealTimers();
    }
  });

  it("remembers only tokens that verified", async () => {
    const token = await signSessionToken({ id: "alice" });
    await rejected(`Bearer ${token.slice(0, -2)}`);
    expect(await resolveSession(requestWith(`Bearer ${token}`))).toEqual({ id: "alice" });
    await rejected(`Bearer ${token.slice(0, -2)}`);
  });
});

describe("resolveSession with the next-auth session cookie", () => {
  const withCookie = (cookie: string, authorization?: string) =>
    new Request("http://localhost/api/alice/tasks", {
      headers: authorization ? { cookie, authorization } : { cookie },
    });

  it("returns the cookie's user when the request has no Authorization header", async () => {
    const token = await signSessionToken({ id: "alice" });
    expect(await resolveSession(withCookie(`theme=dark; next-auth.session-token=${token}`))).toEqual({ id: "alice" });
  });

  it("judges a request with a bearer token by that token alone", async () => {
    const alice = await signSessionToken({ id: "alice" });
    const bob = await signSessionToken({ id: "bob" });
    expect(await resolveSession(withCookie(`next-auth.session-token=${alice}`, `Bearer ${bob}`))).toEqual({
      id: "bob",
    });
  });

  it("rejects a tampered or expired cookie with 401", async () => {
    const token = await signSessionToken({ id: "alice" });
    const expired = await signSessionToken({ id: "alice" }, { expiresInSeconds: -60 });
    for (const cookie of [`next-auth.session-token=${token}x`, `next-auth.session-token=${expired}`]) {
      const error = await resolveSession(withCookie(cookie)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidTokenError);
    }
  });

  it("ignores cookies of other names", async () => {
    const token = await signSessionToken({ id: "alice" });
    expect(await resolveSession(withCookie(`session-token=${token}; next-auth.csrf-token=${token}`))).toBeNull();
  });
});

describe("readSessionCookie", () => {
  const cookieRequest = (cookie: string) => new Request("http://localhost/", { headers: { cookie } });

  it("joins a value next-auth split into numbered chunks, in order", () => {
    const request = cookieRequest("s.1=def; other=x; s.0=abc; s.2=ghi");
    expect(readSessionCookie(request, "s")).toBe("abcdefghi");
  });

  it("prefers the whole cookie and ignores names that only start alike", () => {
    expect(readSessionCookie(cookieRequest("s=whole; s.0=chunk"), "s")).toBe("whole");
    expect(readSessionCookie(cookieRequest("sx=1; s.x=2; s.0a=3"), "s")).toBeNull();
    expect(readSessionCookie(cookieRequest("s="), "s")).toBeNull();
    expect(readSessionCookie(new Request("http://localhost/"), "s")).toBeNull();
  });
});
