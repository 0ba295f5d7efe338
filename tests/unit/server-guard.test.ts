import {
  createServer,
  METHODS,
  request as httpRequest,
  ServerResponse,
  type IncomingMessage,
  type Server,
} from "node:http";
import { connect, createServer as createTcpServer, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getLogger } from "@/lib/logger";
import { errorBody } from "@/lib/http/errors";
import { MAX_BODY_BYTES } from "@/lib/http/request-input";
import {
  answerBeforeRouting,
  guardHttpServers,
  guardServer,
  HEADERS_TIMEOUT_MS,
  MAX_CONNECTIONS,
  originForm,
  REQUEST_TIMEOUT_MS,
  SOCKET_IDLE_TIMEOUT_MS,
} from "@/lib/http/server-guard";
import { API_ROUTES, ROUTE_HANDLER_METHODS } from "@/lib/http/routes";

afterEach(() => {
  vi.restoreAllMocks();
});

/** What arrives on a raw connection that sends `request` (maybe nothing), until the server closes it. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString()));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
}

async function listening(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

// Requests Next.js would answer before any app code, enumerated by kind: every method Node.js parses that a route
// handler cannot serve, every position of a malformed escape or a dot segment, a trailing slash on every route.

const EXAMPLE_PATHS: Record<keyof typeof API_ROUTES, string> = {
  health: "/api/health",
  openApiDocument: "/api/openapi.json",
  docs: "/api/docs",
  docsAsset: "/api/docs/assets/swagger-ui.css",
  nextAuth: "/api/auth/session",
  tasks: "/api/alice/tasks",
  task: "/api/alice/tasks/7",
  taskCompletion: "/api/alice/tasks/7/complete",
};
const OTHER_METHODS = METHODS.filter(
  (method) => !(ROUTE_HANDLER_METHODS as readonly string[]).includes(method) && method !== "CONNECT",
);

describe("answerBeforeRouting", () => {
  it("leaves every method a route handler serves, and every path outside /api, to Next.js", () => {
    for (const path of Object.values(EXAMPLE_PATHS)) {
      for (const method of ROUTE_HANDLER_METHODS)
        expect(answerBeforeRouting(method, path), `${method} ${path}`).toBeUndefined();
    }
    for (const target of [
      "/",
      "/?filter=done",
      "/apis",
      "/favicon.ico",
      "/_next/static/x.js",
      "/%",
      "/a/../b",
      "/x/",
    ]) {
      expect(answerBeforeRouting("TRACE", target), target).toBeUndefined();
    }
  });

  it.each(OTHER_METHODS)(
    "answers %s on every route with 405 and that route's Allow, and on no route with 404",
    (method) => {
      for (const [name, path] of Object.entries(EXAMPLE_PATHS)) {
        const answer = answerBeforeRouting(method, path);
        expect(answer?.error?.status, path).toBe(405);
        expect(answer?.error?.headers?.Allow, path).toBe(
          API_ROUTES[name as keyof typeof API_ROUTES].allowed.join(", "),
        );
      }
      for (const path of ["/api", "/api/nothing", "/api/alice/tasks/7/nothing"]) {
        expect(answerBeforeRouting(method, path)?.error?.status, path).toBe(404);
      }
    },
  );

  it("answers a malformed escape in any segment, any method, with 400 validation_error", () => {
    for (const path of Object.values(EXAMPLE_PATHS)) {
      const segments = path.split("/");
      for (let at = 2; at < segments.length; at++) {
        for (const bad of ["%", "%zz", "%E2%82", "a%2", "%C0%AF"]) {
          const broken = segments.map((segment, index) => (index === at ? bad : segment)).join("/");
          for (const method of ["GET", "POST", "TRACE"]) {
            const answer = answerBeforeRouting(method, `${broken}?q=1`);
            expect(answer?.error?.status, `${method} ${broken}`).toBe(400);
            expect(answer?.error?.code).toBe("validation_error");
          }
        }
      }
    }
  });

  it("answers a dot segment in any position, spelled plainly or escaped, with the JSON 404", () => {
    for (const path of Object.values(EXAMPLE_PATHS)) {
      const segments = path.split("/");
      for (let at = 2; at <= segments.length; at++) {
        for (const dot of [".", "..", "%2e", "%2E%2e", ".%2e"]) {
          const dotted = [...segments.slice(0, at), dot, ...segments.slice(at)].join("/");
          expect(answerBeforeRouting("GET", dotted)?.error?.code, dotted).toBe("not_found");
        }
      }
    }
    expect(answerBeforeRouting("GET", "/api/alice/tasks/...")).toBeUndefined(); // "..." is a name, not a dot segment
  });

  it("redirects a trailing slash on every route to the path without it, query kept", () => {
    for (const path of [...Object.values(EXAMPLE_PATHS), "/api/nothing"]) {
      expect(answerBeforeRouting("GET", `${path}/`)).toMatchObject({ redirect: path });
      expect(answerBeforeRouting("PUT", `${path}//?limit=5&q=a%20b`)).toMatchObject({
        redirect: `${path}?limit=5&q=a%20b`,
      });
    }
    expect(answerBeforeRouting("GET", "/api/")).toMatchObject({ redirect: "/api" });
  });

  it("redirects empty segments and backslashes, which Next.js would redirect without the API's headers, in every position", () => {
    for (const path of [...Object.values(EXAMPLE_PATHS), "/api/nothing"]) {
      const segments = path.split("/");
      for (let at = 1; at < segments.length; at++) {
        const doubled = [...segments.slice(0, at), "", ...segments.slice(at)].join("/");
        const backslashed = `${segments.slice(0, at).join("/")}\\${segments.slice(at).join("/")}`;
        for (const method of ["GET", "DELETE", "TRACE"]) {
          expect(answerBeforeRouting(method, `${doubled}?a=1`), `${method} ${doubled}`).toMatchObject({
            redirect: `${path}?a=1`,
          });
          expect(answerBeforeRouting(method, backslashed), `${method} ${backslashed}`).toMatchObject({
            redirect: path,
          });
        }
      }
      expect(answerBeforeRouting("GET", `/${path}//`)).toMatchObject({ redirect: path });
    }
    // Never to another host: a redirect starting with // would be one.
    expect(answerBeforeRouting("GET", "//api//evil.example/")).toMatchObject({ redirect: "/api/evil.example" });
    expect(answerBeforeRouting("GET", "/api/%5C")).toBeUndefined(); // an escaped backslash is a name
  });

  it("says which route each answer is for, and why, in the contract's error body", () => {
    const answered = (method: string, target: string) => {
      const answer = answerBeforeRouting(method, target)!;
      return { route: answer.route, redirect: answer.redirect, body: answer.error && errorBody(answer.error) };
    };
    expect(answered("GET", "/api/alice/tasks/%zz")).toStrictEqual({
      route: "/api/[userId]/tasks/[taskId]",
      redirect: undefined,
      body: {
        error: "path is not valid percent-encoding",
        code: "validation_error",
        details: [{ path: "path", message: "is not valid percent-encoding" }],
      },
    });
    expect(answered("GET", "/api/alice/../bob/tasks")).toStrictEqual({
      route: "(no route)",
      redirect: undefined,
      body: { error: "no such route", code: "not_found" },
    });
    expect(answered("PROPFIND", "/api/alice/tasks/7")).toStrictEqual({
      route: "/api/[userId]/tasks/[taskId]",
      redirect: undefined,
      body: { error: "method not allowed; use GET, HEAD, PUT, DELETE", code: "method_not_allowed" },
    });
    expect(answered("TRACE", "/api/nothing?x=1")).toStrictEqual({
      route: "(no route)",
      redirect: undefined,
      body: { error: "no such route", code: "not_found" },
    });
    // A redirected request is logged under the route it is sent to.
    expect(answered("GET", "/api/alice/tasks/7/complete/?x=1")).toStrictEqual({
      route: "/api/[userId]/tasks/[taskId]/complete",
      redirect: "/api/alice/tasks/7/complete?x=1",
      body: undefined,
    });
  });

  it("takes an absolute-form target (RFC 9112 §3.2.2) as its path, which Next.js would redirect to itself forever", () => {
    expect(originForm("http://127.0.0.1:3000/api/health?x=1")).toBe("/api/health?x=1");
    expect(originForm("HTTPS://example.com")).toBe("/");
    expect(originForm("http://h?q")).toBe("/?q");
    expect(originForm("/api/health")).toBe("/api/health");
    expect(originForm("/api/alice/tasks?q=http://h/x")).toBe("/api/alice/tasks?q=http://h/x"); // a URL in the query
    expect(answerBeforeRouting("TRACE", originForm("http://h/api/health"))?.error?.status).toBe(405);
    expect(answerBeforeRouting("GET", originForm("http://h/api/%zz"))?.error?.status).toBe(400);
  });
});

describe("the guard's idle timeouts (guardServer)", () => {
  // Short stand-ins for the real 15 s and 120 s; the handler is slower than the first and far quicker than the second.
  const idle = { socketIdleMs: 1_000, responseIdleMs: 10_000 };
  const HANDLER_MS = 3_000;

  async function guardedServer(): Promise<{ server: Server; port: number }> {
    const server = createServer((_request, response) => {
      setTimeout(() => response.end("answered"), HANDLER_MS);
    });
    guardServer(server, idle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  it("lets a request whose answer takes longer than the idle timeout get its answer, then closes the idle connection", async () => {
    const { server, port } = await guardedServer();
    try {
      // Keep-alive: after the answer the connection is idle again, and the idle timeout closes it.
      const received = await exchange(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(received).toMatch(/\r\n\r\n(8\r\n)?answered/);
    } finally {
      server.close();
    }
  });

  it("gives a connection the longer timeout while its request is answered, and the idle one again after", async () => {
    const timeouts: (number | undefined)[] = [];
    const server = createServer((request, response) => {
      timeouts.push(request.socket.timeout);
      // The guard's own close listener came first: the idle timeout is back by now.
      response.once("close", () => timeouts.push(request.socket.timeout));
      response.end("answered");
    });
    guardServer(server, idle);
    const port = await listening(server);
    try {
      await exchange(port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(timeouts).toStrictEqual([idle.responseIdleMs, idle.socketIdleMs]);
    } finally {
      server.close();
    }
  });

  it("still closes a connection that sends nothing, or half a request line, after the idle timeout", async () => {
    const { server, port } = await guardedServer();
    try {
      expect(await exchange(port, "")).toBe("");
      expect(await exchange(port, "GET /hal")).toBe("");
    } finally {
      server.close();
    }
  });
});

describe("the guard in front of Next.js's listeners (guardServer)", () => {
  type Seen = { listener: string; method: string; url: string };

  /** A server whose request listeners (Next.js's stand-ins) record what reaches them; the last one answers. */
  async function guardedServer(guards = 1, listeners = ["next"]) {
    const seen: Seen[] = [];
    const server = createServer();
    for (const [index, listener] of listeners.entries()) {
      server.on("request", (request: IncomingMessage, response: ServerResponse) => {
        seen.push({ listener, method: request.method!, url: request.url! });
        if (index === listeners.length - 1) response.end("from next");
      });
    }
    for (let guard = 0; guard < guards; guard++) guardServer(server);
    const port = await listening(server);
    return { server, port, seen };
  }

  /** A guarded server whose idle timeouts are far beyond the test's: only the guard itself can end an exchange. */
  async function guardedBeyondIdleTimeouts() {
    const server = createServer();
    guardServer(server, { socketIdleMs: 600_000, responseIdleMs: 600_000 });
    return { server, port: await listening(server) };
  }

  function send(port: number, method: string, path: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }>((resolve, reject) => {
      const request = httpRequest({ host: "127.0.0.1", port, method, path, headers, agent: false }, (response) => {
        let body = "";
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      });
      request.on("error", reject);
      request.end();
    });
  }

  it("sets Node.js's timeouts and connection cap, which Next.js does not", async () => {
    const { server } = await guardedServer();
    try {
      expect(server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
      expect(server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
      expect(server.maxConnections).toBe(MAX_CONNECTIONS);
      expect(server.timeout).toBe(SOCKET_IDLE_TIMEOUT_MS);
    } finally {
      server.close();
    }
  });

  it("answers what must not reach Next.js itself, in the contract's form, logs it, and closes the connection", async () => {
    const { server, port, seen } = await guardedServer();
    const info = vi.spyOn(getLogger(), "info");
    try {
      const sentAt = performance.now();
      const answer = await send(port, "TRACE", "/api/health", { "X-Request-Id": "trace-1" });
      const elapsedMs = performance.now() - sentAt;
      expect(answer.status).toBe(405);
      expect(answer.headers).toMatchObject({
        allow: API_ROUTES.health.allowed.join(", "),
        "content-type": "application/json",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "x-request-id": "trace-1",
        connection: "close",
      });
      expect(JSON.parse(answer.body)).toStrictEqual({
        error: "method not allowed; use GET, HEAD",
        code: "method_not_allowed",
      });
      expect(seen).toStrictEqual([]);
      expect((info.mock.calls[0]?.[0] as { durationMs: number }).durationMs).toBeLessThanOrEqual(Math.ceil(elapsedMs));
      expect(info.mock.calls).toStrictEqual([
        [
          {
            requestId: "trace-1",
            method: "TRACE",
            route: "/api/health",
            status: 405,
            durationMs: expect.any(Number) as number,
            code: "method_not_allowed",
          },
          "request",
        ],
      ]);
    } finally {
      server.close();
    }
  });

  it("redirects a path Next.js would redirect with 308, the API's headers and no body", async () => {
    const { server, port, seen } = await guardedServer();
    const info = vi.spyOn(getLogger(), "info");
    try {
      const answer = await send(port, "GET", "//api/alice/tasks/?limit=5");
      expect(answer.status).toBe(308);
      expect(answer.headers.location).toBe("/api/alice/tasks?limit=5");
      expect(answer.headers["cache-control"]).toBe("no-store");
      expect(answer.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.body).toBe("");
      expect(seen).toStrictEqual([]);
      expect(info.mock.calls[0]?.[0]).toMatchObject({ route: "/api/[userId]/tasks", status: 308, code: undefined });
    } finally {
      server.close();
    }
  });

  it("answers HEAD with the headers alone, also on a server that refuses a body to HEAD", async () => {
    for (const server of [createServer(), createServer({ rejectNonStandardBodyWrites: true })]) {
      guardServer(server);
      const port = await listening(server);
      try {
        const received = await exchange(port, "HEAD /api/%zz HTTP/1.1\r\nHost: x\r\n\r\n");
        expect(received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
        expect(received).toMatch(/\r\n\r\n$/);
      } finally {
        server.close();
      }
    }
  });

  it("closes the connection after its own answer, leaving the body unread, rather than keep it alive", async () => {
    const { server, port } = await guardedBeyondIdleTimeouts();
    try {
      const received = await exchange(
        port,
        "POST /api/alice/tasks/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
      );
      expect(received).toMatch(/^HTTP\/1\.1 308 Permanent Redirect\r\n/);
      expect(received).toMatch(/\r\nConnection: close\r\n/i);
    } finally {
      server.close();
    }
  });

  it("cuts the connection and logs it when its answer cannot be written", async () => {
    const { server, port } = await guardedBeyondIdleTimeouts();
    const error = vi.spyOn(getLogger(), "error").mockImplementation(() => undefined);
    vi.spyOn(ServerResponse.prototype, "writeHead").mockImplementationOnce(() => {
      throw new Error("cannot write");
    });
    try {
      expect(await exchange(port, "TRACE /api/health HTTP/1.1\r\nHost: x\r\nX-Request-Id: cut\r\n\r\n")).toBe("");
      expect(error.mock.calls).toStrictEqual([
        [{ requestId: "cut", route: "/api/health", err: new Error("cannot write") }, "the guard's answer failed"],
      ]);
    } finally {
      server.close();
    }
  });

  it("still answers when only the log line fails, and logs that", async () => {
    const { server, port } = await guardedServer();
    const error = vi.spyOn(getLogger(), "error").mockImplementation(() => undefined);
    vi.spyOn(getLogger(), "info").mockImplementation(() => {
      throw new Error("the log is full");
    });
    try {
      const answer = await send(port, "TRACE", "/api/health", { "X-Request-Id": "failing-log" });
      expect(answer.status).toBe(405);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "method_not_allowed" });
      await vi.waitFor(() => expect(error).toHaveBeenCalled());
      expect(error.mock.calls).toStrictEqual([
        [
          { requestId: "failing-log", route: "/api/health", err: new Error("the log is full") },
          "the guard's answer failed",
        ],
      ]);
    } finally {
      server.close();
    }
  });

  it("passes every other request to each of Next.js's listeners, an absolute-form target as its path", async () => {
    const { server, port, seen } = await guardedServer(1, ["first", "second"]);
    try {
      expect((await send(port, "GET", "http://127.0.0.1/api/alice/tasks?limit=5")).body).toBe("from next");
      expect((await send(port, "TRACE", "/elsewhere")).body).toBe("from next");
      expect(seen).toStrictEqual([
        { listener: "first", method: "GET", url: "/api/alice/tasks?limit=5" },
        { listener: "second", method: "GET", url: "/api/alice/tasks?limit=5" },
        { listener: "first", method: "TRACE", url: "/elsewhere" },
        { listener: "second", method: "TRACE", url: "/elsewhere" },
      ]);
    } finally {
      server.close();
    }
  });

  it("guards a server once, though the module is loaded again (a second bundle, a reset registry)", async () => {
    const { server, port, seen } = await guardedServer();
    vi.resetModules();
    const again = await import("@/lib/http/server-guard");
    again.guardServer(server);
    try {
      const received = await exchange(
        port,
        "POST /api/alice/tasks HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n",
      );
      expect(received.match(/100 Continue/g)).toHaveLength(1);
      expect(seen).toHaveLength(1);
    } finally {
      server.close();
    }
  });

  it.each([
    { declared: 10, continues: true },
    { declared: MAX_BODY_BYTES, continues: true },
    { declared: MAX_BODY_BYTES + 1, continues: false },
  ])(
    "answers Expect: 100-continue for a $declared-byte body with 100: $continues, and passes the request on once, however often guarded",
    async ({ declared, continues }) => {
      const { server, port, seen } = await guardedServer(2);
      try {
        const received = await exchange(
          port,
          `POST /api/alice/tasks HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${declared}\r\nConnection: close\r\n\r\n`,
        );
        expect(received.startsWith("HTTP/1.1 100 Continue\r\n\r\n")).toBe(continues);
        expect(received).toMatch(/HTTP\/1\.1 200 OK\r\n[^]*from next/);
        expect(seen).toHaveLength(1);
      } finally {
        server.close();
      }
    },
  );
});

describe("guardHttpServers", () => {
  it("guards every HTTP server of the process from its first connection, and leaves other servers alone", async () => {
    guardHttpServers();
    guardHttpServers();
    const http = createServer((_request, response) => response.end("from next"));
    const tcp = createTcpServer((socket) => socket.end("echo"));
    const [httpPort, tcpPort] = [await listening(http), await listening(tcp)];
    try {
      const answer = await exchange(httpPort, "TRACE /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
      expect(http.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
      expect(await exchange(tcpPort, "")).toBe("echo");
      expect(tcp.maxConnections).toBeUndefined();
    } finally {
      http.close();
      tcp.close();
    }
  });
});
