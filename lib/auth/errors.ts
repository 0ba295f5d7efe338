// The failures of identity: thrown by this module, turned into responses by lib/http alone. Each class carries a literal
// `code`, so a caught value narrows by `code` (a discriminated union) across minified, duplicated server bundles.

/** Credentials were sent but prove nothing: malformed, badly signed, expired, or for another issuer or audience. */
export class InvalidTokenError extends Error {
  readonly code = "invalid_token";
}

/** The issuer's keys cannot be fetched and none cached fits: the caller may be perfectly valid (a 503, not a 401). */
export class IdentityProviderUnavailableError extends Error {
  readonly code = "identity_provider_unavailable";
}

export type AuthError = InvalidTokenError | IdentityProviderUnavailableError;

const AUTH_ERROR_CODES: ReadonlySet<string> = new Set<AuthError["code"]>([
  "invalid_token",
  "identity_provider_unavailable",
]);

/** Narrows a caught value to one of the identity failures. */
export function isAuthError(error: unknown): error is AuthError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && AUTH_ERROR_CODES.has(code);
}
