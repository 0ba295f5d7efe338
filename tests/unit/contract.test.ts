import { beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "@/lib/openapi/document";
import { Contract, ContractViolation, type Exchange } from "../support/contract";

// The checker that holds every response of the HTTP suite to the OpenAPI document must itself refuse what the
// document does not describe, or the suite's contract check could never fail.

const COMMON = { "cache-control": "no-store", "x-content-type-options": "nosniff", "x-request-id": "req-1" };
const task = {
  id: 7,
  user_id: "alice",
  title: "Buy milk",
  description: null,
  completed: false,
  created_at: "2026-11-24T04:00:00.000Z",
  updated_at: "2026-11-24T04:00:00.000Z",
};

function exchange(
  method: string,
  path: string,
  status: number,
  headers: Record<string, string>,
  body?: unknown,
): Exchange {
  const json: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
  return {
    method,
    url: `http://127.0.0.1:3400${path}`,
    status,
    headers: { ...COMMON, ...json, ...headers },
    body: Buffer.from(body === undefined ? "" : JSON.stringify(body)),
  };
}

describe("the contract checker", () => {
  let contract: Contract;
  beforeAll(async () => {
    contract = await Contract.of(openApiDocument());
  });

  it("accepts what the document describes, and names the outcome", () => {
    expect(contract.check(exchange("GET", "/api/alice/tasks/7", 200, { etag: '"abc"' }, task))).toBe(
      "GET /api/{userId}/tasks/{taskId} 200",
    );
    expect(contract.check(exchange("HEAD", "/api/alice/tasks", 200, {}))).toBe("HEAD /api/{userId}/tasks 200");
    expect(contract.check(exchange("DELETE", "/api/alice/tasks/7", 204, {}))).toBe(
      "DELETE /api/{userId}/tasks/{taskId} 204",
    );
    expect(
      contract.check(exchange("POST", "/api/a/b/c/d", 404, {}, { error: "no such route", code: "not_found" })),
    ).toBe("(any method) (other /api paths) 404");
    const notAllowed = { error: "method not allowed", code: "method_not_allowed" };
    expect(contract.check(exchange("PUT", "/api/alice/tasks", 405, { allow: "GET, HEAD, POST" }, notAllowed))).toBe(
      "(other methods) /api/{userId}/tasks 405",
    );
    expect(contract.check(exchange("TRACE", "/api/health", 405, { allow: "GET, HEAD" }, notAllowed))).toBe(
      "(other methods) /api/health 405",
    );
  });

  it("accepts the document's answers to paths no operation describes, checked in the document's order", () => {
    const invalid = { error: "path is not valid percent-encoding", code: "validation_error" };
    expect(contract.check(exchange("TRACE", "/api/alice/tasks/%zz", 400, {}, invalid))).toBe(
      "(any method) (a segment not valid percent-encoding) 400",
    );
    // A dot segment is no path of the document's, even where a template would take it as a value.
    const noRoute = { error: "no such route", code: "not_found" };
    for (const path of ["/api/alice/tasks/..", "/api/%2e/tasks", "/api/alice/tasks/7/./complete"]) {
      expect(contract.check(exchange("POST", path, 404, {}, noRoute)), path).toBe(
        "(any method) (other /api paths) 404",
      );
    }
    expect(contract.check(exchange("PUT", "/api/health/?a=%20b", 308, { location: "/api/health?a=%20b" }))).toBe(
      "(any method) (a path with //, \\ or a trailing /) 308",
    );
    expect(contract.check(exchange("GET", "/api/", 308, { location: "/api" }))).toBe(
      "(any method) (a path with //, \\ or a trailing /) 308",
    );
    expect(contract.check(exchange("GET", "/api", 404, {}, noRoute))).toBe("(any method) (other /api paths) 404");
    expect(contract.check(exchange("GET", "/api/alice//tasks", 308, { location: "/api/alice/tasks" }))).toBe(
      "(any method) (a path with //, \\ or a trailing /) 308",
    );
    expect(contract.check(exchange("TRACE", "//api\\health/", 308, { location: "/api/health" }))).toBe(
      "(any method) (a path with //, \\ or a trailing /) 308",
    );
    // A fixed segment must be sent as written: the API's routes do not decode it.
    expect(contract.check(exchange("GET", "/api/%68ealth", 404, {}, noRoute))).toBe(
      "(any method) (other /api paths) 404",
    );
  });

  it.each([
    [
      "a status the operation does not list",
      /lists only 200, 400/,
      exchange("GET", "/api/alice/tasks", 418, {}, { error: "x", code: "not_found" }),
    ],
    ["a missing required header", /header ETag is missing/, exchange("GET", "/api/alice/tasks/7", 200, {}, task)],
    [
      "a header that breaks its schema",
      /header ETag: W\/weak must match pattern/,
      exchange("GET", "/api/alice/tasks/7", 200, { etag: "W/weak" }, task),
    ],
    [
      "a common header that is wrong",
      /header Cache-Control: max-age=60/,
      exchange("GET", "/api/health", 200, { "cache-control": "max-age=60" }, { status: "ok", database: "ok" }),
    ],
    [
      "a field the schema does not have",
      /additional properties/,
      exchange("GET", "/api/alice/tasks/7", 200, { etag: '"a"' }, { ...task, secret: 1 }),
    ],
    [
      "a field of the wrong type",
      /body\/0\/id must be integer/,
      exchange("GET", "/api/alice/tasks", 200, {}, [{ ...task, id: "7" }]),
    ],
    [
      "a code another status carries",
      /body\/code must be equal to one of the allowed values/,
      exchange("GET", "/api/alice/tasks", 400, {}, { error: "x", code: "not_found" }),
    ],
    ["a body where none is described", /describes no body/, exchange("DELETE", "/api/alice/tasks/7", 204, {}, {})],
    [
      "a media type not described",
      /Content-Type text\/html is not one of application\/json/,
      { ...exchange("GET", "/api/health", 200, {}, {}), headers: { ...COMMON, "content-type": "text/html" } },
    ],
    [
      "an Allow that is not the path's methods",
      /Allow lists GET, but the document lists GET, HEAD, POST/,
      exchange("PUT", "/api/alice/tasks", 405, { allow: "GET" }, { error: "x", code: "method_not_allowed" }),
    ],
    [
      "another status on an unlisted method",
      /describes nothing else here/,
      exchange("PUT", "/api/alice/tasks", 200, {}, task),
    ],
    ["another status on an unknown route", /describes nothing else here/, exchange("GET", "/api/nothing", 200, {}, {})],
    [
      "an operation's answer to a path with a dot segment",
      /describes nothing else here/,
      exchange("GET", "/api/alice/tasks/..", 400, {}, { error: "x", code: "validation_error" }),
    ],
    [
      "a redirect to another path than the one without the slash",
      /Location is \/api\/health\/, not \/api\/health/,
      exchange("GET", "/api/health//", 308, { location: "/api/health/" }),
    ],
    [
      "a redirect that drops the query",
      /Location is \/api\/alice\/tasks, not \/api\/alice\/tasks\?limit=1/,
      exchange("GET", "/api/alice/tasks/?limit=1", 308, { location: "/api/alice/tasks" }),
    ],
    [
      "a redirect with a body",
      /describes no body/,
      exchange("GET", "/api/health/", 308, { location: "/api/health" }, { error: "x", code: "not_found" }),
    ],
    [
      "a redirect without the common headers",
      /header X-Request-Id is missing/,
      { ...exchange("GET", "/api/health/", 308, { location: "/api/health" }), headers: { location: "/api/health" } },
    ],
    [
      "another status for a malformed path",
      /describes nothing else here/,
      exchange("GET", "/api/alice/tasks/%E2%82", 500, {}, { error: "x", code: "internal_error" }),
    ],
    ["a path outside /api", /covers \/api only/, exchange("GET", "/", 404, {}, {})],
  ])("refuses %s", (_label, reason, refused) => {
    expect(() => contract.check(refused)).toThrow(ContractViolation);
    expect(() => contract.check(refused)).toThrow(reason);
  });

  it("lists every outcome of the document, fallbacks included", () => {
    const outcomes = contract.outcomes();
    expect(outcomes).toContain("PATCH /api/{userId}/tasks/{taskId}/complete 412");
    expect(outcomes).toContain("(other methods) /api/health 405");
    expect(outcomes).toContain("(any method) (other /api paths) 404");
    expect(outcomes).toContain("(any method) (a path with //, \\ or a trailing /) 308");
    expect(outcomes).toContain("(any method) (a segment not valid percent-encoding) 400");
  });
});
