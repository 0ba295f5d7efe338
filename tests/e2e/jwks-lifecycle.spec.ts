import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { JWKS_MIN_FETCH_INTERVAL_MS, JWKS_TIMEOUT_MS } from "../../lib/auth/jwks";
import { signSessionToken } from "../../lib/auth/tokens";
import { expect, expectError, tasksUrl, test } from "./fixtures";
import { LIFECYCLE_API_PORT, LIFECYCLE_JWKS_PORT, loopback } from "./ports";
import {
  claimsFor,
  generateIssuerKey,
  signWith,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type IssuerKey,
} from "./support/issuer-keys";
import { JwksServer } from "./support/jwks-server";
import { startNextServer, type NextServer } from "./next-server";

// An API of its own, whose JWKS this test hangs, serves, rotates and takes down, in that order, counting every fetch.
// The waits are the API's real fetch interval: the steps only make sense one after the other.
test.describe.configure({ mode: "serial" });

const api = loopback(LIFECYCLE_API_PORT);
const keyA = generateIssuerKey("EdDSA", "key-a");
const keyB = generateIssuerKey("ES256", "key-b");
const jwks = new JwksServer(LIFECYCLE_JWKS_PORT);
let server: NextServer;

const userId = `lifecycle-${Date.now()}`;
const tokenFrom = (key: IssuerKey) => signWith(key, claimsFor(userId));
const get = (request: APIRequestContext, token: string) =>
  request.get(`${api}${tasksUrl(userId)}`, { headers: { authorization: `Bearer ${token}` } });
/** Waits until the API may fetch again: JWKS_MIN_FETCH_INTERVAL_MS after its last fetch. */
const nextFetchWindow = async (since: number) => {
  const wait = since + JWKS_MIN_FETCH_INTERVAL_MS + 250 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
};
let lastFetchAt = 0;

test.beforeAll(async () => {
  test.setTimeout(60_000);
  await jwks.start();
  const database: Record<string, string> = process.env.TEST_DATABASE_URL
    ? { DATABASE_URL: process.env.TEST_DATABASE_URL }
    : { PGLITE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "todo-e2e-lifecycle-")) };
  server = startNextServer(LIFECYCLE_API_PORT, {
    AUTH_SECRET: process.env.AUTH_SECRET!,
    AUTH_JWKS_URL: jwks.url,
    // The same issuer and audience as the main API's, which the tests' tokens carry; only the JWKS differs.
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    ...database,
  });
  expect(await server.answering("/api/nothing"), server.output()).toBeDefined();
});

test.afterAll(async () => {
  await server?.stop();
  await jwks.stop();
});

test("a JWKS that hangs: 503 service_unavailable once the fetch times out, well inside 5 s", async ({ request }) => {
  jwks.mode = "hang";
  const started = Date.now();
  lastFetchAt = started;
  const response = await get(request, await tokenFrom(keyA));
  const elapsed = Date.now() - started;
  await expectError(response, 503, "service_unavailable");
  expect(response.headers()["retry-after"]).toBe("5");
  expect(elapsed).toBeGreaterThanOrEqual(JWKS_TIMEOUT_MS - 100);
  expect(elapsed).toBeLessThan(5_000);
  expect(jwks.fetches).toBe(1);
});

test("while the issuer is out: 503 at once, without another fetch; HS256 tokens are unaffected", async ({ request }) => {
  const started = Date.now();
  await expectError(await get(request, await tokenFrom(keyA)), 503, "service_unavailable");
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(jwks.fetches).toBe(1);
  expect((await get(request, await signSessionToken({ id: userId }))).status()).toBe(200);
});

test("once the JWKS answers again, the next fetch window brings its keys: 200", async ({ request }) => {
  jwks.mode = "serve";
  jwks.keys = [keyA.publicJwk];
  await nextFetchWindow(lastFetchAt);
  lastFetchAt = Date.now();
  expect((await get(request, await tokenFrom(keyA))).status()).toBe(200);
  expect(jwks.fetches).toBe(2);
});

test("a rotated-in key: 401 until the next fetch window (no fetch per unknown kid), then 200", async ({ request }) => {
  jwks.keys = [keyA.publicJwk, keyB.publicJwk];
  const rotated = await tokenFrom(keyB);
  await expectError(await get(request, rotated), 401, "unauthenticated");
  expect(jwks.fetches).toBe(2);
  await nextFetchWindow(lastFetchAt);
  lastFetchAt = Date.now();
  expect((await get(request, rotated)).status()).toBe(200);
  expect(jwks.fetches).toBe(3);
  expect((await get(request, await tokenFrom(keyA))).status()).toBe(200);
});

test("a flood of unknown kids: all 401, for exactly one more fetch", async ({ request }) => {
  await nextFetchWindow(lastFetchAt);
  const strangers = Array.from({ length: 25 }, (_, i) => generateIssuerKey("EdDSA", `unknown-${i}`));
  const responses = await Promise.all(strangers.map(async (key) => get(request, await tokenFrom(key))));
  lastFetchAt = Date.now();
  for (const response of responses) await expectError(response, 401, "unauthenticated");
  expect(jwks.fetches).toBe(4);
});

test("the issuer goes down: cached keys keep working; a key it cannot be asked about is a 503", async ({ request }) => {
  await jwks.stop();
  expect((await get(request, await tokenFrom(keyA))).status()).toBe(200);
  expect((await get(request, await tokenFrom(keyB))).status()).toBe(200);
  await nextFetchWindow(lastFetchAt);
  const unknown = generateIssuerKey("EdDSA", "key-c");
  await expectError(await get(request, await tokenFrom(unknown)), 503, "service_unavailable");
  expect((await get(request, await tokenFrom(keyA))).status()).toBe(200);
});
