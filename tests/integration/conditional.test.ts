import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import * as completeRoute from "@/app/api/[userId]/tasks/[taskId]/complete/route";
import * as taskRoute from "@/app/api/[userId]/tasks/[taskId]/route";
import * as tasksRoute from "@/app/api/[userId]/tasks/route";
import { closeDatabase, getDatabase } from "@/db/client";
import { call, newUserId, tokenFor } from "../support/api";

afterAll(closeDatabase);

async function setup() {
  const userId = newUserId("writer");
  const token = await tokenFor(userId);
  const created = await call(
    tasksRoute.POST,
    "POST",
    `/api/${userId}/tasks`,
    { userId },
    { token, json: { title: "v1" } },
  );
  const taskId = String(created.body.id);
  const path = `/api/${userId}/tasks/${taskId}`;
  const params = { userId, taskId };
  const send = (handler: keyof typeof taskRoute, headers: Record<string, string> = {}, json?: unknown) =>
    call(taskRoute[handler], handler, path, params, { token, headers, json });
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

  it("changes even when two writes land in the same instant: two updates in one transaction, where now() is fixed", async () => {
    const { created } = await setup();
    const db = await getDatabase();
    const versions = await db.transaction(async (tx) => {
      const stamps: string[] = [];
      for (const title of ["same instant 1", "same instant 2", "same instant 3"]) {
        const result = await tx.execute(
          sql`update tasks set title = ${title} where id = ${created.body.id}
              returning to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at`,
        );
        stamps.push((result as { rows: { updated_at: string }[] }).rows[0]!.updated_at);
      }
      return stamps;
    });
    // Each write moves updated_at exactly one millisecond past the last: distinct versions, distinct ETags.
    const [first, second, third] = versions.map(Date.parse) as [number, number, number];
    expect(second - first).toBe(1);
    expect(third - second).toBe(1);
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

  it("never matches a weak tag, not even one that carries the current version: 412 on PUT, PATCH and DELETE", async () => {
    const { created, send, complete } = await setup();
    const weakCurrent = `W/${created.headers.get("etag")!}`;
    for (const response of [
      await send("PUT", { "if-match": weakCurrent }, { title: "weakly" }),
      await complete({ "if-match": weakCurrent }),
      await complete({ "if-match": weakCurrent }, { completed: true }),
      await send("DELETE", { "if-match": weakCurrent }),
    ]) {
      expect(response.status).toBe(412);
      expect(response.body.code).toBe("precondition_failed");
    }
    const stored = await send("GET");
    expect(stored.body).toMatchObject({ title: "v1", completed: false });
    expect(stored.headers.get("etag")).toBe(created.headers.get("etag"));
  });

  it("answers PATCH /complete with a body 412 when stale, as without one", async () => {
    const { created, send, complete } = await setup();
    await send("PUT", {}, { title: "v2" });
    const refused = await complete({ "if-match": created.headers.get("etag")! }, { completed: true });
    expect(refused.status).toBe(412);
    expect((await send("GET")).body.completed).toBe(false);
  });

  it.each([
    ["far past the year 9999", '"2htner8qo0"'],
    ["the largest 11 base-36 digits", '"zzzzzzzzzzz"'],
    ["one with a leading zero", '"01"'],
    ["not base 36", '"ABC"'],
    ["empty", '""'],
    ["a list of such", '"zzzzzzzzzzz", W/"1", "x y"'],
    ["not a list of tags", '"a" junk'],
  ])(
    "answers a tag no task could carry (%s) 412 on a task that exists and 404 on one that does not",
    async (_kind, tag) => {
      const { send, complete } = await setup();
      for (const response of [
        await send("PUT", { "if-match": tag }, { title: "never" }),
        await complete({ "if-match": tag }),
        await complete({ "if-match": tag }, { completed: true }),
        await send("DELETE", { "if-match": tag }),
      ]) {
        expect(response.status).toBe(412);
      }
      expect((await send("GET")).body).toMatchObject({ title: "v1", completed: false });
      await send("DELETE");
      for (const response of [
        await send("PUT", { "if-match": tag }, { title: "never" }),
        await complete({ "if-match": tag }),
        await send("DELETE", { "if-match": tag }),
      ]) {
        expect(response.status).toBe(404);
      }
    },
  );

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

describe("If-Match across users", () => {
  it("gives another user 404 for PUT, PATCH (with and without a body) and DELETE, even holding the task's current ETag, and changes nothing", async () => {
    const { created, send } = await setup();
    const aliceTask = created.body as { id: number; user_id: string };
    const etag = created.headers.get("etag")!;
    const bobId = newUserId("bob");
    const bobToken = await tokenFor(bobId);
    const onBobsPath = { userId: bobId, taskId: String(aliceTask.id) };
    const path = `/api/${bobId}/tasks/${aliceTask.id}`;
    for (const ifMatch of [etag, '"1"', "*", undefined]) {
      const headers: Record<string, string> = ifMatch === undefined ? {} : { "if-match": ifMatch };
      const answers = [
        await call(taskRoute.PUT, "PUT", path, onBobsPath, { token: bobToken, headers, json: { title: "taken over" } }),
        await call(completeRoute.PATCH, "PATCH", `${path}/complete`, onBobsPath, { token: bobToken, headers }),
        await call(completeRoute.PATCH, "PATCH", `${path}/complete`, onBobsPath, {
          token: bobToken,
          headers,
          json: { completed: true },
        }),
        await call(taskRoute.DELETE, "DELETE", path, onBobsPath, { token: bobToken, headers }),
      ];
      for (const answer of answers) {
        expect(answer.status, `If-Match ${ifMatch}`).toBe(404);
        expect(answer.body).toEqual({ error: "no such task", code: "not_found" });
      }
    }
    const stored = await send("GET");
    expect(stored.body).toEqual(created.body);
    expect(stored.headers.get("etag")).toBe(etag);
  });
});
