import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { developmentAuthSecret } from "@/lib/development-secret";
import { CONFIGURATION_VARIABLES, parseEnv } from "@/lib/env";

const secret = "s".repeat(32);

describe("parseEnv", () => {
  it("defaults to the embedded database under .data/ and the credentials sign-in with the secret it is given", () => {
    expect(parseEnv({ AUTH_SECRET: secret })).toEqual({
      production: false,
      database: { driver: "pglite", dataDir: path.resolve(".data/pglite") },
      auth: { secret, nextAuth: { secureCookies: false, credentials: { password: null } } },
      cursorSecret: secret,
      logLevel: "info",
      benchFloorRoute: false,
    });
  });

  it("has no built-in secret: without AUTH_SECRET there is no session signing, and cursors get a key of their own", () => {
    const env = parseEnv({});
    expect(env.auth.secret).toBeUndefined();
    expect(env.auth.nextAuth).toBeNull();
    expect(env.cursorSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseEnv({}).cursorSecret).not.toBe(env.cursorSecret);
  });

  it("uses node-postgres for every URL, Neon's included, and the Neon driver only when asked", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://u@localhost/db" }).database.driver).toBe("pg");
    const pooled = "postgresql://u:p@ep-x-123-pooler.eu-central-1.aws.neon.tech/db";
    expect(parseEnv({ DATABASE_URL: pooled }).database).toEqual({
      driver: "pg",
      url: pooled,
      migrationUrl: pooled,
      poolMax: 10,
    });
    expect(parseEnv({ DATABASE_URL: pooled, DATABASE_DRIVER: "neon" }).database).toEqual({
      driver: "neon",
      url: pooled,
      migrationUrl: pooled,
      poolMax: 10,
    });
  });

  it("migrates over DATABASE_URL_UNPOOLED when it is set, as Neon's Vercel integration does", () => {
    const pooled = "postgresql://u:p@ep-x-123-pooler.eu-central-1.aws.neon.tech/db";
    const direct = "postgresql://u:p@ep-x-123.eu-central-1.aws.neon.tech/db";
    expect(parseEnv({ DATABASE_URL: pooled, DATABASE_URL_UNPOOLED: direct }).database).toMatchObject({
      url: pooled,
      migrationUrl: direct,
    });
    expect(() => parseEnv({ DATABASE_URL_UNPOOLED: direct })).toThrow(
      /DATABASE_URL_UNPOOLED: is only used beside DATABASE_URL/,
    );
  });

  it("takes a WebSocket proxy for the Neon driver: any wss://, ws:// only on this machine", () => {
    const neon = { DATABASE_URL: "postgres://localhost/db", DATABASE_DRIVER: "neon" };
    expect(parseEnv({ ...neon, DATABASE_WS_PROXY: "ws://127.0.0.1:3204/v2" }).database).toMatchObject({
      driver: "neon",
      wsProxy: "ws://127.0.0.1:3204/v2",
    });
    expect(parseEnv({ ...neon, DATABASE_WS_PROXY: "wss://proxy.example.com" }).database).toMatchObject({
      wsProxy: "wss://proxy.example.com",
    });
    expect(() => parseEnv({ ...neon, DATABASE_WS_PROXY: "ws://proxy.example.com" })).toThrow(
      /DATABASE_WS_PROXY: must use wss:\/\/ unless the proxy is on this machine/,
    );
    expect(() => parseEnv({ ...neon, DATABASE_WS_PROXY: "http://127.0.0.1" })).toThrow(
      /DATABASE_WS_PROXY: must be a ws:\/\/ or wss:\/\/ URL/,
    );
    expect(() => parseEnv({ DATABASE_URL: "postgres://localhost/db", DATABASE_WS_PROXY: "ws://localhost:1" })).toThrow(
      /DATABASE_WS_PROXY: is only used by the Neon driver/,
    );
  });

  it("takes a log level", () => {
    expect(parseEnv({ LOG_LEVEL: "warn" }).logLevel).toBe("warn");
    expect(() => parseEnv({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });

  it("refuses to start in production with neither an AUTH_SECRET of 32 characters nor AUTH_JWKS_URL", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(
      /AUTH_SECRET: must be set to at least 32 characters in production unless AUTH_JWKS_URL is set/,
    );
    expect(() => parseEnv({ NODE_ENV: "production", AUTH_SECRET: "short" })).toThrow(
      /AUTH_SECRET: must be set to at least 32/,
    );
    expect(parseEnv({ NODE_ENV: "production", AUTH_SECRET: secret }).auth.secret).toBe(secret);
    expect(parseEnv({ NODE_ENV: "production", AUTH_SECRET: secret }).cursorSecret).toBe(secret);
  });

  it("accepts AUTH_JWKS_URL alone in production: no HS256 secret, so no next-auth sessions either", () => {
    const jwksOnly = { NODE_ENV: "production", AUTH_JWKS_URL: "https://auth.example.com/api/auth/jwks" };
    const env = parseEnv({ ...jwksOnly, CURSOR_SECRET: secret });
    expect(env.auth).toEqual({ jwksUrl: "https://auth.example.com/api/auth/jwks", nextAuth: null });
    expect(env.cursorSecret).toBe(secret);
    // List cursors are signed with AUTH_SECRET by default: without it, they need their own key.
    expect(() => parseEnv(jwksOnly)).toThrow(
      /CURSOR_SECRET: must be set to at least 32 characters in production when AUTH_SECRET is not/,
    );
    expect(() => parseEnv({ ...jwksOnly, CURSOR_SECRET: "short" })).toThrow(/CURSOR_SECRET: must be at least 32/);
    expect(() =>
      parseEnv({ NODE_ENV: "production", AUTH_SECRET: "short", AUTH_JWKS_URL: "https://auth.example.com/jwks" }),
    ).toThrow(/AUTH_SECRET: must be set to at least 32 characters in production .*or left unset/);
  });

  it("takes the JWKS over https only, or over http from this machine", () => {
    expect(parseEnv({ AUTH_JWKS_URL: "http://127.0.0.1:4000/jwks" }).auth.jwksUrl).toBe("http://127.0.0.1:4000/jwks");
    expect(parseEnv({ AUTH_JWKS_URL: "http://localhost/jwks" }).auth.jwksUrl).toBe("http://localhost/jwks");
    expect(() => parseEnv({ AUTH_JWKS_URL: "http://auth.example.com/jwks" })).toThrow(
      /AUTH_JWKS_URL: must be an https:\/\/ URL \(http:\/\/ only for localhost\)/,
    );
    expect(() => parseEnv({ AUTH_JWKS_URL: "not a url" })).toThrow(/AUTH_JWKS_URL: is not a valid URL/);
  });

  it("passes AUTH_ISSUER and AUTH_AUDIENCE through", () => {
    const { auth } = parseEnv({ AUTH_ISSUER: "https://auth.example.com", AUTH_AUDIENCE: "todo-api" });
    expect(auth).toMatchObject({ issuer: "https://auth.example.com", audience: "todo-api" });
  });

  it("enables the credentials sign-in in production only with AUTH_CREDENTIALS_PASSWORD", () => {
    const production = { NODE_ENV: "production", AUTH_SECRET: secret };
    expect(parseEnv(production).auth.nextAuth).toEqual({ secureCookies: false, credentials: null });
    expect(
      parseEnv({ ...production, AUTH_CREDENTIALS_PASSWORD: "a long demo password" }).auth.nextAuth?.credentials,
    ).toEqual({
      password: "a long demo password",
    });
    expect(() => parseEnv({ AUTH_CREDENTIALS_PASSWORD: "short" })).toThrow(
      /AUTH_CREDENTIALS_PASSWORD: must be at least 12 characters/,
    );
  });

  it("marks the session cookie Secure when NEXTAUTH_URL is https, or on Vercel", () => {
    const withSecret = { AUTH_SECRET: secret };
    expect(parseEnv({ ...withSecret, NEXTAUTH_URL: "https://todo.example.com" }).auth.nextAuth?.secureCookies).toBe(
      true,
    );
    expect(parseEnv({ ...withSecret, NEXTAUTH_URL: "http://127.0.0.1:3000" }).auth.nextAuth?.secureCookies).toBe(false);
    expect(parseEnv({ ...withSecret, VERCEL: "1", DATABASE_URL: "postgres://h/db" }).auth.nextAuth?.secureCookies).toBe(
      true,
    );
    expect(() => parseEnv({ NEXTAUTH_URL: "todo.example.com" })).toThrow(/NEXTAUTH_URL: must be an http/);
  });

  it("refuses the embedded database on Vercel, where the disk does not last", () => {
    expect(() => parseEnv({ VERCEL: "1", NODE_ENV: "production", AUTH_SECRET: secret })).toThrow(
      /DATABASE_URL: is required on Vercel/,
    );
  });

  it("explains a malformed DATABASE_URL", () => {
    expect(() => parseEnv({ DATABASE_URL: "mysql://localhost/db" })).toThrow(
      /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ connection string/,
    );
    expect(() => parseEnv({ DATABASE_DRIVER: "neon" })).toThrow(/DATABASE_URL: is required when DATABASE_DRIVER=neon/);
  });

  it("fails with a code that survives minification", () => {
    try {
      parseEnv({ NODE_ENV: "production" });
      expect.unreachable();
    } catch (error) {
      expect((error as { code?: string }).code).toBe("configuration_error");
    }
  });
});

describe("developmentAuthSecret", () => {
  const dirs: string[] = [];
  const newDataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "todo-env-"));
    dirs.push(dir);
    return path.join(dir, ".data");
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("generates a random secret on first use, keeps it readable by its owner only, and reuses it", () => {
    const dataDir = newDataDir();
    const first = developmentAuthSecret(dataDir);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = path.join(dataDir, "dev-auth-secret");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(developmentAuthSecret(dataDir)).toBe(first);
    expect(developmentAuthSecret(newDataDir())).not.toBe(first);
  });

  it("replaces a kept secret too short to be one it generated", () => {
    const dataDir = newDataDir();
    developmentAuthSecret(dataDir);
    const file = path.join(dataDir, "dev-auth-secret");
    writeFileSync(file, "short\n");
    const replaced = developmentAuthSecret(dataDir);
    expect(replaced).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(file, "utf8").trim()).toBe(replaced);
  });
});

describe(".env.example", () => {
  it("lists every variable the app reads, each under a comment, except those the platform sets", () => {
    const example = readFileSync(".env.example", "utf8");
    const listed = [...example.matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    const setByPlatform = ["NODE_ENV", "VERCEL"];
    expect(listed.sort()).toEqual(CONFIGURATION_VARIABLES.filter((name) => !setByPlatform.includes(name)).sort());
  });
});
