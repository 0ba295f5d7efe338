import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as completeRoute from "@/app/api/[userId]/tasks/[taskId]/complete/route";
import * as taskRoute from "@/app/api/[userId]/tasks/[taskId]/route";
import * as tasksRoute from "@/app/api/[userId]/tasks/route";
import { closeDatabase, getDatabase } from "@/db/client";
import { call, newUserId, tokenFor, type CallOptions } from "../support/api";

// Every request makes exactly one database round trip (none when it fails before the service): counted at the driver,
// by wrapping the client's query method that drizzle calls for each statement.

let statements = 0;
beforeAll(async () => {
  const client = ((await getDatabase()) as unknown as { $client: { query: (...args: unknown[]) => unknown } }).$client;
  const query = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    statements++;
    return query(...args);
  };
});
afterAll(closeDatabase);

async function roundTrips<T>(request: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const before = statements;
  const result = await request();
  return { result, statements: statements - before };
}

describe("database round trips per request", () => {
  it("is one for every endpoint, whatever the outcome, and zero when the request fails before the service", async () => {
    const userId = newUserId("counted");
    const token = await tokenFor(userId, `${userId}@example.com`);
    const path = `/api/${userId}/tasks`;
    const user = { userId };
    const on = (id: number) => ({ userId, taskId: String(id) });
    const options = (extra: CallOptions = {}) => ({ token, ...extra });

    const firstCreate = await roundTrips(() =>
      call(tasksRoute.POST, "POST", path, user, options({ json: { title: "a" } })),
    );
    expect(firstCreate.result.status).toBe(201);
    const id: number = firstCreate.result.body.id;
    const etag = firstCreate.result.headers.get("etag")!;

    const cases: [string, () => Promise<{ status: number }>, number, number][] = [
      [
        "create (user row exists)",
        () => call(tasksRoute.POST, "POST", path, user, options({ json: { title: "b" } })),
        201,
        1,
      ],
      [
        "create with an Idempotency-Key",
        () =>
          call(
            tasksRoute.POST,
            "POST",
            path,
            user,
            options({ json: { title: "k" }, headers: { "idempotency-key": "round-trip-key" } }),
          ),
        201,
        1,
      ],
      [
        "create repeated with its Idempotency-Key",
        () =>
          call(
            tasksRoute.POST,
            "POST",
            path,
            user,
            options({ json: { title: "k" }, headers: { "idempotency-key": "round-trip-key" } }),
          ),
        201,
        1,
      ],
      [
        "create reusing an Idempotency-Key with another body",
        () =>
          call(
            tasksRoute.POST,
            "POST",
            path,
            user,
            options({ json: { title: "other" }, headers: { "idempotency-key": "round-trip-key" } }),
          ),
        422,
        1,
      ],
      ["list", () => call(tasksRoute.GET, "GET", `${path}?limit=1`, user, options()), 200, 1],
      ["list with search", () => call(tasksRoute.GET, "GET", `${path}?q=a&sort=title`, user, options()), 200, 1],
      ["get", () => call(taskRoute.GET, "GET", `${path}/${id}`, on(id), options()), 200, 1],
      ["get missing", () => call(taskRoute.GET, "GET", `${path}/2147483647`, on(2147483647), options()), 404, 1],
      [
        "put with If-Match",
        () =>
          call(
            taskRoute.PUT,
            "PUT",
            `${path}/${id}`,
            on(id),
            options({ json: { title: "c" }, headers: { "if-match": etag } }),
          ),
        200,
        1,
      ],
      [
        "put with a stale If-Match",
        () =>
          call(
            taskRoute.PUT,
            "PUT",
            `${path}/${id}`,
            on(id),
            options({ json: { title: "d" }, headers: { "if-match": etag } }),
          ),
        412,
        1,
      ],
      ["put", () => call(taskRoute.PUT, "PUT", `${path}/${id}`, on(id), options({ json: { title: "e" } })), 200, 1],
      ["toggle", () => call(completeRoute.PATCH, "PATCH", `${path}/${id}/complete`, on(id), options()), 200, 1],
      [
        "set completion",
        () =>
          call(completeRoute.PATCH, "PATCH", `${path}/${id}/complete`, on(id), options({ json: { completed: true } })),
        200,
        1,
      ],
      ["delete", () => call(taskRoute.DELETE, "DELETE", `${path}/${id}`, on(id), options()), 204, 1],
      [
        "delete missing with If-Match",
        () => call(taskRoute.DELETE, "DELETE", `${path}/${id}`, on(id), options({ headers: { "if-match": etag } })),
        404,
        1,
      ],
      ["invalid body", () => call(tasksRoute.POST, "POST", path, user, options({ json: { title: "" } })), 400, 0],
      ["invalid id", () => call(taskRoute.GET, "GET", `${path}/0`, on(0), options()), 400, 0],
      ["no token", () => call(tasksRoute.GET, "GET", path, user), 401, 0],
      [
        "another user's path",
        () => call(tasksRoute.GET, "GET", "/api/someone-else/tasks", { userId: "someone-else" }, options()),
        403,
        0,
      ],
    ];
    expect(firstCreate.statements).toBe(1);
    for (const [label, send, status, expected] of cases) {
      const { result, statements: count } = await roundTrips(send);
      expect(result.status, label).toBe(status);
      expect(count, label).toBe(expected);
    }
  });
});
