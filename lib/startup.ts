import { openDatabaseEarly } from "../db/client";
import { guardHttpServers } from "./http/server-guard";
import { getEnv } from "./env";

// Branch on `code`: production builds minify class names.
const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

function stopWith(message: string): never {
  console.error(message);
  process.exit(1);
}

/** Validates the configuration when a server starts: bad configuration stops it here, before any request. */
export function checkConfigurationAtStartup(): void {
  try {
    const env = getEnv();
    if (env.production && env.database.driver === "pglite") {
      console.warn(
        `WARNING: DATABASE_URL is not set, so tasks are stored in the embedded PGlite database at ` +
          `${env.database.dataDir}. Data lives only on this machine's disk; set DATABASE_URL for a real PostgreSQL.`,
      );
    }
    if (env.production && env.auth.nextAuth?.credentials) {
      console.warn(
        "WARNING: AUTH_CREDENTIALS_PASSWORD is set, so next-auth's credentials sign-in is on: anyone who knows that " +
          "password can sign in as any user id. Meant for demos and tests, not for real users.",
      );
    }
    if (env.production && env.auth.jwksUrl && !env.auth.audience) {
      console.warn(
        "WARNING: AUTH_JWKS_URL is set without AUTH_AUDIENCE, so every token its issuer signs is accepted, " +
          "including tokens it issued for other applications.",
      );
    }
  } catch (error) {
    if (error instanceof Error && codeOf(error) === "configuration_error") stopWith(error.message);
    throw error;
  }
}

export { guardHttpServers };

/**
 * Opens the database while the server starts rather than on its first request (the embedded database's first start
 * runs initdb; a dev server compiles the first route meanwhile). Not awaited: routes that need no database answer at
 * once, and those that do wait for this same opening. An embedded database held by another process stops the server:
 * serving on would only answer 503s. Any other failure (a database that is down) is left to the requests, which retry.
 */
export function openDatabaseAtStartup(): void {
  openDatabaseEarly().catch((error: unknown) => {
    if (error instanceof Error && codeOf(error) === "data_directory_in_use") stopWith(error.message);
  });
}
