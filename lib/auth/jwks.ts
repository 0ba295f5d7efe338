import { createLocalJWKSet, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from "jose";
import { IdentityProviderUnavailableError } from "./errors";

// The public keys of the JWKS issuer (AUTH_JWKS_URL), fetched on demand and kept in memory.

/** Well inside the contract's 5 s: a hanging issuer becomes a 503, never a hung request. */
export const JWKS_TIMEOUT_MS = 3_000;
/**
 * At most one fetch per interval, whatever arrives: a flood of unknown `kid`s (or an issuer that is down) cannot make
 * this server hammer the issuer, and a key rotated in is picked up within this interval.
 */
export const JWKS_MIN_FETCH_INTERVAL_MS = 5_000;
/** Keys older than this are refreshed on the next request; if that refresh fails, the old keys keep serving. */
export const JWKS_MAX_AGE_MS = 10 * 60_000;

export type FetchKeys = (url: string, init: RequestInit) => Promise<Response>;
type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

export class RemoteKeySet {
  #keys: LocalKeySet | undefined;
  #fetchedAt = -Infinity;
  #attemptedAt = -Infinity;
  #lastAttemptFailed = false;
  #pending: Promise<void> | undefined;

  constructor(
    readonly url: string,
    private readonly fetchKeys: FetchKeys = fetch,
  ) {}

  /** The key for a token's header (`kid`, `alg`), as `jwtVerify` asks for it. */
  async keyFor(header: JWSHeaderParameters, token: FlattenedJWSInput) {
    if (!this.#keys || Date.now() - this.#fetchedAt >= JWKS_MAX_AGE_MS) await this.#refresh();
    const keys = this.#keys;
    if (!keys) throw this.#unavailable();
    try {
      return await keys(header, token);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ERR_JWKS_NO_MATCHING_KEY") throw error;
      // Perhaps a key rotated in since the last fetch.
      await this.#refresh();
      if (this.#lastAttemptFailed) throw this.#unavailable();
      return await this.#keys!(header, token);
    }
  }

  #unavailable(): IdentityProviderUnavailableError {
    return new IdentityProviderUnavailableError(`the JWKS at ${this.url} cannot be fetched`);
  }

  #refresh(): Promise<void> {
    if (this.#pending) return this.#pending;
    if (Date.now() - this.#attemptedAt < JWKS_MIN_FETCH_INTERVAL_MS) return Promise.resolve();
    this.#attemptedAt = Date.now();
    const pending = this.#fetch().then(
      (keys) => {
        this.#keys = keys;
        this.#fetchedAt = Date.now();
        this.#lastAttemptFailed = false;
      },
      (error: unknown) => {
        this.#lastAttemptFailed = true;
        logFetchFailure(this.url, error);
      },
    );
    this.#pending = pending.finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<LocalKeySet> {
    // The timeout covers the body too; redirects are not followed, so the keys come from this URL only.
    const response = await this.fetchKeys(this.url, {
      signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
      redirect: "manual",
      headers: { accept: "application/jwk-set+json, application/json" },
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    return createLocalJWKSet((await response.json()) as JSONWebKeySet);
  }
}

function logFetchFailure(url: string, error: unknown): void {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const reason = [error, cause].filter(Boolean).map((e) => (e instanceof Error ? e.message : String(e)));
  console.error(JSON.stringify({ level: "error", message: "JWKS fetch failed", url, error: reason.join(": ") }));
}

// One key set per process (and per URL), like the database handle: every route shares its cache and its fetch budget.
const cache = globalThis as typeof globalThis & { __todoRemoteKeySets?: Map<string, RemoteKeySet> };

export function remoteKeySet(url: string): RemoteKeySet {
  cache.__todoRemoteKeySets ??= new Map();
  let keySet = cache.__todoRemoteKeySets.get(url);
  if (!keySet) {
    keySet = new RemoteKeySet(url);
    cache.__todoRemoteKeySets.set(url, keySet);
  }
  return keySet;
}
