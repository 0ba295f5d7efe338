import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { resolveSession } from "@/lib/auth/session";
import { readSessionCookie, sessionCookie } from "@/lib/auth/session-cookie";
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
    await rejected("Bearer not-a-jwt");
    await rejected("Bearer ");
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

  it("takes no pair without '=', and no chunk of another cookie's name", () => {
    expect(readSessionCookie(cookieRequest("s1; s.0"), "s")).toBeNull();
    expect(readSessionCookie(cookieRequest("t.0=abc; other.1=def"), "s")).toBeNull();
  });

  it("trims the blanks around a value", () => {
    expect(readSessionCookie(cookieRequest("x=1;  s = abc ; y=2"), "s")).toBe("abc");
  });
});

describe("sessionCookie", () => {
  it("is HttpOnly, SameSite=Lax and for the whole site; Secure, and __Secure- prefixed, when the site is https", () => {
    expect(sessionCookie({ secureCookies: false, credentials: null })).toEqual({
      name: "next-auth.session-token",
      options: { httpOnly: true, sameSite: "lax", path: "/", secure: false },
    });
    expect(sessionCookie({ secureCookies: true, credentials: null })).toEqual({
      name: "__Secure-next-auth.session-token",
      options: { httpOnly: true, sameSite: "lax", path: "/", secure: true },
    });
  });
});
