import { OUTAGE_PORT } from "./ports";
import { expect, expectCommonHeaders, expectError, newActor, tasksUrl, test } from "./fixtures";

test("GET /api/health reports the database", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expectCommonHeaders(response);
  expect(await response.json()).toEqual({ status: "ok", database: "ok" });
});

test.describe("with the database out of reach", () => {
  const outage = `http://127.0.0.1:${OUTAGE_PORT}`;

  test("health answers 503 unavailable with Retry-After", async ({ request }) => {
    const response = await request.get(`${outage}/api/health`);
    expect(response.status()).toBe(503);
    expectCommonHeaders(response);
    expect(response.headers()["retry-after"]).toBe("5");
    expect(await response.json()).toEqual({ status: "unavailable", database: "unreachable" });
  });

  test("every task route answers 503 service_unavailable within 5 s", async ({ request }) => {
    const alice = await newActor("alice");
    const url = `${outage}${tasksUrl(alice.id)}`;
    const calls = [
      () => request.get(url, { headers: alice.auth }),
      () => request.post(url, { headers: alice.auth, data: { title: "t" } }),
      () => request.get(`${url}/1`, { headers: alice.auth }),
      () => request.put(`${url}/1`, { headers: alice.auth, data: { title: "t" } }),
      () => request.delete(`${url}/1`, { headers: alice.auth }),
      () => request.patch(`${url}/1/complete`, { headers: alice.auth }),
    ];
    for (const send of calls) {
      const started = Date.now();
      const response = await send();
      expect(Date.now() - started).toBeLessThan(5_000);
      await expectError(response, 503, "service_unavailable");
      expect(response.headers()["retry-after"]).toBe("5");
    }
  });

  test("still checks authentication first", async ({ request }) => {
    await expectError(await request.get(`${outage}/api/someone/tasks`), 401, "unauthenticated");
  });
});
