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
  } catch (error) {
    // Branch on `code`: production builds minify class names.
    if (error instanceof Error && (error as { code?: unknown }).code === "configuration_error") {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
