import { randomUUID } from "node:crypto";
import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import { decodeProtectedHeader } from "jose";
import { signSessionToken } from "../../lib/auth/tokens";
import { expect, expectError, tasksUrl, test } from "./fixtures";
import { BETTER_AUTH_API_PORT, BETTER_AUTH_PORT, loopback } from "./ports";

// Interop with a real issuer: Better Auth (tests/e2e/support/better-auth-issuer.ts) signs users in and issues JWTs with
// its JWT plugin; the API at BETTER_AUTH_API_PORT knows nothing but its JWKS URL, issuer and audience.

const betterAuth = loopback(BETTER_AUTH_PORT);
const api = loopback(BETTER_AUTH_API_PORT);
const PASSWORD = "correct horse battery staple";

interface BetterAuthUser {
  id: string;
  email: string;
  /** The JWT that Better Auth's `/api/auth/token` hands a signed-in client. */
  token: string;
}

/** A browser-like client of Better Auth: its own cookie jar, and the Origin Better Auth's CSRF check expects. */
async function client(): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ extraHTTPHeaders: { origin: betterAuth } });
}

async function jwtFor(session: APIRequestContext): Promise<string> {
  const response = await session.get(`${betterAuth}/api/auth/token`);
  expect(response.status()).toBe(200);
  return (await response.json()).token;
}

async function signUp(label: string): Promise<BetterAuthUser> {
  const session = await client();
  const email = `${label}-${randomUUID()}@example.com`;
  const signedUp = await session.post(`${betterAuth}/api/auth/sign-up/email`, {
    data: { email, password: PASSWORD, name: label },
  });
  expect(signedUp.status(), await signedUp.text()).toBe(200);
  const { user } = await signedUp.json();
  const token = await jwtFor(session);
  await session.dispose();
  return { id: user.id, email, token };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test.describe("tokens issued by Better Auth's JWT plugin", () => {
  test("are EdDSA JWS naming a key of Better Auth's JWKS", async ({ request }) => {
    const user = await signUp("ann");
    const header = decodeProtectedHeader(user.token);
    expect(header.alg).toBe("EdDSA");
    const jwks = await (await request.get(`${betterAuth}/api/auth/jwks`)).json();
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toContain(header.kid);
  });

  test("make their user a session user of the API: create, list, complete, delete", async ({ request }) => {
    const user = await signUp("ann");
    const created = await request.post(`${api}${tasksUrl(user.id)}`, {
      headers: bearer(user.token),
      data: { title: "from Better Auth" },
    });
    expect(created.status(), await created.text()).toBe(201);
    const task = await created.json();
    expect(task).toMatchObject({ user_id: user.id, title: "from Better Auth" });

    const listed = await request.get(`${api}${tasksUrl(user.id)}`, { headers: bearer(user.token) });
    expect(await listed.json()).toEqual([task]);
    const completed = await request.patch(`${api}${tasksUrl(user.id)}/${task.id}/complete`, {
      headers: bearer(user.token),
    });
    expect((await completed.json()).completed).toBe(true);
    expect(
      (await request.delete(`${api}${tasksUrl(user.id)}/${task.id}`, { headers: bearer(user.token) })).status(),
    ).toBe(204);
  });

  test("keep working for a user who signs in again", async ({ request }) => {
    const user = await signUp("ben");
    const session = await client();
    const signedIn = await session.post(`${betterAuth}/api/auth/sign-in/email`, {
      data: { email: user.email, password: PASSWORD },
    });
    expect(signedIn.status()).toBe(200);
    const token = await jwtFor(session);
    await session.dispose();
    expect((await request.get(`${api}${tasksUrl(user.id)}`, { headers: bearer(token) })).status()).toBe(200);
  });

  test("of another Better Auth user are a 403 on this user's path", async ({ request }) => {
    const [ann, bob] = await Promise.all([signUp("ann"), signUp("bob")]);
    await request.post(`${api}${tasksUrl(ann.id)}`, { headers: bearer(ann.token), data: { title: "ann's" } });
    await expectError(await request.get(`${api}${tasksUrl(ann.id)}`, { headers: bearer(bob.token) }), 403, "forbidden");
    await expectError(
      await request.post(`${api}${tasksUrl(ann.id)}`, { headers: bearer(bob.token), data: { title: "bob's" } }),
      403,
      "forbidden",
    );
    const titles = (await (await request.get(`${api}${tasksUrl(ann.id)}`, { headers: bearer(ann.token) })).json()).map(
      (task: { title: string }) => task.title,
    );
    expect(titles).toEqual(["ann's"]);
  });

  test("tampered with are a 401", async ({ request }) => {
    const [ann, bob] = await Promise.all([signUp("ann"), signUp("bob")]);
    const [header, , signature] = bob.token.split(".");
    const [, annPayload] = ann.token.split(".");
    const forged = `${header}.${annPayload}.${signature}`;
    await expectError(
      await request.get(`${api}${tasksUrl(ann.id)}`, { headers: bearer(forged) }),
      401,
      "unauthenticated",
    );
  });
});

test.describe("an API that trusts Better Auth alone", () => {
  test("refuses HS256 tokens: it has no AUTH_SECRET", async ({ request }) => {
    const userId = `hs256-${randomUUID()}`;
    const token = await signSessionToken({ id: userId }, { secret: process.env.AUTH_SECRET });
    await expectError(
      await request.get(`${api}${tasksUrl(userId)}`, { headers: bearer(token) }),
      401,
      "unauthenticated",
    );
  });

  test("has no next-auth endpoints: they would need AUTH_SECRET to sign sessions", async ({ request }) => {
    await expectError(await request.get(`${api}/api/auth/session`), 404, "not_found");
    await expectError(await request.get(`${api}/api/auth/providers`), 404, "not_found");
  });
});
