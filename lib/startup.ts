import { getEnv } from "./env";

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
    // Branch on `code`: production builds minify class names.
    if (error instanceof Error && (error as { code?: unknown }).code === "configuration_error") {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
