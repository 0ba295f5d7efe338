import { compileErrors, dereference, validate } from "@readme/openapi-parser";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenAPIV3_1 } from "openapi-types";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { openApiDocument } from "@/lib/openapi/document";
import { ERROR_CODES } from "@/lib/schemas/errors";
import { LIST_LIMIT_MAX, TASK_ID_MAX } from "@/lib/limits";
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
  "GET /api/docs/assets/{file}": [200, 404],
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
          .map((method) => [`${method.toUpperCase()} ${path}`, Object.keys(item![method]!.responses!).map(Number)]),
      ),
    );
    expect(described).toEqual(CONTRACT);
  });

  it("is built once per process", () => {
    expect(openApiDocument()).toBe(openApiDocument());
  });

  it("requires a session (bearer token or next-auth cookie) exactly on the routes under /api/{userId}", () => {
    expect(resolved.components!.securitySchemes!.bearerAuth).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    for (const key of Object.keys(CONTRACT)) {
      const [method, path] = key.split(" ") as [string, string];
      expect(operation(method, path).security ?? [], key).toEqual(
        path.startsWith("/api/{userId}") ? [{ bearerAuth: [] }, { sessionCookie: [] }] : [],
      );
    }
  });

  it("declares the headers of the contract where they apply", () => {
    const headersOf = (method: string, path: string, status: number) =>
      Object.keys((operation(method, path).responses![status] as OpenAPIV3_1.ResponseObject).headers ?? {});
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
    const fallbacks = resolved as unknown as Record<string, OpenAPIV3_1.ResponseObject>;
    expect(Object.keys(fallbacks["x-method-not-allowed"]!.headers!)).toContain("Allow");
    expect(jsonSchema(fallbacks["x-unknown-route"]!).properties!.code).toMatchObject({ enum: ["not_found"] });
  });

  it("gives each error status the codes of the contract's table, and the body of ErrorBody", () => {
    const codesOf = (status: number) =>
      (
        jsonSchema(operation("PUT", "/api/{userId}/tasks/{taskId}").responses![status] as OpenAPIV3_1.ResponseObject)
          .properties!.code as OpenAPIV3_1.SchemaObject
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
