import pg from "pg";
import { postgresBinDir } from "../support/postgres-cluster";
import { test as base, expect, fetchedExchange, newActor, tasksUrl } from "./fixtures";
import { SERVER_START_BUDGET_MS, startNextServer, type NextServer } from "./next-server";

// The server runs on a cluster of the test's own, which the test then breaks; both are up before the test begins.
const test = base.extend<{ server: NextServer }>({
  server: [
    async ({ postgresCluster }, use) => {
      const server = await startNextServer({
        AUTH_SECRET: process.env.AUTH_SECRET!,
        DATABASE_URL: postgresCluster.url,
      });
      try {
        await server.ready();
        await use(server);
      } finally {
        await server.stop();
      }
    },
    { timeout: SERVER_START_BUDGET_MS + 30_000 },
  ],
});

test.skip(!postgresBinDir() && !process.env.CI, "needs PostgreSQL's server binaries (initdb, pg_ctl)");

test("logs one JSON line per request, and an unexpected error's stack under its request id, never to the client", async ({
  checkContract,
  postgresCluster: cluster,
  server,
}) => {
  const alice = await newActor("alice");
  const bob = await newActor("bob");
  const send = async (
    requestId: string,
    method: string,
    path: string,
    headers: Record<string, string> = {},
    data?: unknown,
  ) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...headers, "x-request-id": requestId, ...(data ? { "content-type": "application/json" } : {}) },
      body: data ? JSON.stringify(data) : undefined,
    });
    checkContract(await fetchedExchange(method, `${server.url}${path}`, response.clone()));
    return response;
  };

  expect((await send("log-created", "POST", tasksUrl(alice.id), alice.auth, { title: "visible" })).status).toBe(201);
  expect((await send("log-anonymous", "GET", tasksUrl(alice.id))).status).toBe(401);
  expect((await send("log-forbidden", "GET", tasksUrl(alice.id), bob.auth)).status).toBe(403);
  expect((await send("log-no-route", "GET", "/api/nothing/here")).status).toBe(404);
  expect((await send("log-health", "GET", "/api/health")).status).toBe(200);

  // A database that fails in a way nobody planned for: a trigger someone added raises an error of its own.
  const database = new pg.Client({ connectionString: cluster.url });
  await database.connect();
  await database.query(`
    create function refuse_tasks() returns trigger language plpgsql as $$
    begin raise exception 'tasks are frozen for maintenance' using errcode = 'XX000'; end $$;
    create trigger refuse_tasks before insert on tasks for each row execute function refuse_tasks();`);
  await database.end();
  const failed = await send("log-unexpected", "POST", tasksUrl(alice.id), alice.auth, { title: "secret title 4711" });
  expect(failed.status).toBe(500);
  expect(await failed.json()).toEqual({ error: "an unexpected error occurred", code: "internal_error" });

  await server.stop();
  const lines = server.logLines().filter((line) => String(line.requestId).startsWith("log-"));
  const byId = Object.fromEntries(lines.map((line) => [line.requestId, line]));
  expect(lines).toHaveLength(6);
  const request = { level: "info", msg: "request", time: expect.any(String), durationMs: expect.any(Number) };
  expect(byId["log-created"]).toEqual({
    ...request,
    requestId: "log-created",
    method: "POST",
    route: "/api/[userId]/tasks",
    status: 201,
    userId: alice.id,
  });
  expect(byId["log-anonymous"]).toEqual({
    ...request,
    requestId: "log-anonymous",
    method: "GET",
    route: "/api/[userId]/tasks",
    status: 401,
    code: "unauthenticated",
  });
  expect(byId["log-forbidden"]).toEqual({
    ...request,
    requestId: "log-forbidden",
    method: "GET",
    route: "/api/[userId]/tasks",
    status: 403,
    userId: bob.id,
    code: "forbidden",
  });
  expect(byId["log-no-route"]).toEqual({
    ...request,
    requestId: "log-no-route",
    method: "GET",
    route: "/api/[...path]",
    status: 404,
    code: "not_found",
  });
  expect(byId["log-health"]).toEqual({
    ...request,
    requestId: "log-health",
    method: "GET",
    route: "/api/health",
    status: 200,
  });
  expect(byId["log-unexpected"]).toMatchObject({
    level: "error",
    msg: "request failed",
    requestId: "log-unexpected",
    route: "/api/[userId]/tasks",
    status: 500,
    userId: alice.id,
    code: "internal_error",
    err: {
      message: "tasks are frozen for maintenance",
      code: "XX000",
      query: expect.stringContaining('insert into "tasks"'),
      stack: expect.stringMatching(/tasks are frozen for maintenance\n\s+at /),
    },
  });
  expect(server.output()).not.toContain("secret title 4711");
});
