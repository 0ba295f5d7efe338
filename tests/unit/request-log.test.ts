import { DrizzleQueryError } from "drizzle-orm/errors";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { withoutQueryParameters } from "@/db/errors";
import { logRequest, requestIdFrom, routeOf, type RequestOutcome } from "@/lib/http/request-log";
import { getLogger } from "@/lib/logger";

describe("routeOf: the route field of a request's log line", () => {
  it.each([
    ["/api/health", {}, "/api/health"],
    ["/api/alice/tasks", { userId: "alice" }, "/api/[userId]/tasks"],
    ["/api/alice/tasks/7", { userId: "alice", taskId: "7" }, "/api/[userId]/tasks/[taskId]"],
    ["/api/7/tasks/7/complete", { userId: "7", taskId: "7" }, "/api/[userId]/tasks/[taskId]/complete"],
    ["/api/tasks/tasks", { userId: "tasks" }, "/api/[userId]/tasks"],
    ["/api/al%20ice%40x/tasks", { userId: "al ice@x" }, "/api/[userId]/tasks"],
    ["/api/a/b/c", { path: ["a", "b", "c"] }, "/api/[...path]"],
    // The values of a catch-all, in a row, where they all are; and a user named like the API's own segments.
    ["/api/a/a", { path: ["a", "a"] }, "/api/[...path]"],
    ["/api/api/tasks", { userId: "api" }, "/api/[userId]/tasks"],
    // A segment that is not valid percent-encoding is compared as it was sent.
    ["/api/%E0%A4%A/tasks", { userId: "%E0%A4%A" }, "/api/[userId]/tasks"],
    ["/api/x/y", { path: undefined }, "/api/x/y"],
    // A task id spelled like a segment of the route: named routes come from the routes table.
    ["/api/alice/tasks/tasks", { userId: "alice", taskId: "tasks" }, "/api/[userId]/tasks/[taskId]"],
  ])("%s is %s", (pathname, params, route) => {
    expect(routeOf(pathname, params)).toBe(route);
  });

  // Routes outside the routes table are rebuilt from their params (the app's own is the catch-all): the rebuild, on
  // route shapes any new route could have.
  it.each([
    // A malformed segment in a catch-all's values.
    ["/api/nothing/%zz", { path: ["nothing", "%zz"] }, "/api/[...path]"],
    // One value, after a static segment; a parameter named like the API's own segment.
    ["/api/v/7", { id: "7" }, "/api/v/[id]"],
    ["/api/api/x", { name: "api" }, "/api/[name]/x"],
    // Two parameters: the second is looked for after the first, though its value appears before.
    ["/api/7/x/7", { a: "x", b: "7" }, "/api/7/[a]/[b]"],
    // A catch-all's values where all of them match, not where the first does.
    ["/api/a/a/c", { path: ["a", "c"] }, "/api/a/[...path]"],
  ])("%s is %s (a route outside the routes table)", (pathname, params, route) => {
    expect(routeOf(pathname, params)).toBe(route);
  });
});

describe("withoutQueryParameters: what of a database failure is logged", () => {
  it("keeps drizzle's statement and the driver's error, and drops the parameters (user data)", () => {
    const driverError = Object.assign(new Error('relation "tasks" does not exist'), { code: "42P01" });
    const error = new DrizzleQueryError("insert into tasks (title) values ($1)", ["my secret title"], driverError);
    const logged = pino.stdSerializers.err(withoutQueryParameters(error) as Error);
    expect(logged).toMatchObject({
      message: 'relation "tasks" does not exist',
      code: "42P01",
      query: "insert into tasks (title) values ($1)",
      stack: expect.stringContaining("relation"),
    });
    expect(JSON.stringify(logged)).not.toContain("my secret title");
  });

  it("leaves every other error as it is", () => {
    const error = new TypeError("boom");
    expect(withoutQueryParameters(error)).toBe(error);
  });
});

describe("requestIdFrom: the X-Request-Id a response and its log line carry", () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("echoes a sane one, and replaces a missing or insane one with a new UUID", () => {
    expect(requestIdFrom("req-1.2:3_X")).toBe("req-1.2:3_X");
    for (const sent of [null, undefined, "", "a b", "x".repeat(129), "é"]) expect(requestIdFrom(sent)).toMatch(uuid);
    expect(requestIdFrom(null)).not.toBe(requestIdFrom(null));
  });
});

describe("logRequest: the level and message of a request's line", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function logged(outcome: Partial<RequestOutcome>) {
    const logger = getLogger();
    const lines: { level: string; line: Record<string, unknown>; message: string }[] = [];
    for (const level of ["info", "warn", "error"] as const) {
      vi.spyOn(logger, level).mockImplementation(((line: Record<string, unknown>, message: string) => {
        lines.push({ level, line, message });
      }) as never);
    }
    logRequest({ requestId: "r", method: "GET", route: "/api/health", status: 200, durationMs: 1, ...outcome });
    return lines;
  }

  it("info for an answer below 500, warn for a 5xx the API meant (503), error for an unexpected one (500)", () => {
    expect(logged({ status: 200 })).toMatchObject([{ level: "info", message: "request" }]);
    expect(logged({ status: 499, code: "internal_error" })).toMatchObject([{ level: "info", message: "request" }]);
    expect(logged({ status: 503, code: "service_unavailable" })).toMatchObject([
      { level: "warn", message: "request failed" },
    ]);
    expect(logged({ status: 500, code: "internal_error" })).toMatchObject([
      { level: "error", message: "request failed" },
    ]);
    expect(logged({ status: 501, code: "internal_error" })).toMatchObject([{ level: "error" }]);
    expect(logged({ status: 500 })).toMatchObject([{ level: "warn", message: "request failed" }]);
  });

  it("logs what was thrown without a statement's parameters, and the outcome as it is when nothing was", () => {
    const driverError = Object.assign(new Error("deadlock detected"), { code: "40P01" });
    const thrown = new DrizzleQueryError("update tasks set title = $1", ["my secret title"], driverError);
    const [failed] = logged({ status: 500, code: "internal_error", err: thrown });
    expect(failed!.line).toMatchObject({ status: 500, code: "internal_error", requestId: "r" });
    expect(failed!.line.err).toBeInstanceOf(Error);
    expect(JSON.stringify(pino.stdSerializers.err(failed!.line.err as Error))).not.toContain("my secret title");
    const outcome: RequestOutcome = { requestId: "r", method: "GET", route: "/api/health", status: 200, durationMs: 1 };
    const [ok] = logged(outcome);
    expect(ok!.line).toEqual(outcome);
  });
});
