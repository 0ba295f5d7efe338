import type { APIRequestContext } from "@playwright/test";
import { JWKS_MIN_FETCH_INTERVAL_MS, JWKS_TIMEOUT_MS } from "../../lib/auth/jwks";
import { signSessionToken } from "../../lib/auth/tokens";
import { newTestDirectory } from "../support/test-run";
import { expect, expectError, tasksUrl, test } from "./fixtures";
import {
  claimsFor,
  generateIssuerKey,
  signWith,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type IssuerKey,
} from "./support/issuer-keys";
import { JwksServer } from "./support/jwks-server";
import { SERVER_START_BUDGET_MS, startNextServer, type NextServer } from "./next-server";

// An API of its own, whose JWKS this test hangs, serves, rotates and takes down, in that order, counting every fetch.
// The waits are the API's real fetch interval: the steps only make sense one after the other.
test.describe.configure({ mode: "serial" });

const keyA = generateIssuerKey("EdDSA", "key-a");
const keyB = generateIssuerKey("ES256", "key-b");
const jwks = new JwksServer();
let server: NextServer;

const userId = `lifecycle-${Date.now()}`;
const tokenFrom = (key: IssuerKey) => signWith(key, claimsFor(userId));
const get = (request: APIRequestContext, token: string) =>
  request.get(`${server.url}${tasksUrl(userId)}`, { headers: { authorization: `Bearer ${token}` } });
/** Waits until the API may fetch again: JWKS_MIN_FETCH_INTERVAL_MS after its last fetch. */
const nextFetchWindow = async (since: number) => {
  const wait = since + JWKS_MIN_FETCH_INTERVAL_MS + 250 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
};
let lastFetchAt = 0;

// The server's cold start (its build loaded, its database opened, the task route loaded) is paid here, on a budget of
// its own: the tests time the API's JWKS fetches, and none of them may pay for it.
test.beforeAll(async () => {
  test.setTimeout(SERVER_START_BUDGET_MS + 30_000);
  await jwks.start();
  const database: Record<string, string> = process.env.TEST_DATABASE_URL
    ? { DATABASE_URL: process.env.TEST_DATABASE_URL }
    : { PGLITE_DATA_DIR: newTestDirectory("pglite-lifecycle") };
  server = await startNextServer({
    AUTH_SECRET: process.env.AUTH_SECRET!,
    AUTH_JWKS_URL: jwks.url,
    // The same issuer and audience as the main API's, which the tests' tokens carry; only the JWKS differs.
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    ...database,
  });
  await server.ready();
  // An HS256 token is verified without the JWKS, so this loads the task route without a fetch the tests would count.
  const warmUp = await fetch(`${server.url}${tasksUrl(userId)}`, {
    headers: { authorization: `Bearer ${await signSessionToken({ id: userId })}` },
  });
  expect(warmUp.status, server.output()).toBe(200);
  expect(jwks.fetches).toBe(0);
});

test.afterAll(async () => {
  await server?.stop();
  await jwks.stop();
});

test(
  "a JWKS that hangs: 503 service_unavailable once the fetch times out, well inside 5 s",
  { tag: "@fault" },
  async ({ request }) => {
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
  },
);

test(
  "while the issuer is out: 503 at once, without another fetch; HS256 tokens are unaffected",
  { tag: "@fault" },
  async ({ request }) => {
    const started = Date.now();
    await expectError(await get(request, await tokenFrom(keyA)), 503, "service_unavailable");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(jwks.fetches).toBe(1);
    expect((await get(request, await signSessionToken({ id: userId }))).status()).toBe(200);
  },
);

test(
  "once the JWKS answers again, the next fetch window brings its keys: 200",
  { tag: "@fault" },
  async ({ request }) => {
    jwks.mode = "serve";
    jwks.keys = [keyA.publicJwk];
    await nextFetchWindow(lastFetchAt);
    lastFetchAt = Date.now();
    expect((await get(request, await tokenFrom(keyA))).status()).toBe(200);
    expect(jwks.fetches).toBe(2);
  },
);

test(
  "a rotated-in key: 401 until the next fetch window (no fetch per unknown kid), then 200",
  { tag: "@fault" },
  async ({ request }) => {
    jwks.keys = [keyA.publicJwk, keyB.publicJwk];
    const rotated = await tokenFrom(keyB);
    await expectError(await get(request, rotated), 401, "unauthenticated");
    expect(jwks.fetches).toBe(2);
    await nextFetchWindow(lastFetchAt);
    lastFetchAt = Date.now();
    expect((await get(request, rotated)).status()).toBe(200);
    expect(jwks.fetches).toBe(3);
    expect((await get(request, await tokenFrom(keyA))).status()).toBe(200);
  },
);

test("a flood of unknown kids: all 401, for exactly one more fetch", { tag: "@fault" }, async ({ request }) => {
  await nextFetchWindow(lastFetchAt);
  const strangers = Array.from({ length: 25 }, (_, i) => generateIssuerKey("EdDSA", `unknown-${i}`));
  const responses = await Promise.all(strangers.map(async (key) => get(request, await tokenFrom(key))));
  lastFetchAt = Date.now();
  for (const response of responses) await expectError(response, 401, "unauthenticated");
  expect(jwks.fetches).toBe(4);
});

test(
  "the issuer goes down: cached keys keep working; a key it cannot be asked about is a 503",
  { tag: "@fault" },
  async ({ request }) => {
    await jwks.stop();
    expect((await get(request, await tokenFrom(keyA))).status()).toBe(200);
    expect((await get(request, await tokenFrom(keyB))).status()).toBe(200);
    await nextFetchWindow(lastFetchAt);
    const unknown = generateIssuerKey("EdDSA", "key-c");
    await expectError(await get(request, await tokenFrom(unknown)), 503, "service_unavailable");
    expect((await get(request, await tokenFrom(keyA))).status()).toBe(200);
  },
);
