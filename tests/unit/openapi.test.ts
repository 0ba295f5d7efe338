import { compileErrors, dereference, validate } from "@readme/openapi-parser";
import Ajv2020 from "ajv/dist/2020.js";
import fc from "fast-check";
import addFormats from "ajv-formats";
import type { OpenAPIV3_1 } from "openapi-types";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { openApiDocument } from "@/lib/openapi/document";
import { ERROR_CODES } from "@/lib/schemas/errors";
import { LIST_LIMIT_MAX, TASK_ID_MAX } from "@/lib/limits";
import { SANE_REQUEST_ID } from "@/lib/http/request-log";
import { TaskCompletion, TaskCreate, TaskId, TaskListQuery, TaskUpdate } from "@/lib/schemas/tasks";

const document = () => structuredClone(openApiDocument()) as OpenAPIV3_1.Document;

// The contract's routes (../shared/API.md) and every status each can answer, written out by hand on purpose: the
// document must grow when the contract does, not the other way round.
const CONTRACT: Record<string, number[]> = {
  "GET /api/{userId}/tasks": [200, 400, 401, 403, 500, 503],
  "POST /api/{userId}/tasks": [201, 400, 401, 403, 413, 415, 422, 500, 503],
  "GET /api/{userId}/tasks/{taskId}": [200, 400, 401, 403, 404, 500, 503],
  "PUT /api/{userId}/tasks/{taskId}": [200, 400, 401, 403, 404, 412, 413, 415, 500, 503],
  "DELETE /api/{userId}/tasks/{taskId}": [204, 400, 401, 403, 404, 412, 500, 503],
  "PATCH /api/{userId}/tasks/{taskId}/complete": [200, 400, 401, 403, 404, 412, 413, 415, 500, 503],
  "GET /api/health": [200, 503],
  "GET /api/openapi.json": [200],
  "GET /api/docs": [200],
  "GET /api/docs/assets/{file}": [200, 400, 404],
};

describe("the OpenAPI document", () => {
  let resolved: OpenAPIV3_1.Document;
  beforeAll(async () => {
    resolved = await dereference(document());
  });

  const operation = (method: string, path: string) =>
    resolved.paths![path]![method.toLowerCase() as OpenAPIV3_1.HttpMethods]!;
  const parameter = (method: string, path: string, name: string) =>
    operation(method, path).parameters!.find(
      (p) => (p as OpenAPIV3_1.ParameterObject).name === name,
    ) as OpenAPIV3_1.ParameterObject;
  const jsonSchema = (response: OpenAPIV3_1.ResponseObject | OpenAPIV3_1.RequestBodyObject) =>
    response.content!["application/json"]!.schema as OpenAPIV3_1.SchemaObject;

  it("is valid OpenAPI 3.1", async () => {
    const result = await validate(document());
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(openApiDocument().openapi).toBe("3.1.0");
  });

  it("describes every operation of the contract, with every status it can answer, and nothing else", () => {
    const described = Object.fromEntries(
      Object.entries(resolved.paths!).flatMap(([path, item]) =>
        (["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const)
          .filter((method) => item![method])
          .map((method) => [`${method.toUpperCase()} ${path}`, Object.keys(item![method]!.responses).map(Number)]),
      ),
    );
    expect(described).toEqual(CONTRACT);
  });

  it("is built once per process", () => {
    expect(openApiDocument()).toBe(openApiDocument());
  });

  it("says where it is served: on the host that serves it", () => {
    expect(resolved.servers).toEqual([{ url: "/", description: expect.any(String) }]);
  });

  it("requires a session (bearer token or next-auth cookie) exactly on the routes under /api/{userId}, and says so of the others", () => {
    expect(resolved.components!.securitySchemes!.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    for (const key of Object.keys(CONTRACT)) {
      const [method, path] = key.split(" ") as [string, string];
      // Explicit on public operations too: a document without root security leaves an operation without one unknown.
      expect(operation(method, path).security, key).toEqual(
        path.startsWith("/api/{userId}") ? [{ bearerAuth: [] }, { sessionCookie: [] }] : [],
      );
    }
  });

  it("declares the headers of the contract where they apply", () => {
    const headersOf = (method: string, path: string, status: number) =>
      Object.keys((operation(method, path).responses[status] as OpenAPIV3_1.ResponseObject).headers ?? {});
    for (const [key, statuses] of Object.entries(CONTRACT)) {
      const [method, path] = key.split(" ") as [string, string];
      for (const status of statuses) {
        expect(headersOf(method, path, status), `${key} ${status}`).toEqual(
          expect.arrayContaining(["X-Request-Id", "Cache-Control", "X-Content-Type-Options"]),
        );
      }
    }
    expect(headersOf("GET", "/api/{userId}/tasks", 200)).toContain("Link");
    expect(headersOf("POST", "/api/{userId}/tasks", 201)).toEqual(expect.arrayContaining(["Location", "ETag"]));
    for (const key of [
      "GET /api/{userId}/tasks/{taskId}",
      "PUT /api/{userId}/tasks/{taskId}",
      "PATCH /api/{userId}/tasks/{taskId}/complete",
    ]) {
      const [method, path] = key.split(" ") as [string, string];
      expect(headersOf(method, path, 200), key).toContain("ETag");
    }
    for (const key of [
      "PUT /api/{userId}/tasks/{taskId}",
      "DELETE /api/{userId}/tasks/{taskId}",
      "PATCH /api/{userId}/tasks/{taskId}/complete",
    ]) {
      const [method, path] = key.split(" ") as [string, string];
      expect(parameter(method, path, "If-Match"), key).toMatchObject({ in: "header", required: false });
    }
    expect(headersOf("GET", "/api/{userId}/tasks", 401)).toContain("WWW-Authenticate");
    expect(headersOf("GET", "/api/{userId}/tasks", 503)).toContain("Retry-After");
    expect(headersOf("GET", "/api/health", 503)).toContain("Retry-After");
  });

  it("describes the answers to requests no operation describes as components, and no x- extension refers to one", () => {
    const responses = resolved.components!.responses! as Record<string, OpenAPIV3_1.ResponseObject>;
    const codeOf = (name: string) =>
      (jsonSchema(responses[name]!).allOf![1] as OpenAPIV3_1.SchemaObject).properties!.code;
    expect(Object.keys(responses.MethodNotAllowed!.headers!)).toContain("Allow");
    expect(codeOf("MethodNotAllowed")).toEqual({ type: "string", enum: ["method_not_allowed"] });
    expect(codeOf("NotFound")).toEqual({ type: "string", enum: ["not_found"] });
    expect(responses.CanonicalPathRedirect!.content).toBeUndefined();
    expect(Object.keys(responses.CanonicalPathRedirect!.headers!)).toEqual(
      expect.arrayContaining(["Location", "X-Request-Id", "Cache-Control", "X-Content-Type-Options"]),
    );
    for (const name of ["BadRequest", "NotFound", "CanonicalPathRedirect", "MethodNotAllowed"]) {
      expect(openApiDocument().info.description, name).toContain(`(\`${name}\`)`);
    }
    const extensions = Object.keys(openApiDocument()).filter((key) => key.startsWith("x-"));
    expect(extensions).toEqual(["x-delegated-paths"]);
    expect(JSON.stringify(openApiDocument()["x-delegated-paths"])).not.toContain("$ref");
  });

  it("makes every error body an ErrorBody, by reference, with the codes of its status", () => {
    for (const [name, response] of Object.entries(document().components!.responses!)) {
      const schema = (response as OpenAPIV3_1.ResponseObject).content?.["application/json"]?.schema;
      if (schema)
        expect((schema as OpenAPIV3_1.SchemaObject).allOf?.[0], name).toEqual({
          $ref: "#/components/schemas/ErrorBody",
        });
    }
  });

  it("declares no pattern on the X-Request-Id it accepts, since any value is taken (an insane one is replaced)", () => {
    const sent = parameter("GET", "/api/health", "X-Request-Id");
    expect(sent).toMatchObject({ in: "header", required: false, schema: { type: "string" } });
    expect(sent.schema).not.toHaveProperty("pattern");
    const answered = (operation("GET", "/api/health").responses[200] as OpenAPIV3_1.ResponseObject).headers![
      "X-Request-Id"
    ];
    expect((answered as OpenAPIV3_1.HeaderObject).schema).toMatchObject({ pattern: SANE_REQUEST_ID.source });
  });

  it("gives /api/openapi.json a schema that this document meets and other JSON does not", () => {
    const schema = jsonSchema(operation("GET", "/api/openapi.json").responses[200] as OpenAPIV3_1.ResponseObject);
    const validate = addFormats(new Ajv2020({ strict: false })).compile(schema);
    expect(validate(document()), JSON.stringify(validate.errors)).toBe(true);
    const { paths: _paths, ...withoutPaths } = document();
    for (const other of [{}, [], { ...document(), openapi: "3.0.3" }, withoutPaths, { ...document(), extra: 1 }]) {
      expect(validate(other), JSON.stringify(other).slice(0, 60)).toBe(false);
    }
    expect(validate({ ...document(), "x-anything": 1 })).toBe(true);
  });

  it("gives each error status the codes of the contract's table, and the body of ErrorBody", () => {
    const codesOf = (status: number) =>
      (
        (
          jsonSchema(operation("PUT", "/api/{userId}/tasks/{taskId}").responses[status] as OpenAPIV3_1.ResponseObject)
            .allOf![1] as OpenAPIV3_1.SchemaObject
        ).properties!.code as OpenAPIV3_1.SchemaObject
      ).enum;
    expect(codesOf(400)).toEqual(["invalid_json", "validation_error"]);
    expect(codesOf(412)).toEqual(["precondition_failed"]);
    expect(codesOf(503)).toEqual(["service_unavailable"]);
    expect((resolved.components!.schemas!.ErrorBody!.properties!.code as OpenAPIV3_1.SchemaObject).enum).toEqual(
      ERROR_CODES,
    );
  });

  it("documents the query and path values, which arrive as text, as the integers they must spell", () => {
    expect(parameter("GET", "/api/{userId}/tasks", "limit").schema).toEqual({
      type: "integer",
      minimum: 1,
      maximum: LIST_LIMIT_MAX,
      default: LIST_LIMIT_MAX,
      description: expect.any(String),
    });
    expect(parameter("GET", "/api/{userId}/tasks/{taskId}", "taskId")).toMatchObject({
      required: true,
      schema: { type: "integer", minimum: 1, maximum: TASK_ID_MAX },
    });
    expect(parameter("GET", "/api/{userId}/tasks", "status").schema).toMatchObject({
      enum: ["all", "pending", "completed"],
      default: "all",
    });
  });

  describe("agrees with the schemas the handlers validate with", () => {
    const ajv = addFormats(new Ajv2020({ strict: false }));
    const agree = (schema: () => OpenAPIV3_1.SchemaObject, zodSchema: z.ZodType, values: unknown[]) => {
      const validate = ajv.compile(schema());
      for (const value of values) {
        const label = JSON.stringify(value).slice(0, 60);
        expect(validate(value), `document on ${label}`).toBe(zodSchema.safeParse(value).success);
      }
    };

    it("on task bodies, counting characters as code points", () => {
      const body = (name: string) => () => resolved.components!.schemas![name] as OpenAPIV3_1.SchemaObject;
      agree(body("TaskCreate"), TaskCreate, [
        { title: "t" },
        { title: "😀".repeat(255) },
        { title: "😀".repeat(256) },
        { title: "" },
        { title: "t", description: "é".repeat(5000) },
        { title: "t", description: "é".repeat(5001) },
        { title: "t", description: null, completed: true },
        { title: "t", completed: "yes" },
        { title: "t", user_id: "mallory" },
        {},
        [],
      ]);
      agree(body("TaskUpdate"), TaskUpdate, [
        {},
        { completed: false },
        { description: null },
        { title: "x".repeat(256) },
        { id: 1 },
      ]);
      agree(body("TaskCompletion"), TaskCompletion, [{}, { completed: true }, { completed: 1 }, { done: true }]);
    });

    describe("on titles, whose pattern states the rules beyond type: no U+0000, not blank once trimmed, 1 to 255 left", () => {
      const titleSchema = () =>
        (resolved.components!.schemas!.TaskCreate as OpenAPIV3_1.SchemaObject).properties!
          .title as OpenAPIV3_1.SchemaObject;
      // What .trim() removes, found by asking it, so that the test does not share the schema's list.
      const trimmed = Array.from({ length: 0x10000 }, (_, unit) => String.fromCharCode(unit)).filter(
        (char) => char.trim() === "",
      );
      const wellFormedBmp = Array.from({ length: 0x10000 }, (_, unit) => String.fromCharCode(unit)).filter((char) =>
        char.isWellFormed(),
      );
      const titleAgrees = (titles: string[]) => {
        const validate = ajv.compile(titleSchema());
        const refused: string[] = [];
        for (const title of titles) {
          const zodAccepts = TaskCreate.safeParse({ title }).success;
          if (validate(title) !== zodAccepts) refused.push(JSON.stringify(title).slice(0, 80));
        }
        expect(refused, "titles the document and the server judge differently").toEqual([]);
      };

      it("on every whitespace character alone, repeated, mixed with others and around U+0000", () => {
        expect(trimmed.length).toBeGreaterThan(20);
        titleAgrees([
          "",
          ...trimmed,
          ...trimmed.map((space) => space.repeat(300)),
          trimmed.join(""),
          trimmed.join("").repeat(20),
          ...trimmed.map((space) => `${space}a${space}`),
          ...trimmed.map((space) => `\u0000${space}`),
          ...trimmed.map((space) => `${space}\u0000${space}`),
          "\u0000",
          "a\u0000",
          "\u0000a",
          " a\u0000b ",
          // Blank to other definitions of whitespace, not to .trim(): they are titles.
          "\u200b",
          "\u180e",
          "\u0085",
          "\u001f",
          "\u2800",
        ]);
      });

      it("on every character of the Basic Multilingual Plane, alone and inside a title", () => {
        titleAgrees(wellFormedBmp);
        titleAgrees(wellFormedBmp.map((char) => ` x${char}y `));
      });

      it("on lengths, counted in code points after trimming", () => {
        const pad = trimmed.join("");
        titleAgrees([
          "x".repeat(255),
          "x".repeat(256),
          `${pad}${"x".repeat(255)}${pad}`,
          `${pad}${"x".repeat(256)}${pad}`,
          `a${" ".repeat(253)}b`,
          `a${" ".repeat(254)}b`,
          "😀".repeat(255),
          `  ${"😀".repeat(255)}  `,
          "😀".repeat(256),
          `${"😀".repeat(254)}\u0000`,
        ]);
      });

      it("on random strings of whitespace, U+0000, letters and emoji (seeded)", () => {
        const char = fc.constantFrom(...trimmed, "\u0000", "a", "é", "😀", "\u200b");
        fc.assert(
          fc.property(fc.array(char, { maxLength: 300 }), (chars) => {
            const title = chars.join("");
            expect(ajv.compile(titleSchema())(title), JSON.stringify(title)).toBe(
              TaskCreate.safeParse({ title }).success,
            );
          }),
          { seed: 11, numRuns: 2000 },
        );
      });

      it("without Unicode mode too, on titles of the Basic Multilingual Plane (validators outside JavaScript)", () => {
        const plain = new RegExp(titleSchema().pattern!);
        for (const title of [
          ...trimmed,
          ...trimmed.map((space) => `${space}a`),
          "\u0000",
          "x".repeat(255),
          "x".repeat(256),
        ]) {
          expect(plain.test(title), JSON.stringify(title)).toBe(TaskCreate.safeParse({ title }).success);
        }
      });

      it("leaves unpaired surrogates to the description: no pattern can refuse them in every dialect", () => {
        expect(ajv.compile(titleSchema())("a\ud800")).toBe(true);
        expect(TaskCreate.safeParse({ title: "a\ud800" }).success).toBe(false);
        expect(titleSchema().description).toContain("unpaired surrogates");
      });
    });

    it("on descriptions and searches: no U+0000", () => {
      const body = () => resolved.components!.schemas!.TaskCreate as OpenAPIV3_1.SchemaObject;
      agree(body, TaskCreate, [
        { title: "t", description: "a\u0000" },
        { title: "t", description: "\u0000" },
        { title: "t", description: "" },
        { title: "t", description: " \t" },
      ]);
      const q = ajv.compile(parameter("GET", "/api/{userId}/tasks", "q").schema as OpenAPIV3_1.SchemaObject);
      for (const value of ["", "milk", "a\u0000", "x".repeat(200), "x".repeat(201)]) {
        expect(q(value), JSON.stringify(value)).toBe(TaskListQuery.safeParse({ q: value }).success);
      }
    });

    it("on limit and task id, given as the numbers they spell", () => {
      const limit = () => parameter("GET", "/api/{userId}/tasks", "limit").schema as OpenAPIV3_1.SchemaObject;
      const validateLimit = ajv.compile(limit());
      for (const value of [0, 1, 7, LIST_LIMIT_MAX, LIST_LIMIT_MAX + 1]) {
        expect(validateLimit(value), `limit ${value}`).toBe(TaskListQuery.safeParse({ limit: String(value) }).success);
      }
      const taskId = ajv.compile(
        parameter("GET", "/api/{userId}/tasks/{taskId}", "taskId").schema as OpenAPIV3_1.SchemaObject,
      );
      for (const value of [0, 1, TASK_ID_MAX, TASK_ID_MAX + 1]) {
        expect(taskId(value), `taskId ${value}`).toBe(TaskId.safeParse(String(value)).success);
      }
    });
  });
});
