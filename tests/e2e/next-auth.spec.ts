import { randomUUID } from "node:crypto";
import { request as playwrightRequest, type APIRequestContext, type APIResponse } from "@playwright/test";
import { decodeProtectedHeader } from "jose";
import { expect, expectError, newActor, tasksUrl, test } from "./fixtures";
import { API_PORT, loopback } from "./ports";

// next-auth at /api/auth/* on the API at API_PORT, with its credentials sign-in enabled by AUTH_CREDENTIALS_PASSWORD
// (the server runs in production mode). A browser signed in there is a session user for the API through its cookie.

const SESSION_COOKIE = "next-auth.session-token";
const origin = loopback(API_PORT);

interface Browser {
  userId: string;
  /** Keeps next-auth's cookies between requests, as a browser does. */
  context: APIRequestContext;
  signIn: APIResponse;
}

async function signIn(userId: string, password = process.env.AUTH_CREDENTIALS_PASSWORD!): Promise<Browser> {
  const context = await playwrightRequest.newContext({ baseURL: origin });
  const { csrfToken } = await (await context.get("/api/auth/csrf")).json();
  const signIn = await context.post("/api/auth/callback/credentials", {
    form: { csrfToken, userId, password, json: "true" },
  });
  return { userId, context, signIn };
}

async function sessionCookieOf(context: APIRequestContext): Promise<string | undefined> {
  return (await context.storageState()).cookies.find((cookie) => cookie.name === SESSION_COOKIE)?.value;
}

const newUserId = (label: string) => `${label}-${randomUUID()}`;

test.describe("signing in through next-auth", () => {
  test("sets an HttpOnly, SameSite=Lax session cookie that holds an HS256 JWS", async () => {
    const browser = await signIn(newUserId("ann"));
    expect(browser.signIn.status()).toBe(200);
    const setCookie = browser.signIn
      .headersArray()
      .find((h) => h.name.toLowerCase() === "set-cookie" && h.value.startsWith(SESSION_COOKIE));
    expect(setCookie?.value).toMatch(/; HttpOnly/);
    expect(setCookie?.value).toMatch(/; SameSite=Lax/);
    expect(setCookie?.value).toMatch(/; Path=\//);
    const token = await sessionCookieOf(browser.context);
    expect(decodeProtectedHeader(token!)).toEqual({ alg: "HS256", typ: "JWT" });
    await browser.context.dispose();
  });

  test("makes the browser a session user of the API, by its cookie alone", async () => {
    const { userId, context } = await signIn(newUserId("ann"));
    const created = await context.post(tasksUrl(userId), { data: { title: "from the browser" } });
    expect(created.status()).toBe(201);
    const task = await created.json();
    expect(task.user_id).toBe(userId);
    expect(await (await context.get(tasksUrl(userId))).json()).toEqual([task]);
    const updated = await context.put(`${tasksUrl(userId)}/${task.id}`, { data: { title: "renamed" } });
    expect((await updated.json()).title).toBe("renamed");
    expect((await context.delete(`${tasksUrl(userId)}/${task.id}`)).status()).toBe(204);
    await context.dispose();
  });

  test("/api/auth/session tells the browser its user id", async () => {
    const { userId, context } = await signIn(newUserId("ann"));
    const session = await (await context.get("/api/auth/session")).json();
    expect(session.user).toEqual({ id: userId });
    await context.dispose();
  });

  test("with a wrong password signs nobody in", async () => {
    const { userId, context } = await signIn(newUserId("ann"), "not the password");
    expect(await sessionCookieOf(context)).toBeUndefined();
    await expectError(await context.get(tasksUrl(userId)), 401, "unauthenticated");
    await context.dispose();
  });

  test("without next-auth's CSRF token signs nobody in (no login CSRF)", async () => {
    const context = await playwrightRequest.newContext({ baseURL: origin });
    const userId = newUserId("ann");
    await context.post("/api/auth/callback/credentials", {
      form: { userId, password: process.env.AUTH_CREDENTIALS_PASSWORD!, json: "true" },
      headers: { origin: "https://evil.example" },
    });
    expect(await sessionCookieOf(context)).toBeUndefined();
    await context.dispose();
  });

  test("signing out removes the session cookie", async () => {
    const { userId, context } = await signIn(newUserId("ann"));
    const { csrfToken } = await (await context.get("/api/auth/csrf")).json();
    const signOut = await context.post("/api/auth/signout", { form: { csrfToken, json: "true" } });
    expect(signOut.status()).toBe(200);
    expect(await sessionCookieOf(context)).toBeUndefined();
    await expectError(await context.get(tasksUrl(userId)), 401, "unauthenticated");
    await context.dispose();
  });

  test("a session cookie for another user is a 403 on this user's path", async ({ request }) => {
    const alice = await newActor("alice");
    const bob = await signIn(newUserId("bob"));
    await expectError(await bob.context.get(tasksUrl(alice.id)), 403, "forbidden");
    await expectError(await bob.context.post(tasksUrl(alice.id), { data: { title: "x" } }), 403, "forbidden");
    expect(await (await request.get(tasksUrl(alice.id), { headers: alice.auth })).json()).toEqual([]);
    await bob.context.dispose();
  });

  test("a tampered or truncated session cookie is a 401", async ({ request }) => {
    const { userId, context } = await signIn(newUserId("ann"));
    const token = (await sessionCookieOf(context))!;
    await context.dispose();
    const [header, , signature] = token.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: userId, exp: 9999999999 })).toString("base64url")}.${signature}`;
    for (const value of [forged, token.slice(0, -5), `${header}.${token.split(".")[1]}.`]) {
      await expectError(
        await request.get(tasksUrl(userId), { headers: { cookie: `${SESSION_COOKIE}=${value}` } }),
        401,
        "unauthenticated",
      );
    }
  });
});

test.describe("the /api catch-all leaves /api/auth to next-auth", () => {
  test("next-auth answers its own endpoints", async ({ request }) => {
    const providers = await request.get("/api/auth/providers");
    expect(providers.status()).toBe(200);
    expect(await providers.json()).toMatchObject({ credentials: { id: "credentials", type: "credentials" } });
    const signInPage = await request.get("/api/auth/signin");
    expect(signInPage.status()).toBe(200);
    expect(signInPage.headers()["content-type"]).toContain("text/html");
  });

  test("an unknown /api/auth path and an unknown /api path are both the contract's JSON 404", async ({ request }) => {
    await expectError(await request.get("/api/auth/no-such-action"), 404, "not_found");
    await expectError(await request.get("/api/no-such-route"), 404, "not_found");
    await expectError(await request.delete("/api/auth/session"), 405, "method_not_allowed");
  });
});

test.describe("no CSRF through the session cookie", () => {
  // What a browser sends for a form on another site that posts here, if it sent the cookie at all (SameSite=Lax
  // means it does not): the tests send it anyway, to show the API's own defence.
  const crossSite = { origin: "https://evil.example", "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" };

  test("a cross-site form POST creates nothing: urlencoded, multipart and text/plain bodies are a 415", async ({
    request,
  }) => {
    const { userId, context } = await signIn(newUserId("victim"));
    const cookie = `${SESSION_COOKIE}=${await sessionCookieOf(context)}`;
    const headers = { ...crossSite, cookie };
    const url = tasksUrl(userId);
    await expectError(await request.post(url, { headers, form: { title: "pwned" } }), 415, "unsupported_media_type");
    await expectError(
      await request.post(url, { headers, multipart: { title: "pwned" } }),
      415,
      "unsupported_media_type",
    );
    // <form enctype="text/plain"> with <input name='{"title":"pwned","x":"' value='"}'>: a body that is JSON.
    const textPlain = { ...headers, "content-type": "text/plain" };
    await expectError(
      await request.post(url, { headers: textPlain, data: '{"title":"pwned","x":"="}' }),
      415,
      "unsupported_media_type",
    );
    // A form without fields.
    await expectError(
      await request.post(url, { headers: { ...headers, "content-type": "application/x-www-form-urlencoded" } }),
      400,
      "invalid_json",
    );
    expect(await (await context.get(url)).json()).toEqual([]);
    await context.dispose();
  });

  test("a cross-site form POST changes nothing: forms cannot PUT, PATCH or DELETE, and POST there is a 405", async ({
    request,
  }) => {
    const { userId, context } = await signIn(newUserId("victim"));
    const task = await (await context.post(tasksUrl(userId), { data: { title: "keep me" } })).json();
    const headers = { ...crossSite, cookie: `${SESSION_COOKIE}=${await sessionCookieOf(context)}` };
    const taskUrl = `${tasksUrl(userId)}/${task.id}`;
    await expectError(
      await request.post(taskUrl, { headers, form: { title: "pwned", _method: "PUT" } }),
      405,
      "method_not_allowed",
    );
    await expectError(
      await request.post(`${taskUrl}/complete`, { headers, form: { completed: "true" } }),
      405,
      "method_not_allowed",
    );
    expect(await (await context.get(taskUrl)).json()).toEqual(task);
    await context.dispose();
  });

  test("a cross-origin fetch with a JSON body gets no CORS permission from the preflight", async ({ request }) => {
    const preflight = await request.fetch(tasksUrl("victim"), {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.ok()).toBe(false);
    expect(preflight.headers()["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.headers()["access-control-allow-credentials"]).toBeUndefined();
  });

  test("bearer requests keep working without any cookie", async ({ request }) => {
    const actor = await newActor("bearer");
    const created = await request.post(tasksUrl(actor.id), {
      headers: actor.auth,
      data: { title: "no cookie needed" },
    });
    expect(created.status()).toBe(201);
  });

  test("a request with a bearer token is judged by it alone, whatever cookie it carries", async ({ request }) => {
    const alice = await signIn(newUserId("alice"));
    const bob = await newActor("bob");
    const headers = { ...bob.auth, cookie: `${SESSION_COOKIE}=${await sessionCookieOf(alice.context)}` };
    await expectError(await request.get(tasksUrl(alice.userId), { headers }), 403, "forbidden");
    await alice.context.dispose();
  });
});
