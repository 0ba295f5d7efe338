import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as completeRoute from "@/app/api/[userId]/tasks/[taskId]/complete/route";
import * as taskRoute from "@/app/api/[userId]/tasks/[taskId]/route";
import * as tasksRoute from "@/app/api/[userId]/tasks/route";
import * as unknownRoute from "@/app/api/[...path]/route";
import * as healthRoute from "@/app/api/health/route";
import { closeDatabase } from "@/db/client";
import { call, newUserId, tokenFor, type CallOptions } from "../support/api";

afterAll(closeDatabase);

interface Actor {
  id: string;
  token: string;
}
async function actor(label: string): Promise<Actor> {
  const id = newUserId(label);
  return { id, token: await tokenFor(id) };
}

const tasksPath = (userId: string) => `/api/${encodeURIComponent(userId)}/tasks`;
const list = (as: Actor, userId = as.id, query = "", options: CallOptions = {}) =>
  call(tasksRoute.GET, "GET", `${tasksPath(userId)}${query}`, { userId }, { token: as.token, ...options });
const create = (as: Actor, json: unknown, userId = as.id, options: CallOptions = {}) =>
  call(tasksRoute.POST, "POST", tasksPath(userId), { userId }, { token: as.token, json, ...options });
const onTask = (
  handler: keyof typeof taskRoute,
  as: Actor,
  taskId: string | number,
  options: CallOptions = {},
  userId = as.id,
) =>
  call(
    taskRoute[handler],
    handler,
    `${tasksPath(userId)}/${taskId}`,
    { userId, taskId: String(taskId) },
    {
      token: as.token,
      ...options,
    },
  );
const complete = (as: Actor, taskId: string | number, options: CallOptions = {}, userId = as.id) =>
  call(
    completeRoute.PATCH,
    "PATCH",
    `${tasksPath(userId)}/${taskId}/complete`,
    { userId, taskId: String(taskId) },
    {
      token: as.token,
      ...options,
    },
  );

function expectError(response: { status: number; body: any }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ code, error: expect.any(String) });
  expect(JSON.stringify(response.body)).not.toMatch(/select|insert|stack|at \w+ \(/i);
}

let alice: Actor;
let bob: Actor;
beforeAll(async () => {
  alice = await actor("alice");
  bob = await actor("bob");
});

describe("POST /api/{userId}/tasks", () => {
  it("creates a task: 201, Location, the Task body and the common headers", async () => {
    const response = await create(alice, { title: "  Buy milk ", description: "2 litres" }, alice.id, {
      headers: { "x-request-id": "trace-123" },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(Number),
      user_id: alice.id,
      title: "Buy milk",
      description: "2 litres",
      completed: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: response.body.created_at,
    });
    expect(response.headers.get("location")).toBe(`${tasksPath(alice.id)}/${response.body.id}`);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-request-id")).toBe("trace-123");
  });

  it("replaces an absent or insane X-Request-Id with a new one", async () => {
    const response = await create(alice, { title: "t" }, alice.id, { headers: { "x-request-id": "bad id <script>" } });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("stores 255 emoji as a title and refuses 256", async () => {
    expect((await create(alice, { title: "😀".repeat(255) })).status).toBe(201);
    const tooLong = await create(alice, { title: "😀".repeat(256) });
    expectError(tooLong, 400, "validation_error");
    expect(tooLong.body).toEqual({
      error: "title must be 1 to 255 characters",
      code: "validation_error",
      details: [{ path: "title", message: "must be 1 to 255 characters" }],
    });
  });

  it("answers 400 for U+0000, unpaired surrogates and unknown fields, never a database error", async () => {
    expectError(await create(alice, { title: "a\u0000b" }), 400, "validation_error");
    const loneSurrogate = await call(
      tasksRoute.POST,
      "POST",
      tasksPath(alice.id),
      { userId: alice.id },
      {
        token: alice.token,
        body: '{"title":"\\ud800 alone"}',
        headers: { "content-type": "application/json" },
      },
    );
    expectError(loneSurrogate, 400, "validation_error");
    const smuggled = await create(alice, { title: "t", user_id: bob.id, id: 1 });
    expectError(smuggled, 400, "validation_error");
    expect(smuggled.body.details.map((detail: { path: string }) => detail.path)).toEqual(["user_id", "id"]);
  });

  it("answers invalid_json, 415 and 413 for bodies it cannot take", async () => {
    const raw = (body: string, contentType = "application/json") =>
      call(
        tasksRoute.POST,
        "POST",
        tasksPath(alice.id),
        { userId: alice.id },
        {
          token: alice.token,
          body,
          headers: { "content-type": contentType },
        },
      );
    expectError(await raw("{"), 400, "invalid_json");
    expectError(await raw(""), 400, "invalid_json");
    expectError(await raw('{"title":"t"}', "text/plain"), 415, "unsupported_media_type");
    expectError(await raw("title=t", "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    expectError(await raw(JSON.stringify({ title: "t", description: "x".repeat(70_000) })), 413, "payload_too_large");
  });
});

describe("authentication and ownership", () => {
  it("answers 401 with WWW-Authenticate without a token, or with a bad one", async () => {
    const anonymous = await call(tasksRoute.GET, "GET", tasksPath(alice.id), { userId: alice.id });
    expectError(anonymous, 401, "unauthenticated");
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
    expect(anonymous.headers.get("x-request-id")).toBeTruthy();
    const forged = await list({ id: alice.id, token: `${alice.token}x` });
    expectError(forged, 401, "unauthenticated");
    expect(forged.headers.get("www-authenticate")).toContain("invalid_token");
  });

  it("checks authentication before anything else, and the path user before input", async () => {
    expectError(
      await call(taskRoute.GET, "GET", `${tasksPath(alice.id)}/abc`, { userId: alice.id, taskId: "abc" }),
      401,
      "unauthenticated",
    );
    expectError(await onTask("GET", bob, "abc", {}, alice.id), 403, "forbidden");
    expectError(await create(bob, { nonsense: true }, alice.id), 403, "forbidden");
    expectError(await onTask("GET", alice, "abc"), 400, "validation_error");
  });

  it("keeps every route closed to another user, and alice's task unchanged", async () => {
    const task = (await create(alice, { title: "alice's secret" })).body;

    expectError(await list(bob, alice.id), 403, "forbidden");
    expectError(await create(bob, { title: "planted" }, alice.id), 403, "forbidden");
    for (const method of ["GET", "PUT", "DELETE"] as const) {
      expectError(
        await onTask(method, bob, task.id, { json: method === "PUT" ? { title: "x" } : undefined }, alice.id),
        403,
        "forbidden",
      );
      // Through bob's own path, alice's task does not exist.
      expectError(
        await onTask(method, bob, task.id, { json: method === "PUT" ? { title: "x" } : undefined }),
        404,
        "not_found",
      );
    }
    expectError(await complete(bob, task.id, {}, alice.id), 403, "forbidden");
    expectError(await complete(bob, task.id), 404, "not_found");
    expect((await list(bob)).body).not.toContainEqual(expect.objectContaining({ id: task.id }));

    expect((await onTask("GET", alice, task.id)).body).toEqual(task);
  });

  it("answers 404 identically for someone else's task and one that never existed", async () => {
    const task = (await create(alice, { title: "mine" })).body;
    const theirs = await onTask("GET", bob, task.id);
    const missing = await onTask("GET", bob, 2147483647);
    expect(theirs.body).toEqual(missing.body);
    expect(theirs.status).toBe(404);
  });
});

describe("GET /api/{userId}/tasks", () => {
  it("lists the user's tasks newest first and filters by status", async () => {
    const carol = await actor("carol");
    const first = (await create(carol, { title: "first" })).body;
    const second = (await create(carol, { title: "second", completed: true })).body;
    expect((await list(carol)).body).toEqual([second, first]);
    expect((await list(carol, carol.id, "?status=completed")).body).toEqual([second]);
    expect((await list(carol, carol.id, "?status=pending&unknown=1")).body).toEqual([first]);
    const invalid = await list(carol, carol.id, "?status=done");
    expectError(invalid, 400, "validation_error");
    expect(invalid.body.details).toEqual([{ path: "status", message: "must be one of all, pending, completed" }]);
  });

  it("lists nothing for a user who never wrote", async () => {
    const dave = await actor("dave");
    expect(await list(dave)).toMatchObject({ status: 200, body: [] });
  });
});

describe("GET, PUT, DELETE /api/{userId}/tasks/{taskId}", () => {
  it("reads a task", async () => {
    const task = (await create(alice, { title: "read me" })).body;
    expect(await onTask("GET", alice, task.id)).toMatchObject({ status: 200, body: task });
  });

  it.each(["0", "-1", "1.5", "abc", "99999999999", "01"])("answers 400 for the task id %j", async (taskId) => {
    const response = await onTask("GET", alice, taskId);
    expectError(response, 400, "validation_error");
    expect(response.body.details[0].path).toBe("taskId");
  });

  it("updates only the fields sent and moves updated_at forward", async () => {
    const task = (await create(alice, { title: "before", description: "kept" })).body;
    const updated = await onTask("PUT", alice, task.id, { json: { title: " after ", completed: true } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: task.id, title: "after", description: "kept", completed: true });
    expect(updated.body.created_at).toBe(task.created_at);
    expect(Date.parse(updated.body.updated_at)).toBeGreaterThan(Date.parse(task.updated_at));
  });

  it("refuses an empty update, unknown fields and bad values without changing the task", async () => {
    const task = (await create(alice, { title: "stable" })).body;
    expectError(await onTask("PUT", alice, task.id, { json: {} }), 400, "validation_error");
    expectError(await onTask("PUT", alice, task.id, { json: { user_id: bob.id } }), 400, "validation_error");
    expectError(await onTask("PUT", alice, task.id, { json: { title: "" } }), 400, "validation_error");
    expectError(
      await onTask("PUT", alice, task.id, { body: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    expectError(
      await onTask("PUT", alice, task.id, { body: "x", headers: { "content-type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
    expect((await onTask("GET", alice, task.id)).body).toEqual(task);
  });

  it("answers 404 for updates and deletes of a missing task", async () => {
    expectError(await onTask("PUT", alice, 2147483647, { json: { title: "x" } }), 404, "not_found");
    expectError(await onTask("DELETE", alice, 2147483647), 404, "not_found");
  });

  it("deletes with 204 and no body, then answers 404", async () => {
    const task = (await create(alice, { title: "delete me" })).body;
    const deleted = await onTask("DELETE", alice, task.id);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(deleted.headers.get("content-type")).toBeNull();
    expect(deleted.headers.get("cache-control")).toBe("no-store");
    expectError(await onTask("GET", alice, task.id), 404, "not_found");
  });
});

describe("PATCH /api/{userId}/tasks/{taskId}/complete", () => {
  it("toggles without a body or with {}, and sets idempotently with completed", async () => {
    const task = (await create(alice, { title: "toggle" })).body;
    expect((await complete(alice, task.id)).body.completed).toBe(true);
    expect((await complete(alice, task.id, { json: {} })).body.completed).toBe(false);
    const set = await complete(alice, task.id, { json: { completed: true } });
    const retried = await complete(alice, task.id, { json: { completed: true } });
    expect(set.body.completed).toBe(true);
    expect(retried.body).toEqual(set.body);
  });

  it("validates the body and the id", async () => {
    const task = (await create(alice, { title: "strict" })).body;
    expectError(await complete(alice, task.id, { json: { completed: "yes" } }), 400, "validation_error");
    expectError(await complete(alice, task.id, { json: { title: "x" } }), 400, "validation_error");
    expectError(
      await complete(alice, task.id, { body: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    expectError(await complete(alice, "0"), 400, "validation_error");
    expectError(await complete(alice, 2147483647), 404, "not_found");
  });
});

describe("methods and routes the API does not serve", () => {
  it("answers 405 with Allow and the error body", async () => {
    const cases = [
      [tasksRoute.PUT, "GET, HEAD, POST"],
      [tasksRoute.DELETE, "GET, HEAD, POST"],
      [taskRoute.POST, "GET, HEAD, PUT, DELETE"],
      [taskRoute.PATCH, "GET, HEAD, PUT, DELETE"],
      [completeRoute.GET, "PATCH"],
      [completeRoute.POST, "PATCH"],
      [healthRoute.POST, "GET, HEAD"],
    ] as const;
    for (const [handler, allow] of cases) {
      const response = await call(handler, "POST", "/api/x", {});
      expectError(response, 405, "method_not_allowed");
      expect(response.headers.get("allow")).toBe(allow);
      expect(response.headers.get("x-request-id")).toBeTruthy();
    }
  });

  it("answers a JSON 404 for an unknown /api path", async () => {
    const response = await call(unknownRoute.GET, "GET", "/api/nope", { path: "nope" });
    expectError(response, 404, "not_found");
    expect(response.body).toEqual({ error: "no such route", code: "not_found" });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });
});

describe("GET /api/health", () => {
  it("reports the database as reachable", async () => {
    const response = await call(healthRoute.GET, "GET", "/api/health", {});
    expect(response).toMatchObject({ status: 200, body: { status: "ok", database: "ok" } });
  });
});
