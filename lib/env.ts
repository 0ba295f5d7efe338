import { randomBytes } from "node:crypto";
import path from "node:path";
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";
import { AUTH_SECRET_MIN_LENGTH, developmentAuthSecret, LOCAL_DATA_DIR } from "./development-secret";

export { AUTH_SECRET_MIN_LENGTH };

// The configuration, declared: one entry per variable (its rule, default and message), the rules between variables in
// one list, then the shape the code reads. Parsed once, on first use; .env files are loaded before (Next.js does it
// for the server, scripts/load-env.ts for everything else). Every variable is in .env.example.

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const isLoopback = (url: string) => LOOPBACK_HOSTS.has(new URL(url).hostname);

const url = (pattern: RegExp, message: string) =>
  z
    .string()
    .regex(pattern, message)
    .refine((value) => URL.canParse(value), { message: "is not a valid URL", abort: true });
const secret = (minimum: number) => z.string().min(minimum, `must be at least ${minimum} characters`);

const variables = {
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  VERCEL: z.string().optional(),
  DATABASE_URL: url(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection string").optional(),
  DATABASE_URL_UNPOOLED: url(
    /^postgres(ql)?:\/\//,
    "must be a postgres:// or postgresql:// connection string",
  ).optional(),
  DATABASE_DRIVER: z.enum(["pg", "neon"]).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_WS_PROXY: url(/^wss?:\/\//, "must be a ws:// or wss:// URL")
    .refine(
      (value) => value.startsWith("wss://") || isLoopback(value),
      "must use wss:// unless the proxy is on this machine (127.0.0.1, localhost, ::1)",
    )
    .optional(),
  PGLITE_DATA_DIR: z.string().default(`${LOCAL_DATA_DIR}/pglite`),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  AUTH_SECRET: z.string().optional(),
  CURSOR_SECRET: z.string().optional(),
  // Keys fetched over plain HTTP could be swapped by anyone on the path, and with them every identity.
  AUTH_JWKS_URL: url(/^https?:\/\//, "must be an https:// URL (http:// only for localhost)")
    .refine(
      (value) => value.startsWith("https://") || isLoopback(value),
      "must be an https:// URL (http:// only for localhost)",
    )
    .optional(),
  AUTH_ISSUER: z.string().optional(),
  AUTH_AUDIENCE: z.string().optional(),
  NEXTAUTH_URL: url(/^https?:\/\//, "must be an http:// or https:// URL").optional(),
  AUTH_CREDENTIALS_PASSWORD: secret(12).optional(),
  BENCH_FLOOR_ROUTE: z.enum(["0", "1"]).default("0"),
};
type Variables = z.infer<z.ZodObject<typeof variables>>;
/** Every variable the app reads. */
export const CONFIGURATION_VARIABLES = Object.keys(variables) as (keyof Variables)[];

const generateHint = "(generate one with `openssl rand -base64 32`)";

/** The rules between variables: each returns the variable at fault and why, or nothing. */
const crossFieldRules: ((vars: Variables) => [keyof Variables, string] | undefined)[] = [
  (v) =>
    v.VERCEL && !v.DATABASE_URL
      ? [
          "DATABASE_URL",
          "is required on Vercel, whose file system does not outlive a function instance (the embedded database would lose every write)",
        ]
      : undefined,
  (v) =>
    v.DATABASE_DRIVER && !v.DATABASE_URL
      ? ["DATABASE_URL", `is required when DATABASE_DRIVER=${v.DATABASE_DRIVER}`]
      : undefined,
  (v) =>
    v.DATABASE_URL_UNPOOLED && !v.DATABASE_URL
      ? ["DATABASE_URL_UNPOOLED", "is only used beside DATABASE_URL (for migrations); set DATABASE_URL too"]
      : undefined,
  (v) =>
    v.DATABASE_WS_PROXY && v.DATABASE_DRIVER !== "neon"
      ? ["DATABASE_WS_PROXY", "is only used by the Neon driver; set DATABASE_DRIVER=neon as well"]
      : undefined,
  (v) => {
    if (v.NODE_ENV !== "production") return undefined;
    if (v.AUTH_SECRET === undefined && v.AUTH_JWKS_URL === undefined) {
      return [
        "AUTH_SECRET",
        `must be set to at least ${AUTH_SECRET_MIN_LENGTH} characters in production unless AUTH_JWKS_URL is set ${generateHint}`,
      ];
    }
    if (v.AUTH_SECRET !== undefined && v.AUTH_SECRET.length < AUTH_SECRET_MIN_LENGTH) {
      return [
        "AUTH_SECRET",
        `must be set to at least ${AUTH_SECRET_MIN_LENGTH} characters in production ${generateHint}, or left unset to accept only AUTH_JWKS_URL's tokens`,
      ];
    }
    return undefined;
  },
  (v) => {
    if (v.NODE_ENV !== "production") return undefined;
    if (v.CURSOR_SECRET !== undefined && v.CURSOR_SECRET.length < AUTH_SECRET_MIN_LENGTH) {
      return ["CURSOR_SECRET", `must be at least ${AUTH_SECRET_MIN_LENGTH} characters in production`];
    }
    if (v.CURSOR_SECRET === undefined && v.AUTH_SECRET === undefined && v.AUTH_JWKS_URL) {
      return [
        "CURSOR_SECRET",
        `must be set to at least ${AUTH_SECRET_MIN_LENGTH} characters in production when AUTH_SECRET is not: list cursors are signed with it ${generateHint}`,
      ];
    }
    return undefined;
  },
];

export type DatabaseConfig =
  | { driver: "pglite"; dataDir: string }
  | { driver: "pg"; url: string; migrationUrl: string; poolMax: number }
  | { driver: "neon"; url: string; migrationUrl: string; poolMax: number; wsProxy?: string };

export interface NextAuthConfig {
  /** Cookies marked Secure (and `__Secure-` prefixed names): NEXTAUTH_URL is https, or on Vercel. */
  secureCookies: boolean;
  /**
   * The credentials sign-in (a user id and a password, no internet needed): null when off. On outside production; in
   * production only with AUTH_CREDENTIALS_PASSWORD. A null password means any password (development only).
   */
  credentials: { password: string | null } | null;
}

export interface AuthConfig {
  /** HS256 key for bearer tokens and next-auth sessions; undefined only in production without AUTH_SECRET. */
  secret?: string;
  /** Where the asymmetric (EdDSA, ES256, RS256) issuer publishes its public keys. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** next-auth sessions are signed with `secret`, so they exist only when there is one. */
  nextAuth: NextAuthConfig | null;
}

export interface Env {
  production: boolean;
  database: DatabaseConfig;
  auth: AuthConfig;
  /** The key list cursors are signed with: CURSOR_SECRET, else AUTH_SECRET. */
  cursorSecret: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Serve /api/bench/floor, the benchmark's do-nothing route (off unless BENCH_FLOOR_ROUTE=1). */
  benchFloorRoute: boolean;
}

/** Bad configuration: the message names every variable at fault, one per line. */
export class ConfigurationError extends Error {
  readonly code = "configuration_error";
}

const fail = (problems: string[]): never => {
  throw new ConfigurationError(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
};

function toEnv(v: Variables): Env {
  const production = v.NODE_ENV === "production";
  const server = {
    url: v.DATABASE_URL!,
    migrationUrl: v.DATABASE_URL_UNPOOLED ?? v.DATABASE_URL!,
    poolMax: v.DATABASE_POOL_MAX,
  };
  const database: DatabaseConfig = !v.DATABASE_URL
    ? {
        driver: "pglite",
        dataDir: v.PGLITE_DATA_DIR.includes("://") ? v.PGLITE_DATA_DIR : path.resolve(v.PGLITE_DATA_DIR),
      }
    : v.DATABASE_DRIVER === "neon"
      ? { driver: "neon", ...server, ...(v.DATABASE_WS_PROXY ? { wsProxy: v.DATABASE_WS_PROXY } : {}) }
      : { driver: "pg", ...server };
  const credentialsOn = !production || v.AUTH_CREDENTIALS_PASSWORD !== undefined;
  return {
    production,
    database,
    auth: {
      secret: v.AUTH_SECRET,
      jwksUrl: v.AUTH_JWKS_URL,
      issuer: v.AUTH_ISSUER,
      audience: v.AUTH_AUDIENCE,
      nextAuth: v.AUTH_SECRET
        ? {
            secureCookies: v.NEXTAUTH_URL ? v.NEXTAUTH_URL.startsWith("https://") : Boolean(v.VERCEL),
            credentials: credentialsOn ? { password: v.AUTH_CREDENTIALS_PASSWORD ?? null } : null,
          }
        : null,
    },
    // Only a parseEnv outside production without AUTH_SECRET gets here without either (getEnv always has one there):
    // cursors then last as long as the process.
    cursorSecret: v.CURSOR_SECRET ?? v.AUTH_SECRET ?? randomBytes(32).toString("base64url"),
    logLevel: v.LOG_LEVEL,
    benchFloorRoute: v.BENCH_FLOOR_ROUTE === "1",
  };
}

/**
 * Validates a set of variables (an empty string counts as unset) and derives the configuration the code reads.
 * Throws ConfigurationError naming every variable at fault.
 */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const vars = createEnv({
    server: variables,
    runtimeEnv: source,
    isServer: true,
    emptyStringAsUndefined: true,
    onValidationError: (issues) =>
      fail(
        issues.map(
          (issue) =>
            `${issue.path?.map((key) => (typeof key === "object" ? key.key : key)).join(".")}: ${issue.message}`,
        ),
      ),
  }) as Variables;
  const problems = crossFieldRules.flatMap((rule) => {
    const broken = rule(vars);
    return broken ? [`${broken[0]}: ${broken[1]}`] : [];
  });
  if (problems.length > 0) fail(problems);
  return toEnv(vars);
}

let cachedEnv: Env | undefined;

/**
 * The process configuration, parsed and validated on first use (never at import, so `next build` needs no secrets).
 * Outside production, a missing AUTH_SECRET is this checkout's development secret (see developmentAuthSecret).
 */
export function getEnv(): Env {
  if (!cachedEnv) {
    const source = { ...process.env };
    if (source.NODE_ENV !== "production" && !source.AUTH_SECRET) source.AUTH_SECRET = developmentAuthSecret();
    cachedEnv = parseEnv(source);
  }
  return cachedEnv;
}
