import { afterEach, describe, expect, it, vi } from "vitest";
import { markStatementSent } from "@/db/errors";
import { ApiError } from "@/lib/http/errors";
import { publicRoute } from "@/lib/http/handler";
import { ClientAbortError } from "@/lib/http/request-input";
import { getLogger } from "@/lib/logger";
import { TaskVersionMismatchError } from "@/lib/tasks/errors";

// The wrapper's own decisions, with handlers that fail on purpose: which error a failure becomes (a write's database
// failure may have been applied) and what the request's log line says. The lines' output is tested over HTTP in
// tests/e2e/logs.spec.ts; here, the logger's calls are read as they are made.

afterEach(() => {
  vi.restoreAllMocks();
});

/** The log lines written while `run` runs, with the level each went out at. */
async function linesOf(run: () => Promise<unknown>) {
  const logger = getLogger();
  const lines: { level: string; line: Record<string, unknown> }[] = [];
  for (const level of ["info", "warn", "error"] as const) {
    vi.spyOn(logger, level).mockImplementation(((line: Record<string, unknown>) => {
      lines.push({ level, line });
    }) as never);
  }
  await run();
  return lines;
}

const failingWith = (error: unknown) =>
  publicRoute(() => {
    throw error;
  });

async function send(error: unknown, method = "GET") {
  const response = await failingWith(error)(new Request("http://localhost/api/health", { method }), {
    params: Promise.resolve({}),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** What node-postgres throws when the connection drops after the statement went out, as drizzle wraps it. */
const droppedAfterSending = () =>
  Object.assign(new Error("Failed query: insert ..."), {
    cause: markStatementSent(new Error("Connection terminated unexpectedly")),
  });

describe("the wrapper", () => {
  it("answers a write whose statement was sent when the database stopped answering with outcome unknown, a read not", async () => {
    const unknown = { path: "outcome", message: "unknown" };
    const answers: Record<string, unknown> = {};
    await linesOf(async () => {
      for (const method of ["POST", "PUT", "PATCH", "DELETE", "GET", "OPTIONS"]) {
        answers[method] = await send(droppedAfterSending(), method);
      }
    });
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(answers[method], method).toEqual({
        status: 503,
        body: expect.objectContaining({ code: "service_unavailable", details: [unknown] }),
      });
    }
    for (const method of ["GET", "OPTIONS"]) {
      expect(answers[method], method).toEqual({
        status: 503,
        body: { error: expect.any(String), code: "service_unavailable" },
      });
    }
  });

  it("logs what was thrown for a failure from below (a bug: 500, at error; the database: 503, at warn)", async () => {
    const bug = new TypeError("boom");
    const database = droppedAfterSending();
    const lines = await linesOf(async () => {
      await send(bug);
      await send(database);
    });
    expect(lines.map(({ level, line }) => [level, line.status, line.code, line.err])).toEqual([
      ["error", 500, "internal_error", bug],
      ["warn", 503, "service_unavailable", database],
    ]);
  });

  it("logs the code but not the error for a failure it raised itself or one the contract names, whatever its status", async () => {
    const lines = await linesOf(async () => {
      await send(new ApiError("service_unavailable", "not now"));
      await send(new TaskVersionMismatchError());
      await send(new ApiError("forbidden", "not yours"));
    });
    expect(lines.map(({ level, line }) => [level, line.status, line.code, "err" in line ? line.err : "none"])).toEqual([
      ["warn", 503, "service_unavailable", undefined],
      ["info", 412, "precondition_failed", undefined],
      ["info", 403, "forbidden", undefined],
    ]);
  });

  it("writes one line a request: id, method, route, status, duration, and clientAborted only when the client hung up", async () => {
    const before = performance.now();
    const lines = await linesOf(async () => {
      await send(new ClientAbortError(), "POST");
      await send(new TypeError("boom"));
    });
    const outer = performance.now() - before;
    expect(lines[0]!.line).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      method: "POST",
      route: "/api/health",
      status: 400,
      durationMs: expect.any(Number),
      userId: undefined,
      code: "invalid_json",
      err: undefined,
      clientAborted: true,
    });
    expect(lines[1]!.line).not.toHaveProperty("clientAborted");
    // The wrapper's duration lies within the time measured around it.
    for (const { line } of lines) {
      expect(line.durationMs).toBeGreaterThanOrEqual(0);
      expect(line.durationMs).toBeLessThanOrEqual(Math.ceil(outer));
    }
  });
});
