import { z } from "zod";
import {
  createDocument,
  type oas31,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiOverrideContext,
  type ZodOpenApiResponseObject,
} from "zod-openapi";
import packageJson from "../../package.json";
import { MAX_BODY_BYTES } from "../http/request-input";
import { RETRY_AFTER_SECONDS } from "../http/errors";
import { SANE_REQUEST_ID } from "../http/request-log";
import { ErrorBody, ErrorDetail, errorCodesOf, type ErrorStatus } from "../schemas/errors";
import { HealthReport } from "../schemas/health";
import { IdempotencyKey, Task, TaskCompletion, TaskCreate, TaskId, TaskListQuery, TaskUpdate } from "../schemas/tasks";
import { REFERENCE_ASSET_NAMES, REFERENCE_ASSETS_PATH } from "./reference";

// The OpenAPI 3.1 document of the contract, generated from the zod schemas the handlers validate with.

type Reference = { $ref: string };
const responseRef = (name: string): Reference => ({ $ref: `#/components/responses/${name}` });
const headerRef = (name: string): Reference => ({ $ref: `#/components/headers/${name}` });
const parameterRef = (name: string): Reference => ({ $ref: `#/components/parameters/${name}` });
const schemaRef = (name: string): Reference => ({ $ref: `#/components/schemas/${name}` });

// Keyed by field name, which components.headers allows, so a reference names the header it describes.
const headers = {
  "X-Request-Id": {
    description:
      "The caller's `X-Request-Id` when it sent one that matches this pattern, else a new one; errors are logged with it.",
    required: true,
    schema: { type: "string", pattern: SANE_REQUEST_ID.source },
  },
  "Cache-Control": { description: "API responses are never cached.", required: true, schema: { const: "no-store" } },
  "X-Content-Type-Options": { required: true, schema: { const: "nosniff" } },
  ETag: {
    description:
      "The task's version (a strong entity tag): send it back in `If-Match` to write only if nobody changed the task since.",
    required: true,
    schema: { type: "string", pattern: '^"[\\x21\\x23-\\x7e]*"$' },
  },
  Location: {
    description: "A path on this server: the new task's (201), or the requested path written canonically (308).",
    required: true,
    schema: { type: "string", format: "uri-reference" },
  },
  Link: {
    description:
      "Present when more tasks follow: this path and query with a `cursor` for the next page. Absent on the last page. " +
      "A search (`q`) may also carry it on a page of fewer than `limit` tasks, even none, when it stopped at its bound " +
      "before reaching the end of the user's tasks: follow it to go on.",
    required: false,
    schema: { type: "string", pattern: '^<[^>]+>; rel="next"$' },
  },
  "Retry-After": {
    description: "Seconds to wait before trying again.",
    required: true,
    schema: { type: "integer", minimum: 0, examples: [RETRY_AFTER_SECONDS] },
  },
  "WWW-Authenticate": {
    description: '`Bearer`, or `Bearer error="invalid_token"` when a token was sent and did not verify.',
    required: true,
    schema: { type: "string", pattern: "^Bearer" },
  },
  Allow: {
    description: "The methods this path serves; HEAD wherever GET.",
    required: true,
    schema: { type: "string", pattern: "^[A-Z]+(, [A-Z]+)*$" },
  },
} satisfies Record<string, oas31.HeaderObject>;
type HeaderName = keyof typeof headers;

/** The headers every response carries, and these. */
const responseHeaders = (...extra: HeaderName[]) =>
  Object.fromEntries(
    (["X-Request-Id", "Cache-Control", "X-Content-Type-Options", ...extra] as const).map((name) => [
      name,
      headerRef(name),
    ]),
  );

const ERROR_RESPONSES: Record<ErrorStatus, { name: string; description: string; headers?: HeaderName[] }> = {
  400: {
    name: "BadRequest",
    description:
      "`invalid_json`: the body is not JSON, or is missing where one is required. `validation_error`: a field, the " +
      "task id or a query value breaks the rules, a query parameter is given twice, the body has a field the API does " +
      "not accept, or a path segment is not valid percent-encoding; `details` names each.",
  },
  401: {
    name: "Unauthenticated",
    description: "No token, or one that is malformed, expired, badly signed or not HS256.",
    headers: ["WWW-Authenticate"],
  },
  403: { name: "Forbidden", description: "The path's user is not the token's user." },
  404: {
    name: "NotFound",
    description:
      "No such task for this user (another user's task is answered the same way), or no such route: a path under " +
      "`/api` that this document does not list, or one with a `.` or `..` segment.",
  },
  405: {
    name: "MethodNotAllowed",
    description: "The path does not serve this method; `Allow` lists the ones it does.",
    headers: ["Allow"],
  },
  412: {
    name: "PreconditionFailed",
    description: "`If-Match` does not match the task's current `ETag`; nothing changed.",
  },
  413: { name: "PayloadTooLarge", description: `The body is over ${MAX_BODY_BYTES} bytes.` },
  415: { name: "UnsupportedMediaType", description: "The body's `Content-Type` is not `application/json`." },
  422: {
    name: "IdempotencyKeyReused",
    description: "`idempotency_key_reused`: this user already sent this `Idempotency-Key` with a different body.",
  },
  500: { name: "InternalError", description: "Something unexpected; it is logged with the request id." },
  503: {
    name: "ServiceUnavailable",
    description:
      "The database is unreachable or too busy to answer in time, or its schema is behind the app's migrations (the " +
      "message says to run `npm run db:migrate`). Answered within 5 seconds, so the caller can retry. To a write " +
      "(POST, PUT, PATCH, DELETE) it means nothing was written, unless `details` is " +
      '`[{"path": "outcome", "message": "unknown"}]`: the database stopped answering after the write was sent, so it ' +
      "may have been applied. Read before retrying such a write, or retry a create with the same `Idempotency-Key`.",
    headers: ["Retry-After"],
  },
};

/** An ErrorBody whose `code` is one this status carries: every error is an ErrorBody, and tools see that it is. */
const errorResponse = (status: ErrorStatus): ZodOpenApiResponseObject => ({
  description: ERROR_RESPONSES[status].description,
  headers: responseHeaders(...(ERROR_RESPONSES[status].headers ?? [])),
  content: {
    "application/json": {
      schema: {
        allOf: [
          schemaRef("ErrorBody"),
          { type: "object", required: ["code"], properties: { code: { type: "string", enum: errorCodesOf(status) } } },
        ],
      },
    },
  },
});

const errorResponses = (...statuses: ErrorStatus[]) =>
  Object.fromEntries(statuses.map((status) => [status, responseRef(ERROR_RESPONSES[status].name)]));

const json = (schema: z.ZodType) => ({ "application/json": { schema } });

const UserPath = z.object({
  userId: z
    .string()
    .meta({ description: "The user's id: the `sub` of the bearer token. A user reaches only their own path." }),
});
const TaskPath = UserPath.extend({ taskId: TaskId });

/** Operations under /api/{userId}: the token is checked first (401), then the path's user (403). */
function userOperation(operation: ZodOpenApiOperationObject, ...statuses: ErrorStatus[]): ZodOpenApiOperationObject {
  return {
    tags: ["tasks"],
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    ...operation,
    parameters: [parameterRef("RequestId"), ...(operation.parameters ?? [])],
    responses: { ...operation.responses, ...errorResponses(400, 401, 403, ...statuses, 500, 503) },
  };
}

const singleTask = (description: string, ...extraHeaders: HeaderName[]): ZodOpenApiResponseObject => ({
  description,
  headers: responseHeaders("ETag", ...extraHeaders),
  content: json(Task),
});

const conditionalWrite = [parameterRef("IfMatch")];

const paths: ZodOpenApiObject["paths"] = {
  "/api/{userId}/tasks": {
    get: userOperation({
      operationId: "listTasks",
      summary: "List the user's tasks",
      description:
        "One page, in the order asked for; follow `Link` for the next. Each parameter below may be given once: a " +
        "second value is a 400. Parameters not listed are ignored. A search (`q`) examines a bounded number of the " +
        "user's tasks per request, so that one search cannot hold up other requests: a page may then hold fewer than " +
        "`limit` tasks, or none, and still carry a `Link`; following it to the end finds every match once, in order.",
      requestParams: { path: UserPath, query: TaskListQuery },
      responses: {
        200: { description: "A page of tasks.", headers: responseHeaders("Link"), content: json(z.array(Task)) },
      },
    }),
    post: userOperation(
      {
        operationId: "createTask",
        summary: "Create a task",
        requestParams: { path: UserPath, header: z.object({ "Idempotency-Key": IdempotencyKey }) },
        requestBody: { required: true, content: json(TaskCreate) },
        responses: {
          201: singleTask(
            "The task as stored; or, for a repeat with the same `Idempotency-Key`, as first answered.",
            "Location",
          ),
        },
      },
      413,
      415,
      422,
    ),
  },
  "/api/{userId}/tasks/{taskId}": {
    get: userOperation(
      {
        operationId: "getTask",
        summary: "Read a task",
        requestParams: { path: TaskPath },
        responses: { 200: singleTask("The task.") },
      },
      404,
    ),
    put: userOperation(
      {
        operationId: "updateTask",
        summary: "Change some of a task's fields",
        requestParams: { path: TaskPath },
        parameters: conditionalWrite,
        requestBody: { required: true, content: json(TaskUpdate) },
        responses: { 200: singleTask("The task as stored.") },
      },
      404,
      412,
      413,
      415,
    ),
    delete: userOperation(
      {
        operationId: "deleteTask",
        summary: "Delete a task",
        requestParams: { path: TaskPath },
        parameters: conditionalWrite,
        responses: { 204: { description: "Deleted.", headers: responseHeaders() } },
      },
      404,
      412,
    ),
  },
  "/api/{userId}/tasks/{taskId}/complete": {
    patch: userOperation(
      {
        operationId: "setTaskCompletion",
        summary: "Toggle or set a task's completion",
        requestParams: { path: TaskPath },
        parameters: conditionalWrite,
        requestBody: { required: false, content: json(TaskCompletion) },
        responses: { 200: singleTask("The task as stored.") },
      },
      404,
      412,
      413,
      415,
    ),
  },
  "/api/health": {
    get: {
      tags: ["service"],
      operationId: "getHealth",
      security: [],
      summary: "Check the service and its database",
      parameters: [parameterRef("RequestId")],
      responses: {
        200: { description: "Up, and the database answers.", headers: responseHeaders(), content: json(HealthReport) },
        503: {
          description:
            "The database is unreachable (`database: unreachable`), or answers without every migration applied " +
            "(`database: not_migrated`: run `npm run db:migrate`).",
          headers: responseHeaders("Retry-After"),
          content: json(HealthReport),
        },
      },
    },
  },
  "/api/openapi.json": {
    get: {
      tags: ["service"],
      operationId: "getOpenApiDocument",
      security: [],
      summary: "This document",
      parameters: [parameterRef("RequestId")],
      responses: {
        200: {
          description: "The OpenAPI 3.1 document of this API.",
          headers: responseHeaders(),
          content: { "application/json": { schema: schemaRef("OpenApiDocument") } },
        },
      },
    },
  },
  "/api/docs": {
    get: {
      tags: ["service"],
      operationId: "getApiReference",
      security: [],
      summary: "This page: the interactive reference",
      parameters: [parameterRef("RequestId")],
      responses: {
        200: {
          description: "An HTML page rendered from this document; it loads scripts and styles from this server only.",
          headers: responseHeaders(),
          content: { "text/html": { schema: { type: "string" } } },
        },
      },
    },
  },
  [`${REFERENCE_ASSETS_PATH}/{file}`]: {
    get: {
      tags: ["service"],
      operationId: "getApiReferenceAsset",
      security: [],
      summary: "A script or style of the interactive reference",
      requestParams: { path: z.object({ file: z.enum(REFERENCE_ASSET_NAMES) }) },
      parameters: [parameterRef("RequestId")],
      responses: {
        200: {
          description: "The file.",
          headers: responseHeaders(),
          content: { "text/css": { schema: { type: "string" } }, "text/javascript": { schema: { type: "string" } } },
        },
        // The file's name can be a segment that is not valid percent-encoding.
        ...errorResponses(400, 404),
      },
    },
  },
};

/**
 * The shape of an OpenAPI 3.1 document's root (https://spec.openapis.org/oas/v3.1.1#openapi-object), as the response
 * schema of /api/openapi.json: the fields this document uses, with what the specification requires of them. Only the
 * root: the OpenAPI specification's own schema, which a validator fetches from the web, checks the rest.
 */
const OPENAPI_DOCUMENT_SCHEMA = {
  type: "object",
  description: "An OpenAPI 3.1 document: this one.",
  required: ["openapi", "info", "paths"],
  properties: {
    openapi: { type: "string", pattern: "^3\\.1\\.\\d+$" },
    info: {
      type: "object",
      required: ["title", "version"],
      properties: { title: { type: "string" }, version: { type: "string" }, description: { type: "string" } },
    },
    servers: {
      type: "array",
      items: { type: "object", required: ["url"], properties: { url: { type: "string" } } },
    },
    // `additionalProperties: true` is JSON Schema's default; said aloud, generated types read "any fields", not "none".
    paths: {
      type: "object",
      propertyNames: { pattern: "^/" },
      additionalProperties: { type: "object", additionalProperties: true },
    },
    components: { type: "object", additionalProperties: true },
    security: {
      type: "array",
      items: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
    },
    tags: {
      type: "array",
      items: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
    },
  },
  patternProperties: { "^x-": {} },
  additionalProperties: false,
} as oas31.SchemaObject; // patternProperties is JSON Schema's, which oas31's type leaves out

/**
 * The answer to a path with an empty segment, a backslash or a trailing slash, whatever the method: no operation has
 * it, as no path listed here is written so.
 */
const CANONICAL_PATH_REDIRECT: ZodOpenApiResponseObject = {
  description:
    "The path has an empty segment (`//`), a backslash or a trailing slash: `Location` is the same path with " +
    "backslashes as slashes and without empty segments or a trailing slash, with the same query. No body.",
  headers: responseHeaders("Location"),
};

const DESCRIPTION = `
The backend of a todo app: every user manages their own tasks.

**Authentication.** Every \`/api/{userId}/…\` request needs \`Authorization: Bearer <JWT>\`, an HS256 JWS whose \`sub\` is
that user id and which carries \`exp\`. \`npm run token -- alice\` signs one with the server's \`AUTH_SECRET\`. Checks run
in this order: the token (401), the path's user (403), ids and input (400), the task (404).

**Errors** always have the \`ErrorBody\` shape, and each \`code\` comes with one status.

**Every response** carries \`Cache-Control: no-store\`, \`X-Content-Type-Options: nosniff\` and an \`X-Request-Id\`.
\`HEAD\` is answered wherever \`GET\` is, with the same status and headers and no body.

**Requests no operation describes** get one of the responses in \`components/responses\`. Under \`/api\`, whatever the
method, in this order: a path segment that is not valid percent-encoding is a 400 (\`BadRequest\`); a path with a \`.\`
or \`..\` segment is a 404 (\`NotFound\`); a path with an empty segment, a backslash or a trailing slash is a 308 to
the same path without them (\`CanonicalPathRedirect\`); a path this document does not list is a 404 (\`NotFound\`); and a method that a listed
path does not serve (\`OPTIONS\`, \`TRACE\`, \`PROPFIND\`, \`QUERY\`, …) is a 405 whose \`Allow\` lists the path's
methods (\`MethodNotAllowed\`).
`.trim();

function buildOpenApiDocument() {
  return createDocument(
    {
      openapi: "3.1.0",
      info: { title: "Tasks API", version: packageJson.version, description: DESCRIPTION },
      // Relative: the paths below are on the host that serves this document, wherever it is deployed.
      servers: [{ url: "/", description: "The host that serves this document" }],
      tags: [
        { name: "tasks", description: "A user's tasks: only that user's token reaches them." },
        { name: "service", description: "Health, and this API's own description." },
      ],
      paths,
      components: {
        schemas: {
          Task,
          TaskCreate,
          TaskUpdate,
          TaskCompletion,
          ErrorBody,
          ErrorDetail,
          HealthReport,
          OpenApiDocument: OPENAPI_DOCUMENT_SCHEMA,
        },
        responses: {
          ...Object.fromEntries(
            Object.entries(ERROR_RESPONSES).map(([status, { name }]) => [
              name,
              errorResponse(Number(status) as ErrorStatus),
            ]),
          ),
          CanonicalPathRedirect: CANONICAL_PATH_REDIRECT,
        },
        headers,
        parameters: {
          RequestId: {
            in: "header",
            name: "X-Request-Id",
            required: false,
            description:
              "Any value: echoed in the response when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`; any other value is " +
              "replaced by a new id, not refused.",
            schema: { type: "string" },
          },
          IfMatch: {
            in: "header",
            name: "If-Match",
            required: false,
            description:
              "ETags of the versions this write may replace: the write happens only if the task is still at one of " +
              "them, else 412. Without it, or with `*`, the write is unconditional.",
            schema: { type: "string" },
          },
        },
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description:
              "A JWS signed HS256 with `AUTH_SECRET`, or EdDSA/ES256/RS256 with a key from `AUTH_JWKS_URL`: " +
              "`sub` is the user id; `exp` is required; `iss`/`aud` are checked when configured.",
          },
          sessionCookie: {
            type: "apiKey",
            in: "cookie",
            name: "next-auth.session-token",
            description:
              "The session a browser gets by signing in at /api/auth/signin (`__Secure-next-auth.session-token` over " +
              "https): the same JWS format as the bearer token. A request with a bearer token is judged by it alone.",
          },
        },
      },
      // Paths that another component answers in its own protocol; this document does not describe them.
      "x-delegated-paths": {
        "/api/auth/":
          "next-auth: sign-in, callback, CSRF token, session and sign-out, in next-auth's own formats " +
          "(https://next-auth.js.org/getting-started/rest-api).",
      },
    },
    { override: describeTextAsNumber },
  );
}

/**
 * Query and path values arrive as text, and their schemas retype themselves as the integer they must spell
 * (`.meta({ type: "integer" })`): the string's pattern then means nothing, and the default zod leaves out of an input
 * (it is an output value, the number) is the one the client means.
 */
function describeTextAsNumber({ jsonSchema, zodSchema }: ZodOpenApiOverrideContext): void {
  if (jsonSchema.type === "integer") delete jsonSchema.pattern;
  const def = zodSchema._zod.def;
  if (def.type === "default" && jsonSchema.default === undefined) jsonSchema.default = def.defaultValue;
}

let built: ReturnType<typeof buildOpenApiDocument> | undefined;

/** The document, built on first use and kept for the life of the process. */
export function openApiDocument() {
  built ??= buildOpenApiDocument();
  return built;
}
