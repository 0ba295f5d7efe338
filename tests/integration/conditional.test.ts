import { afterAll, describe, expect, it } from "vitest";
import * as completeRoute from "@/app/api/[userId]/tasks/[taskId]/complete/route";
import * as taskRoute from "@/app/api/[userId]/tasks/[taskId]/route";
import * as tasksRoute from "@/app/api/[userId]/tasks/route";
import { closeDatabase } from "@/db/client";
import { call, newUserId, tokenFor } from "../support/api";

afterAll(closeDatabase);

async function setup() {
  const userId = newUserId("writer");
  const token = await tokenFor(userId);
  const created = await call(tasksRoute.POST, "POST", `/api/${userId}/tasks`, { userId }, { token, json: { title: "v1" } });
  const taskId = String(created.body.id);
  const path = `/api/${userId}/tasks/${taskId}`;
  const params = { userId, taskId };
  const send = (handler: keyof typeof taskRoute, headers: Record<string, string> = {}, json?: unknown) =>
    call(taskRoute[handler] as never, handler, path, params, { token, headers, json });
  const complete = (headers: Record<string, string> = {}, json?: unknown) =>
    call(completeRoute.PATCH, "PATCH", `${path}/complete`, params, { token, headers, json });
  return { created, send, complete };
}

describe("ETag", () => {
  it("comes with every single-task response and changes whenever the task does", async () => {
    const { created, send, complete } = await setup();
    const etag = created.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-z]+"$/);
    expect((await send("GET")).headers.get("etag")).toBe(etag);

    const renamed = await send("PUT", {}, { title: "v2" });
    expect(renamed.headers.get("etag")).not.toBe(etag);
    const toggled = await complete();
    expect(toggled.headers.get("etag")).not.toBe(renamed.headers.get("etag"));
    const unchanged = await complete({}, { completed: true });
    expect(unchanged.headers.get("etag")).toBe(toggled.headers.get("etag"));
    expect((await send("GET")).headers.get("etag")).toBe(toggled.headers.get("etag"));
  });

  it("changes even when two writes land in the same millisecond", async () => {
    const { send } = await setup();
    const etags = new Set<string>();
    for (let i = 0; i < 20; i++) etags.add((await send("PUT", {}, { title: `rapid ${i}` })).headers.get("etag")!);
    expect(etags.size).toBe(20);
  });
});

describe("If-Match", () => {
  it("lets PUT, PATCH and DELETE through when it names the current ETag", async () => {
    const { created, send, complete } = await setup();
    const updated = await send("PUT", { "if-match": created.headers.get("etag")! }, { title: "v2" });
    expect(updated.status).toBe(200);
    const toggled = await complete({ "if-match": `"stale", ${updated.headers.get("etag")}` });
    expect(toggled.status).toBe(200);
    expect((await send("DELETE", { "if-match": toggled.headers.get("etag")! })).status).toBe(204);
  });

  it("reads a list with empty elements as the list without them (RFC 9110 §5.6.1.2), on PUT, PATCH and DELETE", async () => {
    const { created, send, complete } = await setup();
    const updated = await send("PUT", { "if-match": `"stale", , ${created.headers.get("etag")!}` }, { title: "v2" });
    expect(updated.status).toBe(200);
    const toggled = await complete({ "if-match": `,${updated.headers.get("etag")!},,` });
    expect(toggled.status).toBe(200);
    // Only empty elements: no tag, so nothing matches.
    expect((await send("DELETE", { "if-match": " , ," })).status).toBe(412);
    expect((await send("DELETE", { "if-match": `"x",,W/${toggled.headers.get("etag")!}` })).status).toBe(412);
    expect((await send("DELETE", { "if-match": `,, ${toggled.headers.get("etag")!}` })).status).toBe(204);
  });

  it("answers 412 precondition_failed when stale, and changes nothing", async () => {
    const { created, send, complete } = await setup();
    const stale = created.headers.get("etag")!;
    await send("PUT", {}, { title: "v2" });
    for (const response of [
      await send("PUT", { "if-match": stale }, { title: "lost update" }),
      await complete({ "if-match": stale }),
      await send("DELETE", { "if-match": stale }),
      await send("DELETE", { "if-match": `W/${stale}` }),
      await send("DELETE", { "if-match": "not-a-tag" }),
    ]) {
      expect(response.status).toBe(412);
      expect(response.body.code).toBe("precondition_failed");
    }
    expect((await send("GET")).body).toMatchObject({ title: "v2", completed: false });
  });

  it("is unconditional without the header or with *, and still answers 404 for a missing task", async () => {
    const { send } = await setup();
    expect((await send("PUT", { "if-match": "*" }, { title: "any" })).status).toBe(200);
    expect((await send("DELETE", { "if-match": "*" })).status).toBe(204);
    expect((await send("PUT", { "if-match": '"0"' }, { title: "gone" })).status).toBe(404);
    expect((await send("DELETE", { "if-match": '"0"' })).status).toBe(404);
  });

  it("lets exactly one of many concurrent writers holding the same ETag win", async () => {
    const { created, send } = await setup();
    const etag = created.headers.get("etag")!;
    const writers = Array.from({ length: 12 }, (_, i) => `writer ${i}`);
    const responses = await Promise.all(writers.map((title) => send("PUT", { "if-match": etag }, { title })));
    const winners = responses.filter((response) => response.status === 200);
    expect(winners).toHaveLength(1);
    expect(responses.filter((response) => response.status === 412)).toHaveLength(writers.length - 1);
    const stored = await send("GET");
    expect(stored.body.title).toBe(winners[0]!.body.title);
    expect(stored.headers.get("etag")).toBe(winners[0]!.headers.get("etag"));
  });
});
