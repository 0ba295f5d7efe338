import http from "node:http";
import fc from "fast-check";
import type { OpenAPIV3_1 } from "openapi-types";
import { signSessionToken } from "../../lib/auth/tokens";
import type { Exchange, Operation } from "../support/contract";
import { expect, newActor, tasksUrl, test, type Actor } from "./fixtures";
import { InputOracle, strongTagsOf, type SentRequest } from "./support/fuzz-oracle";

// A property-based fuzz test of the running server (`next start`, as Playwright runs it), driven by the OpenAPI
// document it serves. Each run sends one request to one of the document's operations, or one that no operation
// describes, made of valid and mutated parts: path ids, query values (repeated too), If-Match of every shape,
// Content-Type, Authorization, Idempotency-Key, X-Request-Id, and bodies generated from the document's schemas and
// then broken (U+0000, unpaired surrogates, whitespace titles, huge and deeply nested values, wrong types, unknown
// fields, bytes that are not JSON or not UTF-8). It is sent with node:http, which sends any method and target as
// given. Then, for every response:
//   - no 5xx but a documented 503, and the response is one the document describes (the contract checker);
//   - input the document refuses is refused (400, 413, 415), and input it accepts is not;
//   - a refused request changes nothing of the owner's or anyone's tasks; an accepted one changes its own task only;
//   - If-Match is honoured as the document says; Idempotency-Key repeats answer the first task or a 422;
//   - a sane X-Request-Id is echoed, any other is replaced.
// FUZZ_SEED replays a run (a failure prints it, with the shrunk request); FUZZ_RUNS sets how many requests.

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Each operation some dozens of times: 300 took 8 to 25 s on this 2-core machine under other builds (timeout 180 s). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const WHITESPACE = [
  "\t",
  "\n",
  "\u000b",
  "\f",
  "\r",
  " ",
  "\u00a0",
  "\u1680",
  "\u2003",
  "\u2028",
  "\u2029",
  "\u3000",
  "\ufeff",
];
const METHODS = http.METHODS.filter((method) => method !== "CONNECT");

// ---- What to send: plain data, so that fast-check can print and shrink it ----

type TaskRef =
  | { kind: "own"; index: number }
  | { kind: "other's" }
  | { kind: "missing"; id: number }
  | { kind: "text"; text: string };
type IfMatch =
  | { kind: "current" | "weak current" | "stale and current" | "current, empty elements" | "*" }
  | { kind: "text"; text: string };
type Auth = "owner" | "none" | "other user" | "expired" | "lower-case scheme" | "alg none" | "garbage";
type PathMutation =
  "none" | "malformed escape" | "dot segment" | "double slash" | "backslash" | "trailing slash" | "unknown tail";

interface Spec {
  operation: number;
  /** A method other than the operation's, for the 405s and the guard's answers. */
  otherMethod?: string;
  user: "owner" | "other" | { text: string };
  task: TaskRef;
  file: string;
  pathMutation: PathMutation;
  query: [string, string][];
  auth: Auth;
  ifMatch?: IfMatch;
  idempotencyKey?: string;
  requestId?: string;
  contentType?: string;
  body?: { json: unknown } | { bytes: readonly number[] } | { huge: number };
}

/** Strings of every kind; `long` ones only where they go in a body (a URL of 16 KiB is Node.js's own 431). */
const codePointString = (maxLength: number, long = true) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: "grapheme", maxLength }),
    fc.string({ unit: "binary", maxLength }), // unpaired surrogates included
    fc.constantFrom(...WHITESPACE).map((space) => space.repeat(3)),
    fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udc00", "😀".repeat(255)),
    long ? fc.constantFrom("😀".repeat(256), "x".repeat(256), "é".repeat(5001)) : fc.constant("x".repeat(300)),
  );

/** Values for a JSON Schema, mostly valid, from the document (the subset its request bodies use). */
function valueFor(schema: OpenAPIV3_1.SchemaObject): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((branch) => valueFor(branch as OpenAPIV3_1.SchemaObject)));
  switch (schema.type) {
    case "object": {
      const properties = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, field]) => [
          name,
          valueFor(field as OpenAPIV3_1.SchemaObject),
        ]),
      );
      return fc.record(properties, { requiredKeys: schema.required ?? [] });
    }
    case "string":
      return fc.oneof(
        { weight: 3, arbitrary: schema.pattern ? fc.stringMatching(new RegExp(schema.pattern, "u")) : fc.string() },
        { weight: 1, arbitrary: codePointString(300) },
      );
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    default:
      return fc.jsonValue();
  }
}

const nested = (depth: number): unknown => {
  let value: unknown = "deep";
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
  return value;
};

/** A body: from the operation's schema, then perhaps broken. */
function bodyFor(operation: Operation): fc.Arbitrary<Spec["body"]> {
  const schema = (operation.operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content[
    "application/json"
  ]?.schema;
  const valid = schema ? valueFor(schema) : fc.constant({});
  const broken = fc.oneof(
    fc.tuple(valid, fc.string(), fc.jsonValue()).map(([value, key, field]) => ({ ...(value as object), [key]: field })),
    fc
      .tuple(valid, fc.constantFrom("title", "description", "completed"), fc.jsonValue())
      .map(([value, key, field]) => ({
        ...(value as object),
        [key]: field,
      })),
    fc.tuple(valid, fc.constantFrom("title", "description"), codePointString(300)).map(([value, key, field]) => ({
      ...(value as object),
      [key]: field,
    })),
    fc
      .tuple(fc.constantFrom("title", "completed", "__proto__"), fc.integer({ min: 1, max: 4000 }))
      .map(([key, depth]) => ({
        [key]: nested(depth),
      })),
    fc.jsonValue({ maxDepth: 4 }),
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: valid.map((json) => ({ json })) },
    { weight: 4, arbitrary: broken.map((json) => ({ json })) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            [0x7b], // {
            [0xff, 0xfe, 0x7b, 0x7d], // not UTF-8
            [0xef, 0xbb, 0xbf, 0x7b, 0x7d], // a byte order mark, then {}
            [...Buffer.from('{"title":"a"} trailing')],
            [...Buffer.from('{"title":"a","title":"   "}')],
            [...Buffer.from('{"title":"\\ud83d"}')],
          ),
          fc.uint8Array({ maxLength: 64 }).map((bytes) => [...bytes]),
        )
        .map((bytes) => ({ bytes })),
    },
    { weight: 1, arbitrary: fc.constantFrom(65_536, 65_537, 200_000).map((huge) => ({ huge })) },
  );
}

const latin1Text = (maxLength: number) =>
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c < 0x7f || c > 0x9f)
      .map((c) => String.fromCharCode(c)),
    maxLength,
  });

function specFor(operations: Operation[]): fc.Arbitrary<Spec> {
  return fc.integer({ min: 0, max: operations.length - 1 }).chain((index) => {
    const operation = operations[index]!;
    const writes = ["PUT", "DELETE", "PATCH"].includes(operation.method);
    const listQuery = ((operation.operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[])
      .filter((parameter) => parameter.in === "query")
      .map((parameter) => parameter.name);
    const queryValue = fc.oneof(
      fc.constantFrom(
        "all",
        "pending",
        "completed",
        "created_at",
        "updated_at",
        "title",
        "asc",
        "desc",
        "1",
        "100",
        "7",
      ),
      fc.constantFrom("", "0", "101", "01", "-1", "1.5", "1e2", " 5", "ALL", "\u0000", "x".repeat(201), "%", "+"),
      codePointString(40, false),
    );
    return fc.record<Spec>(
      {
        operation: fc.constant(index),
        otherMethod: fc.oneof(
          { weight: 6, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
        ),
        user: fc.oneof(
          { weight: 12, arbitrary: fc.constant("owner" as const) },
          { weight: 1, arbitrary: fc.constant("other" as const) },
          { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }).map((text) => ({ text })) },
        ),
        task: fc.oneof(
          { weight: 6, arbitrary: fc.nat(50).map((i) => ({ kind: "own" as const, index: i })) },
          { weight: 1, arbitrary: fc.constant({ kind: "other's" as const }) },
          {
            weight: 1,
            arbitrary: fc
              .integer({ min: 1_000_000_000, max: 2_147_483_647 })
              .map((id) => ({ kind: "missing" as const, id })),
          },
          {
            weight: 2,
            arbitrary: fc
              .oneof(
                fc.constantFrom(
                  "0",
                  "-1",
                  "1.5",
                  "abc",
                  "99999999999",
                  "2147483648",
                  "01",
                  "+1",
                  "1e3",
                  " 1",
                  "%31",
                  "0x1",
                ),
                fc.string({ minLength: 1, maxLength: 12 }),
              )
              .map((text) => ({ kind: "text" as const, text })),
          },
        ),
        file: fc.constantFrom(
          "swagger-ui.css",
          "swagger-ui-bundle.js",
          "reference.js",
          "nothing.js",
          "..%2f.env",
          "%2e%2e",
        ),
        pathMutation: fc.oneof(
          { weight: 14, arbitrary: fc.constant("none" as const) },
          {
            weight: 1,
            arbitrary: fc.constantFrom<PathMutation>(
              "malformed escape",
              "dot segment",
              "double slash",
              "backslash",
              "trailing slash",
              "unknown tail",
            ),
          },
        ),
        query: fc.array(
          fc.tuple(
            listQuery.length > 0 && operation.method === "GET"
              ? fc.oneof(
                  { weight: 4, arbitrary: fc.constantFrom(...listQuery) },
                  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
                )
              : fc.string({ maxLength: 8 }),
            queryValue,
          ),
          { maxLength: 4 },
        ),
        auth: fc.oneof(
          { weight: 10, arbitrary: fc.constant("owner" as const) },
          {
            weight: 2,
            arbitrary: fc.constantFrom<Auth>(
              "none",
              "other user",
              "expired",
              "lower-case scheme",
              "alg none",
              "garbage",
            ),
          },
        ),
        ifMatch: writes
          ? fc.option(
              fc.oneof(
                fc.constantFrom<IfMatch>(
                  { kind: "current" },
                  { kind: "weak current" },
                  { kind: "stale and current" },
                  { kind: "current, empty elements" },
                  { kind: "*" },
                ),
                fc
                  .oneof(
                    fc.constantFrom(
                      '"0"',
                      '"2htner8qo0"',
                      '"zzzzzzzzzzzzzzzzzzzz"',
                      "W/",
                      '"',
                      '""',
                      "* ",
                      "abc",
                      ",",
                      `"${"z".repeat(500)}"`,
                    ),
                    latin1Text(30),
                  )
                  .map((text) => ({ kind: "text" as const, text })),
              ),
              { nil: undefined, freq: 3 },
            )
          : fc.constant(undefined),
        idempotencyKey:
          operation.method === "POST"
            ? fc.option(
                fc.oneof(
                  fc.constantFrom("key-1", "key-2", "key-3"),
                  fc.string({
                    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
                    minLength: 1,
                    maxLength: 255,
                  }),
                  fc.constantFrom("", "a b", "x".repeat(256), "caf\u00e9"),
                ),
                { nil: undefined, freq: 2 },
              )
            : fc.constant(undefined),
        requestId: fc.option(fc.oneof(fc.constantFrom("fuzz-1", "a.b:c_d-e"), latin1Text(140)), {
          nil: undefined,
          freq: 3,
        }),
        contentType: fc.oneof(
          { weight: 10, arbitrary: fc.constant("application/json") },
          {
            weight: 3,
            arbitrary: fc.constantFrom(
              "application/json; charset=utf-8",
              'APPLICATION/JSON; charset="UTF-8"',
              "application/json; charset=latin1",
              "application/merge-patch+json",
              "text/plain",
              "application/x-www-form-urlencoded",
              "",
            ),
          },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        body: bodyFor(operation),
      },
      { requiredKeys: ["operation", "user", "task", "file", "pathMutation", "query", "auth", "contentType"] },
    );
  });
}

// ---- Sending it ----

interface World {
  owner: Actor;
  other: Actor;
  otherTaskId: number;
  tokens: Record<Exclude<Auth, "owner" | "none" | "other user">, string>;
  ownTasks: Task[];
}
type Task = { id: number; updated_at: string } & Record<string, unknown>;

/** Percent-encodes the UTF-8 of a string, as a client would (an unpaired surrogate becomes U+FFFD on the way). */
const encode = (text: string) =>
  [...Buffer.from(text, "utf8")]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");

function pathOf(spec: Spec, operation: Operation, world: World): { path: string; values: Record<string, string> } {
  const values: Record<string, string> = {};
  const user = spec.user === "owner" ? world.owner.id : spec.user === "other" ? world.other.id : spec.user.text;
  const task = spec.task;
  const taskText =
    task.kind === "own"
      ? String(world.ownTasks[task.index % Math.max(world.ownTasks.length, 1)]?.id ?? 1)
      : task.kind === "other's"
        ? String(world.otherTaskId)
        : task.kind === "missing"
          ? String(task.id)
          : encode(task.text).replace(/%25/g, "%"); // raw text: the generator's escapes stay escapes
  const path = operation.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const raw = name === "userId" ? encode(user) : name === "taskId" ? taskText : spec.file;
    values[name] = safeDecode(raw) ?? raw;
    return raw;
  });
  const segments = path.split("/");
  const at = 2 + (path.length % Math.max(segments.length - 2, 1));
  switch (spec.pathMutation) {
    case "malformed escape":
      return { path: [...segments.slice(0, at), "%E2%82", ...segments.slice(at + 1)].join("/"), values };
    case "dot segment":
      return { path: [...segments.slice(0, at), "..", ...segments.slice(at)].join("/"), values };
    case "double slash":
      return { path: [...segments.slice(0, at), "", ...segments.slice(at)].join("/"), values };
    case "backslash":
      return { path: `${segments.slice(0, at).join("/")}\\${segments.slice(at).join("/")}`, values };
    case "trailing slash":
      return { path: `${path}/`, values };
    case "unknown tail":
      return { path: `${path}/nothing`, values };
    default:
      return { path, values };
  }
}

/** The decoded segment, or null when it is not valid percent-encoding. */
function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Sends a request with node:http, which sends any method and target as given. A large body waits for the server's
 * `100 Continue`: a server that answers without reading a body may close a connection that still has unread bytes
 * coming, and the reset can lose its answer on the way back.
 */
async function send(baseURL: string, request: SentRequest): Promise<Exchange> {
  const { hostname, port } = new URL(baseURL);
  const waitForContinue = (request.body?.length ?? 0) > 16_384;
  if (waitForContinue) request.headers.expect = "100-continue";
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: hostname, port, method: request.method, path: request.target, headers: request.headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          outgoing.destroy();
          resolve({
            method: request.method,
            url: `${baseURL}${request.target}`,
            status: response.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, String(value)])),
            body: Buffer.concat(chunks),
          });
        });
        response.on("error", reject);
      },
    );
    outgoing.setTimeout(20_000, () => outgoing.destroy(new Error("no answer in 20 s")));
    // A body over the limit may be refused before it is all sent; the answer is what counts.
    outgoing.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error),
    );
    if (waitForContinue) outgoing.on("continue", () => outgoing.end(request.body));
    else outgoing.end(request.body);
  });
}

// ---- The property ----

test("the server answers every generated request as its OpenAPI document says (fast-check)", async ({
  baseURL,
  contract,
  checkContract,
  request,
  alice,
  bob,
}) => {
  test.setTimeout(180_000);
  const served = (await (await request.get("/api/openapi.json")).json()) as OpenAPIV3_1.Document;
  const oracle = new InputOracle(served);
  const operations = contract.operations();
  const create = async (actor: Actor, title: string) =>
    (await (await request.post(tasksUrl(actor.id), { headers: actor.auth, data: { title } })).json()) as Task;
  const tasksOf = async (actor: Actor) => {
    const response = await request.get(`${tasksUrl(actor.id)}?limit=100`, { headers: actor.auth });
    expect(response.status()).toBe(200);
    return ((await response.json()) as Task[]).sort((a, b) => a.id - b.id);
  };
  const otherTask = await create(bob, "bob's");
  let otherTasks = await tasksOf(bob);
  const stranger = await newActor("stranger");
  const world: World = {
    owner: alice,
    other: bob,
    otherTaskId: otherTask.id,
    ownTasks: [],
    tokens: {
      expired: await signSessionToken({ id: alice.id }, { expiresInSeconds: -60 }),
      "lower-case scheme": alice.auth.authorization!.replace(/^Bearer /, "bearer "),
      "alg none": `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: alice.id, exp: 4e9 })).toString("base64url")}.`,
      garbage: stranger.auth.authorization!.slice(0, -3) + "AAA",
    },
  };
  for (const title of ["first", "second", "third"]) await create(alice, title);
  world.ownTasks = await tasksOf(alice);
  const idempotencyKeys = new Map<string, { fields: string; taskId: number }>();
  /** How often each method, operation and status came, printed at the end: what the runs exercised. */
  const tally = new Map<string, number>();
  // The last request that failed: after shrinking, the smallest one.
  let failed: { request: SentRequest; exchange?: Exchange } | undefined;

  const property = fc.asyncProperty(specFor(operations), async (spec) => {
    // Keep the owner's tasks few, and some there.
    if (world.ownTasks.length < 2) {
      await create(alice, "refill");
      world.ownTasks = await tasksOf(alice);
    }
    const operation = operations[spec.operation]!;
    const { path, values } = pathOf(spec, operation, world);
    const query = spec.query.map(([name, value]) => `${encode(name)}=${encode(value)}`).join("&");
    const method = spec.otherMethod ?? operation.method;
    const target = `${path}${query ? `?${query}` : ""}`;

    const targetTask = spec.task.kind === "own" ? world.ownTasks[spec.task.index % world.ownTasks.length] : undefined;
    const currentTag = targetTask
      ? (await request.get(`${tasksUrl(alice.id)}/${targetTask.id}`, { headers: alice.auth })).headers().etag
      : undefined;
    const headers: Record<string, string> = {};
    const authorization: string | undefined =
      spec.auth === "owner"
        ? alice.auth.authorization
        : spec.auth === "other user"
          ? bob.auth.authorization
          : spec.auth === "none"
            ? undefined
            : spec.auth === "lower-case scheme"
              ? world.tokens[spec.auth]
              : `Bearer ${world.tokens[spec.auth]}`;
    if (authorization) headers.authorization = authorization;
    if (spec.ifMatch) {
      const tag = currentTag ?? '"0"';
      headers["if-match"] = {
        current: tag,
        "weak current": `W/${tag}`,
        "stale and current": `"0", ${tag}`,
        "current, empty elements": `, ${tag} ,,`,
        "*": "*",
        text: spec.ifMatch.kind === "text" ? spec.ifMatch.text : "",
      }[spec.ifMatch.kind];
    }
    if (spec.idempotencyKey !== undefined) headers["idempotency-key"] = spec.idempotencyKey;
    if (spec.requestId !== undefined) headers["x-request-id"] = spec.requestId;
    let body: Buffer | undefined;
    if (spec.body && "json" in spec.body) body = Buffer.from(JSON.stringify(spec.body.json) ?? "null");
    if (spec.body && "bytes" in spec.body) body = Buffer.from(spec.body.bytes);
    if (spec.body && "huge" in spec.body) body = Buffer.from(JSON.stringify({ title: "x".repeat(spec.body.huge) }));
    if (body && spec.contentType !== undefined) headers["content-type"] = spec.contentType;
    if (body) headers["content-length"] = String(body.length);
    // As Node.js delivers header values to the server: without surrounding whitespace.
    for (const [name, value] of Object.entries(headers)) headers[name] = value.trim();
    const sent: SentRequest = { method, target, headers, body };
    const attempt: { request: SentRequest; exchange?: Exchange } = { request: sent };
    try {
      await check(spec, operation, values, sent, currentTag, attempt);
    } catch (error) {
      failed = attempt;
      throw error;
    }
  });

  async function check(
    spec: Spec,
    operation: Operation,
    values: Record<string, string>,
    sent: SentRequest,
    currentTag: string | undefined,
    attempt: { exchange?: Exchange },
  ) {
    const { method, headers, body } = sent;
    const targetTask = spec.task.kind === "own" ? world.ownTasks[spec.task.index % world.ownTasks.length] : undefined;
    const ownBefore = world.ownTasks;
    const exchange = await send(baseURL!, sent);
    attempt.exchange = exchange;
    const status = exchange.status;
    const outcome = `${method} ${operation.template} ${status}`;
    tally.set(outcome, (tally.get(outcome) ?? 0) + 1);

    expect(status < 500 || status === 503, "a server error").toBe(true);
    checkContract(exchange);
    const echoed = exchange.headers["x-request-id"];
    if (spec.requestId !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(headers["x-request-id"]!)) {
      expect(echoed, "a sane X-Request-Id is echoed").toBe(headers["x-request-id"]);
    } else {
      expect(echoed, "any other X-Request-Id is replaced").not.toBe(headers["x-request-id"]);
    }

    const ownAfter = await tasksOf(alice);
    world.ownTasks = ownAfter;
    const secured = (operation.operation.security ?? []).length > 0;
    const actor = { owner: alice, "lower-case scheme": alice, "other user": bob }[spec.auth as string];
    // The other user acting on their own path may change their own tasks: that user's baseline moves.
    const otherActsOnOwn = secured && actor === bob && values.userId === bob.id;
    if (otherActsOnOwn) otherTasks = await tasksOf(bob);
    else expect(await tasksOf(bob), "another user's tasks never change").toEqual(otherTasks);
    if (status >= 300) expect(ownAfter, "a refused request changes nothing").toEqual(ownBefore);

    // Requests that reach the operation: what the document says of their input, identity and preconditions. A path
    // the document's description gives to a fallback (bad escape, dot or empty segment) does not.
    const rawSegments = exchange.url
      .replace(/^[a-z]+:\/\/[^/]+/, "")
      .split("?")[0]!
      .split(/[/\\]/)
      .slice(1);
    const reachesOperation =
      spec.pathMutation === "none" &&
      (spec.otherMethod === undefined || spec.otherMethod === operation.method) &&
      rawSegments.every(
        (segment) => segment !== "" && safeDecode(segment) !== null && !/^(\.|%2e){1,2}$/i.test(segment),
      );
    if (!reachesOperation || otherActsOnOwn) return;
    if (secured && !actor) {
      expect(status, "no valid token").toBe(401);
      return;
    }
    if (secured && actor!.id !== values.userId) {
      expect(status, "a path of another user").toBe(403);
      return;
    }
    const refusal = oracle.refusal(operation, values, sent);
    if (refusal) {
      // A path value that names nothing may be a 404 (an asset's file name); the contract makes a bad task id a 400.
      const refusals = refusal.startsWith("path") ? [400, 404] : [400, 413, 415];
      expect(refusals, `the document refuses ${refusal}`).toContain(status);
      return;
    }
    expect([400, 401, 403, 413, 415], "input the document accepts").not.toContain(status);
    if (operation.template.includes("{taskId}")) {
      if (!targetTask) {
        expect(status, "another user's or no task").toBe(404);
        return;
      }
      const tags = strongTagsOf(headers["if-match"]);
      if (method !== "GET" && method !== "HEAD" && tags !== undefined && !tags.includes(currentTag!)) {
        expect(status, "If-Match names no current strong tag").toBe(412);
        return;
      }
      expect(status, "a valid request on an own task").toBeLessThan(300);
      const changed = ownAfter.filter(
        (task) => JSON.stringify(task) !== JSON.stringify(ownBefore.find((t) => t.id === task.id)),
      );
      expect(
        changed.map((task) => task.id),
        "only the request's own task changes",
      ).toEqual(changed.length ? [targetTask.id] : []);
      const others = ownBefore.filter((task) => task.id !== targetTask.id).map((task) => task.id);
      expect(
        ownAfter.map((task) => task.id),
        "no other task goes",
      ).toEqual(expect.arrayContaining(others));
      if (method === "DELETE") expect(ownAfter.map((task) => task.id)).not.toContain(targetTask.id);
      return;
    }
    if (operation.method === "POST") {
      const input = JSON.parse(body!.toString("utf8")) as {
        title: string;
        description?: string | null;
        completed?: boolean;
      };
      const fields = JSON.stringify([input.title.trim(), input.description ?? null, input.completed ?? false]);
      const key = headers["idempotency-key"];
      const first = key === undefined ? undefined : idempotencyKeys.get(key);
      if (first && first.fields !== fields) {
        expect(status, "a reused Idempotency-Key with another body").toBe(422);
        return;
      }
      expect(status).toBe(201);
      const created = JSON.parse(exchange.body.toString("utf8")) as Task;
      if (first) expect(created.id, "a repeat answers the first task").toBe(first.taskId);
      else if (key !== undefined) idempotencyKeys.set(key, { fields, taskId: created.id });
      const added = ownAfter.filter((task) => !ownBefore.some((t) => t.id === task.id));
      expect(added.map((task) => task.id)).toEqual(first ? [] : [created.id]);
      // Keep the list short: the test's own housekeeping, not part of the property.
      if (ownAfter.length > 20) {
        for (const task of ownAfter.slice(0, 10))
          await request.delete(`${tasksUrl(alice.id)}/${task.id}`, { headers: alice.auth });
        world.ownTasks = await tasksOf(alice);
      }
      return;
    }
    expect(status, "a valid request").toBeLessThan(300);
    expect(ownAfter, "a read changes nothing").toEqual(ownBefore);
  }

  const startedAt = Date.now();
  try {
    await fc.assert(property, {
      seed: SEED,
      numRuns: RUNS,
      includeErrorInReport: true,
      // A safety net for shrinking against a live server; the run count keeps a passing test far below it.
      interruptAfterTimeLimit: 120_000,
      markInterruptAsFailure: true,
    });
  } catch (error) {
    const detail = failed
      ? `\nThe smallest failing request: ${failed.request.method} ${failed.request.target}` +
        `\n  headers: ${JSON.stringify(failed.request.headers)}` +
        `\n  body: ${failed.request.body?.toString("utf8").slice(0, 300)}` +
        (failed.exchange
          ? `\n  answer: ${failed.exchange.status} ${failed.exchange.body.toString("utf8").slice(0, 300)}`
          : "")
      : "";
    throw new Error(
      `fuzz failure with FUZZ_SEED=${SEED} (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx playwright test tests/e2e/fuzz.spec.ts)\n` +
        `${(error as Error).message}${detail}`,
    );
  }
  console.log(`fuzz: ${RUNS} runs with FUZZ_SEED=${SEED} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  if (process.env.FUZZ_TALLY) {
    for (const [outcome, count] of [...tally].sort()) console.log(`  ${String(count).padStart(5)} ${outcome}`);
  }
});
