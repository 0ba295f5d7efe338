import path from "node:path";
import { z } from "zod";

// Only for local development: a token signed with it proves nothing, so production refuses to start without a real secret.
export const DEVELOPMENT_AUTH_SECRET = "development-only-secret-never-use-in-production";
export const AUTH_SECRET_MIN_LENGTH = 32;
const DEFAULT_PGLITE_DATA_DIR = ".data/pglite";

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

const rawEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  VERCEL: z.preprocess(emptyAsUndefined, z.string().optional()),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection string")
      .refine((value) => URL.canParse(value), "is not a valid URL")
      .optional(),
  ),
  DATABASE_DRIVER: z.preprocess(emptyAsUndefined, z.enum(["pg", "neon"]).optional()),
  DATABASE_POOL_MAX: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).default(10)),
  PGLITE_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default(DEFAULT_PGLITE_DATA_DIR)),
  AUTH_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
  BENCH_FLOOR_ROUTE: z.preprocess(emptyAsUndefined, z.enum(["0", "1"]).default("0")),
});

export type DatabaseConfig =
  | { driver: "pglite"; dataDir: string }
  | { driver: "pg"; url: string; poolMax: number }
  | { driver: "neon"; url: string; poolMax: number };

export interface Env {
  production: boolean;
  database: DatabaseConfig;
  authSecret: string;
  /** Serve /api/bench/floor, the benchmark's do-nothing route (off unless BENCH_FLOOR_ROUTE=1). */
  benchFloorRoute: boolean;
}

export class ConfigurationError extends Error {
  readonly code = "configuration_error";
}

function isNeonHost(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "neon.tech" || host.endsWith(".neon.tech");
}

function resolveDataDir(dataDir: string): string {
  return dataDir.includes("://") ? dataDir : path.resolve(dataDir);
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = rawEnvSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigurationError(`Invalid configuration:\n${problems.join("\n")}`);
  }
  const raw = parsed.data;
  const production = raw.NODE_ENV === "production";
  const problems: string[] = [];

  if (raw.VERCEL && !raw.DATABASE_URL) {
    problems.push(
      "  - DATABASE_URL: is required on Vercel, whose file system does not outlive a function instance " +
        "(the embedded database would lose every write)",
    );
  }
  if (raw.DATABASE_DRIVER && !raw.DATABASE_URL) {
    problems.push(`  - DATABASE_URL: is required when DATABASE_DRIVER=${raw.DATABASE_DRIVER}`);
  }
  if (production && (raw.AUTH_SECRET ?? "").length < AUTH_SECRET_MIN_LENGTH) {
    problems.push(
      `  - AUTH_SECRET: must be set to at least ${AUTH_SECRET_MIN_LENGTH} characters in production ` +
        "(generate one with `openssl rand -base64 32`)",
    );
  }
  if (problems.length > 0) throw new ConfigurationError(`Invalid configuration:\n${problems.join("\n")}`);

  let database: DatabaseConfig;
  if (!raw.DATABASE_URL) {
    database = { driver: "pglite", dataDir: resolveDataDir(raw.PGLITE_DATA_DIR) };
  } else if (raw.DATABASE_DRIVER === "neon" || (raw.DATABASE_DRIVER === undefined && isNeonHost(raw.DATABASE_URL))) {
    database = { driver: "neon", url: raw.DATABASE_URL, poolMax: raw.DATABASE_POOL_MAX };
  } else {
    database = { driver: "pg", url: raw.DATABASE_URL, poolMax: raw.DATABASE_POOL_MAX };
  }

  return {
    production,
    database,
    authSecret: raw.AUTH_SECRET ?? DEVELOPMENT_AUTH_SECRET,
    benchFloorRoute: raw.BENCH_FLOOR_ROUTE === "1",
  };
}

let cachedEnv: Env | undefined;

/** The process configuration, parsed and validated on first use (never at import, so `next build` needs no secrets). */
export function getEnv(): Env {
  cachedEnv ??= parseEnv(process.env);
  return cachedEnv;
}
