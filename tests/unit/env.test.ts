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
      benchFloorRoute: false,
    });
  });

  it("picks node-postgres for a plain URL and Neon for a neon.tech host or DATABASE_DRIVER=neon", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://u@localhost/db" }).database.driver).toBe("pg");
    expect(parseEnv({ DATABASE_URL: "postgresql://u:p@ep-x-123.eu-central-1.aws.neon.tech/db" }).database.driver).toBe(
      "neon",
    );
    expect(parseEnv({ DATABASE_URL: "postgres://localhost/db", DATABASE_DRIVER: "neon" }).database.driver).toBe("neon");
    expect(parseEnv({ DATABASE_URL: "postgres://x.neon.tech/db", DATABASE_DRIVER: "pg" }).database.driver).toBe("pg");
    expect(parseEnv({ DATABASE_URL: "postgres://evilneon.tech/db" }).database.driver).toBe("pg");
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
