import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const AUTH_SECRET_MIN_LENGTH = 32;
/** The git-ignored directory that holds what this checkout generates for itself: the embedded database, the dev secret. */
export const LOCAL_DATA_DIR = ".data";

const CREDENTIALS_PASSWORD_MIN_LENGTH = 12;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

// Keys fetched over plain HTTP could be swapped by anyone on the path, and with them every identity.
function isTrustworthyKeyUrl(value: string): boolean {
  const url = new URL(value);
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

const postgresUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection string")
    .refine((value) => URL.canParse(value), "is not a valid URL")
    .optional(),
);

const rawEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  VERCEL: z.preprocess(emptyAsUndefined, z.string().optional()),
  DATABASE_URL: postgresUrl,
  // The direct (non-pooled) URL, for migrations: the name Neon's Vercel integration gives it.
  DATABASE_URL_UNPOOLED: postgresUrl,
  DATABASE_DRIVER: z.preprocess(emptyAsUndefined, z.enum(["pg", "neon"]).optional()),
  DATABASE_POOL_MAX: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(100).default(10)),
  DATABASE_WS_PROXY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^wss?:\/\//, "must be a ws:// or wss:// URL")
      .refine((value) => URL.canParse(value), "is not a valid URL")
      .refine(
        (value) => value.startsWith("wss://") || LOOPBACK_HOSTS.has(new URL(value).hostname),
        "must use wss:// unless the proxy is on this machine (127.0.0.1, localhost, ::1)",
      )
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(LOG_LEVELS).default("info")),
  PGLITE_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default(`${LOCAL_DATA_DIR}/pglite`)),
  AUTH_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
  BENCH_FLOOR_ROUTE: z.preprocess(emptyAsUndefined, z.enum(["0", "1"]).default("0")),
  CURSOR_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
  AUTH_JWKS_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((value) => URL.canParse(value), { message: "is not a valid URL", abort: true })
      .refine(isTrustworthyKeyUrl, "must be an https:// URL (http:// only for localhost)")
      .optional(),
  ),
  AUTH_ISSUER: z.preprocess(emptyAsUndefined, z.string().optional()),
  AUTH_AUDIENCE: z.preprocess(emptyAsUndefined, z.string().optional()),
  NEXTAUTH_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^https?:\/\//, "must be an http:// or https:// URL")
      .refine((value) => URL.canParse(value), "is not a valid URL")
      .optional(),
  ),
  AUTH_CREDENTIALS_PASSWORD: z.preprocess(
    emptyAsUndefined,
    z.string().min(CREDENTIALS_PASSWORD_MIN_LENGTH, `must be at least ${CREDENTIALS_PASSWORD_MIN_LENGTH} characters`).optional(),
  ),
});

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

export class ConfigurationError extends Error {
  readonly code = "configuration_error";
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
  if (raw.DATABASE_URL_UNPOOLED && !raw.DATABASE_URL) {
    problems.push("  - DATABASE_URL_UNPOOLED: is only used beside DATABASE_URL (for migrations); set DATABASE_URL too");
  }
  if (raw.DATABASE_WS_PROXY && raw.DATABASE_DRIVER !== "neon") {
    problems.push("  - DATABASE_WS_PROXY: is only used by the Neon driver; set DATABASE_DRIVER=neon as well");
  }
  if (production && raw.AUTH_SECRET === undefined && raw.AUTH_JWKS_URL === undefined) {
    problems.push(
      `  - AUTH_SECRET: must be set to at least ${AUTH_SECRET_MIN_LENGTH} characters in production ` +
        "unless AUTH_JWKS_URL is set (generate one with `openssl rand -base64 32`)",
    );
  } else if (production && raw.AUTH_SECRET !== undefined && raw.AUTH_SECRET.length < AUTH_SECRET_MIN_LENGTH) {
    problems.push(
      `  - AUTH_SECRET: must be set to at least ${AUTH_SECRET_MIN_LENGTH} characters in production ` +
        "(generate one with `openssl rand -base64 32`), or left unset to accept only AUTH_JWKS_URL's tokens",
    );
  }
  if (production && raw.CURSOR_SECRET !== undefined && raw.CURSOR_SECRET.length < AUTH_SECRET_MIN_LENGTH) {
    problems.push(`  - CURSOR_SECRET: must be at least ${AUTH_SECRET_MIN_LENGTH} characters in production`);
  } else if (production && raw.CURSOR_SECRET === undefined && raw.AUTH_SECRET === undefined && raw.AUTH_JWKS_URL) {
    problems.push(
      `  - CURSOR_SECRET: must be set to at least ${AUTH_SECRET_MIN_LENGTH} characters in production when ` +
        "AUTH_SECRET is not: list cursors are signed with it (generate one with `openssl rand -base64 32`)",
    );
  }
  if (problems.length > 0) throw new ConfigurationError(`Invalid configuration:\n${problems.join("\n")}`);

  let database: DatabaseConfig;
  if (!raw.DATABASE_URL) {
    database = { driver: "pglite", dataDir: resolveDataDir(raw.PGLITE_DATA_DIR) };
  } else {
    const server = {
      url: raw.DATABASE_URL,
      migrationUrl: raw.DATABASE_URL_UNPOOLED ?? raw.DATABASE_URL,
      poolMax: raw.DATABASE_POOL_MAX,
    };
    database =
      raw.DATABASE_DRIVER === "neon"
        ? { driver: "neon", ...server, ...(raw.DATABASE_WS_PROXY ? { wsProxy: raw.DATABASE_WS_PROXY } : {}) }
        : { driver: "pg", ...server };
  }

  const secret = raw.AUTH_SECRET;
  const credentialsOn = !production || raw.AUTH_CREDENTIALS_PASSWORD !== undefined;
  const auth: AuthConfig = {
    secret,
    jwksUrl: raw.AUTH_JWKS_URL,
    issuer: raw.AUTH_ISSUER,
    audience: raw.AUTH_AUDIENCE,
    nextAuth: secret
      ? {
          secureCookies: raw.NEXTAUTH_URL ? raw.NEXTAUTH_URL.startsWith("https://") : Boolean(raw.VERCEL),
          credentials: credentialsOn ? { password: raw.AUTH_CREDENTIALS_PASSWORD ?? null } : null,
        }
      : null,
  };
  return {
    production,
    database,
    auth,
    // Only a parseEnv outside production without AUTH_SECRET gets here without either (getEnv always has one there):
    // cursors then last as long as the process.
    cursorSecret: raw.CURSOR_SECRET ?? secret ?? randomBytes(32).toString("base64url"),
    logLevel: raw.LOG_LEVEL,
    benchFloorRoute: raw.BENCH_FLOOR_ROUTE === "1",
  };
}

/**
 * This checkout's own development secret: generated at random on first use and kept in `.data/dev-auth-secret`
 * (git-ignored, readable by its owner only), so that the dev server and `npm run token` agree, and nobody else can mint
 * tokens for a developer's server. Never used in production, which requires AUTH_SECRET or AUTH_JWKS_URL.
 */
export function developmentAuthSecret(dataDir = LOCAL_DATA_DIR): string {
  const file = path.resolve(dataDir, "dev-auth-secret");
  const kept = readIfPresent(file);
  if (kept !== undefined && kept.length >= AUTH_SECRET_MIN_LENGTH) return kept;
  mkdirSync(path.dirname(file), { recursive: true });
  // Written whole under another name, then linked into place: a process reading at the same moment never sees half of
  // it, and of two processes generating at once, the first link wins and both use that secret.
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
  try {
    if (kept !== undefined) rmSync(file, { force: true }); // too short to be ours: replace it
    linkSync(draft, file);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "EEXIST") throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  return readFileSync(file, "utf8").trim();
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw error;
  }
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
