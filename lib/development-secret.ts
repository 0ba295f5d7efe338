import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The shortest secret the app accepts for signing (HS256 wants a key as long as its hash, 256 bits). */
export const AUTH_SECRET_MIN_LENGTH = 32;
/** The git-ignored directory that holds what this checkout generates for itself: the embedded database, the dev secret. */
export const LOCAL_DATA_DIR = ".data";

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
