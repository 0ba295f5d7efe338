import { createServer, METHODS, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { answerBeforeRouting, guardServer, originForm } from "@/lib/http/server-guard";
import { API_ROUTES, ROUTE_HANDLER_METHODS } from "@/lib/http/routes";

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

  it("takes an absolute-form target (RFC 9112 §3.2.2) as its path, which Next.js would redirect to itself forever", () => {
    expect(originForm("http://127.0.0.1:3000/api/health?x=1")).toBe("/api/health?x=1");
    expect(originForm("HTTPS://example.com")).toBe("/");
    expect(originForm("http://h?q")).toBe("/?q");
    expect(originForm("/api/health")).toBe("/api/health");
    expect(answerBeforeRouting("TRACE", originForm("http://h/api/health"))?.error?.status).toBe(405);
    expect(answerBeforeRouting("GET", originForm("http://h/api/%zz"))?.error?.status).toBe(400);
  });
});

describe("the guard's idle timeouts (guardServer)", () => {
  // Short stand-ins for the real 15 s and 120 s; the handler is slower than the first and far quicker than the second.
  const idle = { socketIdleMs: 200, responseIdleMs: 10_000 };
  const HANDLER_MS = 800;

  async function guardedServer(): Promise<{ server: Server; port: number }> {
    const server = createServer((_request, response) => {
      setTimeout(() => response.end("answered"), HANDLER_MS);
    });
    guardServer(server, idle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

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
