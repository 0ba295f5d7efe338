import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEVELOPMENT_AUTH_SECRET, parseEnv } from "@/lib/env";

const secret = "s".repeat(32);

describe("parseEnv", () => {
  it("defaults to the embedded database under .data/ and the development secret", () => {
    expect(parseEnv({})).toEqual({
      production: false,
      database: { driver: "pglite", dataDir: path.resolve(".data/pglite") },
      authSecret: DEVELOPMENT_AUTH_SECRET,
      logLevel: "info",
      benchFloorRoute: false,
    });
  });

  it("uses node-postgres for every URL, Neon's included, and the Neon driver only when asked", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://u@localhost/db" }).database.driver).toBe("pg");
    const pooled = "postgresql://u:p@ep-x-123-pooler.eu-central-1.aws.neon.tech/db";
    expect(parseEnv({ DATABASE_URL: pooled }).database).toEqual({ driver: "pg", url: pooled, migrationUrl: pooled, poolMax: 10 });
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
    expect(() => parseEnv({ DATABASE_URL_UNPOOLED: direct })).toThrow(/DATABASE_URL_UNPOOLED: is only used beside DATABASE_URL/);
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

  it("refuses to start in production without an AUTH_SECRET of 32 characters", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/AUTH_SECRET: must be set to at least 32/);
    expect(() => parseEnv({ NODE_ENV: "production", AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET/);
    expect(parseEnv({ NODE_ENV: "production", AUTH_SECRET: secret }).authSecret).toBe(secret);
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
