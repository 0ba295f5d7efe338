// lib/auth/next-auth.ts on its own: the options next-auth runs with, the credentials sign-in, and the session token
// codec that makes next-auth's cookie the app's own HS256 token. The sign-in over HTTP is tests/e2e/next-auth.spec.ts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { decodeJwt, decodeProtectedHeader, UnsecuredJWT } from "jose";
import type { AuthOptions } from "next-auth";
import { decode as nextAuthDecode, encode as nextAuthEncode, type JWT } from "next-auth/jwt";
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.resetModules();
});

const THIRTY_DAYS_SECONDS = 30 * 24 * 3600;
const PASSWORD = "correct horse battery staple";

/** The modules as a server with these variables (over the unit project's) loads them. */
async function loadWith(variables: Record<string, string> = {}) {
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
  vi.resetModules();
  const nextAuth = await import("@/lib/auth/next-auth");
  const { getEnv } = await import("@/lib/env");
  const { getLogger } = await import("@/lib/logger");
  const { verifyAppToken } = await import("@/lib/auth/tokens");
  const { sessionCookie } = await import("@/lib/auth/session-cookie");
  return { ...nextAuth, getEnv, getLogger, verifyAppToken, sessionCookie };
}

async function optionsWith(variables: Record<string, string> = {}): Promise<AuthOptions> {
  const options = (await loadWith(variables)).nextAuthOptions();
  expect(options).not.toBeNull();
  return options!;
}

/** The credentials provider's own authorize: next-auth keeps what the app passes under `options`. */
function authorizeOf(options: AuthOptions) {
  expect(options.providers.map((provider) => provider.id)).toStrictEqual(["credentials"]);
  const provider = options.providers[0] as unknown as {
    options: { authorize: (credentials: Record<string, string> | undefined, request: unknown) => Promise<unknown> };
  };
  return (credentials?: Record<string, string>) => provider.options.authorize(credentials, {});
}

const production = { NODE_ENV: "production", AUTH_SECRET: "s".repeat(32), NEXTAUTH_URL: "https://todo.example" };

describe("nextAuthOptions", () => {
  it("signs JWT sessions for 30 days with AUTH_SECRET, in the app's session cookie", async () => {
    const secret = "a-secret-of-this-test-at-least-32-chars";
    const { nextAuthOptions, getEnv, sessionCookie } = await loadWith({ AUTH_SECRET: secret });
    const options = nextAuthOptions()!;
    const { auth } = getEnv();
    expect(options.secret).toBe(secret);
    expect(options.session).toStrictEqual({ strategy: "jwt", maxAge: THIRTY_DAYS_SECONDS });
    expect(options.jwt?.maxAge).toBe(THIRTY_DAYS_SECONDS);
    expect(options.useSecureCookies).toBe(false);
    expect(options.cookies).toStrictEqual({ sessionToken: sessionCookie(auth.nextAuth!) });
  });

  it("marks cookies Secure when the app is served over https", async () => {
    const options = await optionsWith({ NEXTAUTH_URL: "https://todo.example" });
    expect(options.useSecureCookies).toBe(true);
    expect(options.cookies?.sessionToken?.name).toBe("__Secure-next-auth.session-token");
  });

  it("offers the credentials sign-in outside production, and in production only with AUTH_CREDENTIALS_PASSWORD", async () => {
    expect((await optionsWith()).providers.map((provider) => provider.id)).toStrictEqual(["credentials"]);
    expect((await optionsWith(production)).providers).toStrictEqual([]);
    const withPassword = await optionsWith({ ...production, AUTH_CREDENTIALS_PASSWORD: PASSWORD });
    expect(withPassword.providers.map((provider) => provider.id)).toStrictEqual(["credentials"]);
  });

  it("is null on a server without AUTH_SECRET (production, JWKS tokens only)", async () => {
    const { nextAuthOptions } = await loadWith({
      ...production,
      AUTH_SECRET: "",
      AUTH_JWKS_URL: "https://issuer.example/jwks.json",
      CURSOR_SECRET: "c".repeat(32),
    });
    expect(nextAuthOptions()).toBeNull();
  });
});

describe("the credentials sign-in", () => {
  it("asks for a user id and a password on next-auth's own sign-in page", async () => {
    const [provider] = (await optionsWith()).providers as unknown as { options: Record<string, unknown> }[];
    expect(provider!.options).toMatchObject({
      id: "credentials",
      name: "a user id",
      credentials: {
        userId: { label: "User id", type: "text" },
        password: { label: "Password", type: "password" },
      },
    });
  });

  it("signs in any usable user id with any password when no password is configured (development)", async () => {
    const authorize = authorizeOf(await optionsWith());
    expect(await authorize({ userId: "alice", password: "" })).toStrictEqual({ id: "alice" });
    expect(await authorize({ userId: "alice" })).toStrictEqual({ id: "alice" });
  });

  it("refuses a user id the API could not store or route to", async () => {
    const authorize = authorizeOf(await optionsWith());
    for (const userId of ["", "a".repeat(1_000), "nul\u0000byte", "\ud800"]) {
      expect(await authorize({ userId, password: "x" }), JSON.stringify(userId)).toBeNull();
    }
    expect(await authorize({ password: "x" })).toBeNull();
    expect(await authorize(undefined)).toBeNull();
  });

  it("with AUTH_CREDENTIALS_PASSWORD, signs in only with that password", async () => {
    const authorize = authorizeOf(await optionsWith({ AUTH_CREDENTIALS_PASSWORD: PASSWORD }));
    expect(await authorize({ userId: "alice", password: PASSWORD })).toStrictEqual({ id: "alice" });
    for (const password of ["", `${PASSWORD} `, PASSWORD.slice(0, -1), PASSWORD.toUpperCase(), "x".repeat(10_000)]) {
      expect(await authorize({ userId: "alice", password }), JSON.stringify(password)).toBeNull();
    }
    expect(await authorize({ userId: "alice" })).toBeNull();
    expect(await authorize({ userId: "", password: PASSWORD })).toBeNull();
  });
});

describe("next-auth's warnings", () => {
  async function warningsWith(variables: Record<string, string>, code: string) {
    const { nextAuthOptions, getLogger } = await loadWith(variables);
    const options = nextAuthOptions()!;
    const warn = vi.spyOn(getLogger(), "warn").mockImplementation(() => undefined);
    options.logger!.warn!(code as never);
    return warn.mock.calls;
  }

  it("go to the app's log with next-auth's explanation", async () => {
    expect(await warningsWith({}, "DEBUG_ENABLED")).toStrictEqual([
      [{ code: "DEBUG_ENABLED" }, "next-auth: https://next-auth.js.org/warnings#debug_enabled"],
    ]);
  });

  it("leave out the missing NEXTAUTH_URL outside production, where the request's Host is the origin wanted", async () => {
    expect(await warningsWith({}, "NEXTAUTH_URL")).toStrictEqual([]);
    expect(await warningsWith(production, "NEXTAUTH_URL")).toStrictEqual([
      [{ code: "NEXTAUTH_URL" }, "next-auth: https://next-auth.js.org/warnings#nextauth_url"],
    ]);
  });
});

describe("the session callback", () => {
  it("adds the user id (the token's subject) to what the browser gets, keeping the rest", async () => {
    const options = await optionsWith();
    const session = { user: { name: "Alice", email: "alice@example.com" }, expires: "2027-01-01T00:00:00.000Z" };
    const result = await options.callbacks!.session!({ session, token: { sub: "alice" } } as never);
    expect(result).toStrictEqual({ ...session, user: { ...session.user, id: "alice" } });
  });
});

describe("the session token codec (jwt.encode and jwt.decode)", () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  it("encodes a session as the app's own HS256 token, which the API verifies", async () => {
    const { nextAuthOptions, getEnv, verifyAppToken } = await loadWith();
    const { jwt } = nextAuthOptions()!;
    const secret = getEnv().auth.secret!;
    const before = nowSeconds();
    const token = await jwt!.encode!({ token: { sub: "alice", email: "alice@example.com", name: "Alice" }, secret });
    expect(decodeProtectedHeader(token)).toStrictEqual({ alg: "HS256", typ: "JWT" });
    const claims = await verifyAppToken(token);
    expect(claims).toMatchObject({ sub: "alice", email: "alice@example.com", name: "Alice" });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.exp! - claims.iat!).toBe(THIRTY_DAYS_SECONDS);
    expect(await jwt!.decode!({ token, secret })).toStrictEqual(claims);
  });

  it("sets the registered claims afresh, from maxAge, whatever the token carried", async () => {
    const { nextAuthOptions, getEnv } = await loadWith();
    const { jwt } = nextAuthOptions()!;
    const secret = getEnv().auth.secret!;
    const stale: JWT = { sub: "alice", iat: 1, exp: 2, nbf: 4_000_000_000, jti: "old", iss: "elsewhere", aud: "other" };
    const token = await jwt!.encode!({ token: stale, secret, maxAge: 60 });
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toStrictEqual(["exp", "iat", "sub"]);
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(await jwt!.decode!({ token, secret })).toMatchObject({ sub: "alice" });
  });

  it("carries the email only when it is a string", async () => {
    const { nextAuthOptions, getEnv } = await loadWith();
    const { jwt } = nextAuthOptions()!;
    const token = await jwt!.encode!({ token: { sub: "alice", email: 5 as never }, secret: getEnv().auth.secret! });
    expect(decodeJwt(token)).not.toHaveProperty("email");
  });

  it("refuses to encode a session without a usable user id", async () => {
    const { nextAuthOptions, getEnv } = await loadWith();
    const { jwt } = nextAuthOptions()!;
    const secret = getEnv().auth.secret!;
    for (const token of [{}, { sub: "" }, { sub: "nul\u0000byte" }, null]) {
      await expect(jwt!.encode!({ token: token as JWT, secret }), JSON.stringify(token)).rejects.toThrow(
        "a next-auth session needs a usable user id as its subject",
      );
    }
  });

  it("decodes nothing, a forgery or a token of another secret as no session (null), never an error", async () => {
    const { nextAuthOptions, getEnv } = await loadWith();
    const { jwt } = nextAuthOptions()!;
    const secret = getEnv().auth.secret!;
    const { signSessionToken } = await import("@/lib/auth/tokens");
    const otherSecret = await signSessionToken({ id: "alice" }, { secret: "o".repeat(32) });
    const [header, , signature] = (await signSessionToken({ id: "alice" })).split(".");
    const asBob = Buffer.from(JSON.stringify({ sub: "bob", exp: 4_000_000_000 })).toString("base64url");
    const tampered = `${header}.${asBob}.${signature}`;
    const unsigned = new UnsecuredJWT({ sub: "alice" }).setExpirationTime("1h").encode();
    for (const token of [undefined, "", "not.a.token", otherSecret, tampered, unsigned]) {
      expect(await jwt!.decode!({ token, secret }), String(token)).toBeNull();
    }
  });

  it("leaves next-auth's own salted tokens (OAuth state, PKCE, nonce) to next-auth's encryption", async () => {
    const { nextAuthOptions, getEnv } = await loadWith();
    const { jwt } = nextAuthOptions()!;
    const secret = getEnv().auth.secret!;
    const salt = "next-auth.state";
    const token = await jwt!.encode!({ token: { value: "state-value" }, secret, salt, maxAge: 900 });
    expect(token.split(".")).toHaveLength(5); // a JWE, not the app's three-part JWS
    expect(await nextAuthDecode({ token, secret, salt })).toMatchObject({ value: "state-value" });
    const theirs = await nextAuthEncode({ token: { value: "pkce" }, secret, salt: "next-auth.pkce.code_verifier" });
    expect(await jwt!.decode!({ token: theirs, secret, salt: "next-auth.pkce.code_verifier" })).toMatchObject({
      value: "pkce",
    });
  });
});

describe("NEXT_AUTH_ACTIONS", () => {
  it("is every action next-auth's handler serves, so that the route answers 404 for no other", async () => {
    const { NEXT_AUTH_ACTIONS } = await loadWith();
    const require = createRequire(import.meta.url);
    // next-auth's package exports no ./core: its handler is found beside the package's entry point.
    const handlerSource = readFileSync(path.join(path.dirname(require.resolve("next-auth")), "core/index.js"), "utf8");
    const served = new Set([...handlerSource.matchAll(/case "([^"]+)":/g)].map((match) => match[1]));
    expect(new Set(NEXT_AUTH_ACTIONS)).toStrictEqual(served);
    expect(NEXT_AUTH_ACTIONS).toHaveLength(served.size);
  });
});
