import { DrizzleQueryError } from "drizzle-orm/errors";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { withoutQueryParameters } from "@/db/errors";
import { routeOf } from "@/lib/http/request-log";

describe("routeOf: the route field of a request's log line", () => {
  it.each([
    ["/api/health", {}, "/api/health"],
    ["/api/alice/tasks", { userId: "alice" }, "/api/[userId]/tasks"],
    ["/api/alice/tasks/7", { userId: "alice", taskId: "7" }, "/api/[userId]/tasks/[taskId]"],
    ["/api/7/tasks/7/complete", { userId: "7", taskId: "7" }, "/api/[userId]/tasks/[taskId]/complete"],
    ["/api/tasks/tasks", { userId: "tasks" }, "/api/[userId]/tasks"],
    ["/api/al%20ice%40x/tasks", { userId: "al ice@x" }, "/api/[userId]/tasks"],
    ["/api/a/b/c", { path: ["a", "b", "c"] }, "/api/[...path]"],
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
