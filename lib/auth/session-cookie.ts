import type { NextAuthConfig } from "../env";

// The next-auth session cookie, defined once: next-auth writes it with these attributes and the session hook reads it.

export interface SessionCookie {
  name: string;
  options: { httpOnly: true; sameSite: "lax"; path: "/"; secure: boolean };
}

/**
 * HttpOnly, so no script reads it; SameSite=Lax, so a browser does not send it with another site's POST (a form there
 * cannot write here; the API's 415 for non-JSON bodies stops it even where SameSite is not honoured).
 */
export function sessionCookie(config: NextAuthConfig): SessionCookie {
  return {
    name: `${config.secureCookies ? "__Secure-" : ""}next-auth.session-token`,
    options: { httpOnly: true, sameSite: "lax", path: "/", secure: config.secureCookies },
  };
}

const CHUNK_SUFFIX = /^\.(\d{1,2})$/;

/** The cookie's value, or null. next-auth splits a value over 4 KB into `name.0`, `name.1`, …: those are joined. */
export function readSessionCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  let whole: string | null = null;
  const chunks: { index: number; value: string }[] = [];
  for (const pair of header.split(";")) {
    const separator = pair.indexOf("=");
    if (separator < 0) continue;
    const key = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    if (key === name) whole = value;
    else if (key.startsWith(name)) {
      const chunk = CHUNK_SUFFIX.exec(key.slice(name.length));
      if (chunk?.[1]) chunks.push({ index: Number(chunk[1]), value });
    }
  }
  if (whole !== null) return whole || null;
  if (chunks.length === 0) return null;
  return (
    chunks
      .sort((a, b) => a.index - b.index)
      .map((chunk) => chunk.value)
      .join("") || null
  );
}
