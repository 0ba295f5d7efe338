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
    ["/api/a/a", { path: ["a", "a"] }, "/api/[...path]"],
    ["/api/alice/tasks/api", { userId: "alice", taskId: "api" }, "/api/[userId]/tasks/[taskId]"],
    ["/api/%E0%A4%A/tasks", { userId: "%E0%A4%A" }, "/api/[userId]/tasks"],
    ["/api/%E0%A4%A/x", { path: ["%E0%A4%A", "x"] }, "/api/[...path]"],
    ["/api/api/tasks", { userId: "api" }, "/api/[userId]/tasks"],
    ["/api/alice/tasks/tasks", { userId: "alice", taskId: "tasks" }, "/api/[userId]/tasks/[taskId]"],
    ["/api/auth/tasks", { nextauth: ["tasks"] }, "/api/auth/[...nextauth]"],
  ])("%s is %s", (pathname, params, route) => {
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

describe("requestIdFrom", () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("echoes a sane X-Request-Id, and makes a new one when there is none or it is not sane", () => {
    expect(requestIdFrom("req-1.a:b_C")).toBe("req-1.a:b_C");
    for (const sent of [null, undefined, "", "a b", "x".repeat(129)]) expect(requestIdFrom(sent)).toMatch(uuid);
  });
});

describe("logRequest: the level and content of a request's line", () => {
  afterEach(() => vi.restoreAllMocks());

  function logged(outcome: RequestOutcome) {
    const logger = getLogger();
    const calls = { error: [] as unknown[][], warn: [] as unknown[][], info: [] as unknown[][] };
    for (const level of ["error", "warn", "info"] as const) {
      vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => void calls[level].push(args));
    }
    logRequest(outcome);
    return calls;
  }
  const base = { requestId: "r", method: "GET", route: "/api/[userId]/tasks", durationMs: 3, userId: "alice" };

  it("writes an unexpected failure (500 internal_error) at error, with the driver's error and not the parameters", () => {
    const driverError = Object.assign(new Error("boom"), { code: "XX000" });
    const err = new DrizzleQueryError("select $1", ["my secret"], driverError);
    const calls = logged({ ...base, status: 500, code: "internal_error", err });
    expect(calls.warn).toEqual([]);
    expect(calls.info).toEqual([]);
    expect(calls.error).toHaveLength(1);
    const [line, message] = calls.error[0]!;
    expect(message).toBe("request failed");
    expect(line).toMatchObject({ ...base, status: 500, code: "internal_error" });
    expect((line as { err: Error }).err).not.toBe(err);
    expect(pino.stdSerializers.err((line as { err: Error }).err)).toMatchObject({
      message: "boom",
      query: "select $1",
    });
    expect(JSON.stringify(pino.stdSerializers.err((line as { err: Error }).err))).not.toContain("my secret");
  });

  it("writes another 5xx at warn, and anything below 500 at info, the outcome as it is", () => {
    for (const [status, code] of [
      [500, "something_else"],
      [503, "service_unavailable"],
    ] as const) {
      const outcome = { ...base, status, code };
      const calls = logged(outcome);
      expect(calls).toEqual({ error: [], warn: [[outcome, "request failed"]], info: [] });
      vi.restoreAllMocks();
    }
    for (const outcome of [
      { ...base, status: 499, code: "internal_error" },
      { ...base, status: 200 },
    ]) {
      const calls = logged(outcome);
      expect(calls).toEqual({ error: [], warn: [], info: [[outcome, "request"]] });
      expect(calls.info[0]![0]).toBe(outcome);
      vi.restoreAllMocks();
    }
  });
});
