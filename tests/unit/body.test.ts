import { describe, expect, it } from "vitest";
import { ClientAbortError, MAX_BODY_BYTES, readJsonBody, readQuery } from "@/lib/http/request-input";
import { ApiError } from "@/lib/http/errors";
import { TaskCompletion, TaskCreate, TaskListQuery } from "@/lib/schemas/tasks";

const post = (body: BodyInit | null, headers: Record<string, string> = { "content-type": "application/json" }) =>
  new Request("http://localhost/api/a/tasks", { method: "POST", body, headers, duplex: "half" } as RequestInit);

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

function streamOf(chunks: number, chunkSize: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === chunks) controller.close();
      else controller.enqueue(new Uint8Array(chunkSize).fill(0x20));
    },
  });
}

describe("readJsonBody", () => {
  it("parses and validates a JSON body", async () => {
    expect(await readJsonBody(post('{"title":" a "}'), TaskCreate)).toEqual({ title: "a" });
    expect(
      await readJsonBody(post('{"title":"a"}', { "content-type": "Application/JSON; charset=UTF-8" }), TaskCreate),
    ).toEqual({ title: "a" });
  });

  it("answers 400 invalid_json for malformed JSON, invalid UTF-8 and a missing body", async () => {
    expect((await failure(readJsonBody(post("{"), TaskCreate))).code).toBe("invalid_json");
    expect((await failure(readJsonBody(post(new Uint8Array([0x7b, 0xff, 0x7d])), TaskCreate))).code).toBe(
      "invalid_json",
    );
    expect((await failure(readJsonBody(post(null), TaskCreate))).code).toBe("invalid_json");
    expect((await failure(readJsonBody(post(""), TaskCreate))).code).toBe("invalid_json");
  });

  it("treats a missing body as {} where the body is optional", async () => {
    expect(await readJsonBody(post(null, {}), TaskCompletion, { optional: true })).toEqual({});
  });

  it("answers 415 for a body that is not application/json", async () => {
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"]) {
      const error = await failure(readJsonBody(post('{"title":"a"}', { "content-type": contentType }), TaskCreate));
      expect(error.status).toBe(415);
    }
    expect((await failure(readJsonBody(post('{"title":"a"}', {}), TaskCreate))).status).toBe(415);
  });

  it("answers 413 over 64 KiB, from Content-Length or from the bytes actually sent", async () => {
    const declared = post("{}", { "content-type": "application/json", "content-length": String(64 * 1024 + 1) });
    expect((await failure(readJsonBody(declared, TaskCreate))).status).toBe(413);
    expect((await failure(readJsonBody(post(streamOf(65, 1024)), TaskCreate))).status).toBe(413);
    const title = "x".repeat(64 * 1024 - 20);
    expect((await failure(readJsonBody(post(JSON.stringify({ title })), TaskCreate))).code).toBe("validation_error");
  });
});

describe("readJsonBody, at the edges", () => {
  it("says a missing or empty body is required, and takes an empty one as {} where the body is optional", async () => {
    for (const body of [null, "", streamOf(0, 1)]) {
      const error = await failure(readJsonBody(post(body), TaskCreate));
      expect([error.code, error.message]).toEqual(["invalid_json", "a JSON request body is required"]);
    }
    expect(await readJsonBody(post(""), TaskCompletion, { optional: true })).toEqual({});
  });

  it("accepts exactly 64 KiB, declared and sent", async () => {
    const body = JSON.stringify({ title: "x".repeat(MAX_BODY_BYTES - '{"title":""}'.length) });
    expect(body).toHaveLength(MAX_BODY_BYTES);
    const request = post(body, { "content-type": "application/json", "content-length": String(MAX_BODY_BYTES) });
    expect((await failure(readJsonBody(request, TaskCreate))).code).toBe("validation_error");
  });

  it("joins a body that arrives in several chunks, in order", async () => {
    const chunks = ['{"tit', 'le":"a', ' b"}'].map((chunk) => new TextEncoder().encode(chunk));
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    expect(await readJsonBody(post(body), TaskCreate)).toEqual({ title: "a b" });
  });

  it("answers a body the client stopped sending as invalid_json, marked as the client's doing", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"title":'));
      },
      pull(controller) {
        controller.error(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
      },
    });
    const error = await failure(readJsonBody(post(body), TaskCreate));
    expect(error).toBeInstanceOf(ClientAbortError);
    expect([error.status, error.code, error.message]).toEqual([
      400,
      "invalid_json",
      "the request body ended before it was complete",
    ]);
  });

  it("finds the charset among other parameters, and accepts utf-8 only, exactly", async () => {
    const accepted = post('{"title":"a"}', { "content-type": "application/json; profile=x; charset=utf-8" });
    expect(await readJsonBody(accepted, TaskCreate)).toEqual({ title: "a" });
    const quoted = post('{"title":"a"}', { "content-type": 'application/json; charset="utf-8"' });
    expect(await readJsonBody(quoted, TaskCreate)).toEqual({ title: "a" });
    const other = post('{"title":"a"}', { "content-type": "application/json; charset=utf-8x" });
    expect((await failure(readJsonBody(other, TaskCreate))).status).toBe(415);
  });

  it('names "body" for a body that is not an object', async () => {
    const error = await failure(readJsonBody(post("[]"), TaskCreate));
    expect(error.details).toEqual([{ path: "body", message: "must be a JSON object" }]);
  });
});

describe("readQuery", () => {
  it("ignores unknown parameters and rejects invalid known ones", () => {
    expect(readQuery(new Request("http://x/?status=completed&foo=1"), TaskListQuery)).toMatchObject({
      status: "completed",
    });
    expect(readQuery(new Request("http://x/?status=completed&foo=1"), TaskListQuery)).not.toHaveProperty("foo");
    expect(() => readQuery(new Request("http://x/?status=nope"), TaskListQuery)).toThrow(ApiError);
  });
});

describe("readQuery and repeated parameters", () => {
  it.each(["status", "sort", "order", "q", "limit", "cursor"])(
    "refuses %s given twice with a 400 naming it, whatever the values",
    (name) => {
      const error = (() => {
        try {
          readQuery(new Request(`http://x/?${name}=a&other=1&${name}=b`), TaskListQuery);
        } catch (thrown) {
          return thrown as ApiError;
        }
      })();
      expect(error).toBeInstanceOf(ApiError);
      expect(error!.status).toBe(400);
      expect(error!.details).toEqual([{ path: name, message: "must be given at most once" }]);
    },
  );

  it("refuses a known parameter repeated even with a valid last value (no last-one-wins)", () => {
    expect(() => readQuery(new Request("http://x/?status=bogus&status=all"), TaskListQuery)).toThrow(ApiError);
  });

  it("ignores unknown parameters, repeated or not", () => {
    expect(readQuery(new Request("http://x/?tag=a&tag=b&status=all"), TaskListQuery)).toMatchObject({ status: "all" });
  });
});
