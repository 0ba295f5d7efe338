import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import * as tasksRoute from "@/app/api/[userId]/tasks/route";
import { closeDatabase, getDatabase } from "@/db/client";
import { call, newUserId, tokenFor } from "../support/api";

// The contract's "Idempotent create": a POST with an Idempotency-Key, repeated (one after the other or racing), creates
// one task and answers every repeat as it answered the first; the same key with another body is a 422.

afterAll(closeDatabase);

async function actor(label: string) {
  const userId = newUserId(label);
  const token = await tokenFor(userId);
  const create = (json: unknown, key?: string) =>
    call(
      tasksRoute.POST,
      "POST",
      `/api/${userId}/tasks`,
      { userId },
      {
        token,
        json,
        headers: key === undefined ? {} : { "idempotency-key": key },
      },
    );
  const titles = async () => {
    const listed = await call(tasksRoute.GET, "GET", `/api/${userId}/tasks?order=asc`, { userId }, { token });
    return (listed.body as { title: string }[]).map((task) => task.title);
  };
  return { userId, create, titles };
}

const answerOf = (response: { status: number; headers: Headers; body: unknown }) => ({
  status: response.status,
  location: response.headers.get("location"),
  etag: response.headers.get("etag"),
  body: JSON.stringify(response.body),
});

describe("POST with an Idempotency-Key", () => {
  it("creates once, and answers a repeat exactly as the first time: status, Location, ETag and body", async () => {
    const alice = await actor("alice");
    const key = randomUUID();
    const first = await alice.create({ title: "Buy milk" }, key);
    expect(first.status).toBe(201);
    const again = await alice.create({ title: "Buy milk" }, key);
    expect(answerOf(again)).toEqual(answerOf(first));
    expect(await alice.titles()).toEqual(["Buy milk"]);
  });

  it("takes the same fields after validation as the same body: whitespace, defaults and field order aside", async () => {
    const alice = await actor("alice");
    const key = randomUUID();
    const first = await alice.create({ title: "  Walk the dog " }, key);
    for (const same of [
      { title: "Walk the dog" },
      { completed: false, title: "Walk the dog", description: null },
      { title: "\tWalk the dog\n", completed: false },
    ]) {
      expect(answerOf(await alice.create(same, key))).toEqual(answerOf(first));
    }
    expect(await alice.titles()).toEqual(["Walk the dog"]);
  });

  it("refuses the same key with another body: 422 idempotency_key_reused, nothing created", async () => {
    const alice = await actor("alice");
    const key = randomUUID();
    await alice.create({ title: "one" }, key);
    for (const other of [{ title: "two" }, { title: "one", completed: true }, { title: "one", description: "more" }]) {
      const refused = await alice.create(other, key);
      expect(refused.status).toBe(422);
      expect(refused.body).toEqual({
        error: "this Idempotency-Key was already used with a different body",
        code: "idempotency_key_reused",
      });
    }
    expect(await alice.titles()).toEqual(["one"]);
  });

  it("keeps keys per user: two users may use the same key", async () => {
    const alice = await actor("alice");
    const bob = await actor("bob");
    const key = randomUUID();
    const mine = await alice.create({ title: "shared key" }, key);
    const theirs = await bob.create({ title: "shared key" }, key);
    expect(theirs.status).toBe(201);
    expect((theirs.body as { id: number }).id).not.toBe((mine.body as { id: number }).id);
    expect((theirs.body as { user_id: string }).user_id).toBe(bob.userId);
    expect(await bob.titles()).toEqual(["shared key"]);
    // And another user's key never answers for this one: a different body under it is no 422 here.
    expect((await bob.create({ title: "other body" }, randomUUID())).status).toBe(201);
  });

  it("answers 20 repeats racing each other with 20 identical 201s and one task", async () => {
    const alice = await actor("alice");
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => alice.create({ title: "raced" }, key)));
    const distinct = new Set(answers.map((answer) => JSON.stringify(answerOf(answer))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    expect(distinct.size).toBe(1);
    expect(await alice.titles()).toEqual(["raced"]);
  });

  it("forgets a key after 24 hours: a repeat then creates anew", async () => {
    const alice = await actor("alice");
    const key = randomUUID();
    const first = await alice.create({ title: "old" }, key);
    const db = await getDatabase();
    await db.execute(
      sql`update idempotency_keys set created_at = now() - interval '24 hours 1 second' where user_id = ${alice.userId}`,
    );
    const later = await alice.create({ title: "old" }, key);
    expect(later.status).toBe(201);
    expect((later.body as { id: number }).id).not.toBe((first.body as { id: number }).id);
    // ...and remembers the new one.
    expect(answerOf(await alice.create({ title: "old" }, key))).toEqual(answerOf(later));
    expect(await alice.titles()).toEqual(["old", "old"]);
  });

  it("answers a repeat as first answered even after the task changed or was deleted", async () => {
    const alice = await actor("alice");
    const key = randomUUID();
    const first = await alice.create({ title: "short-lived" }, key);
    const db = await getDatabase();
    await db.execute(sql`delete from tasks where user_id = ${alice.userId}`);
    expect(answerOf(await alice.create({ title: "short-lived" }, key))).toEqual(answerOf(first));
    expect(await alice.titles()).toEqual([]);
  });

  it.each([
    ["empty", ""],
    ["256 characters", "k".repeat(256)],
    ["a space", "my key"],
    ["non-ASCII", "clé"],
  ])("refuses a key that is %s with 400 naming Idempotency-Key, creating nothing", async (_label, key) => {
    const alice = await actor("alice");
    const refused = await alice.create({ title: "never" }, key);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: "validation_error",
      details: [{ path: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" }],
    });
    expect(await alice.titles()).toEqual([]);
  });

  it("accepts a key of 255 visible ASCII characters", async () => {
    const alice = await actor("alice");
    const key = Array.from({ length: 255 }, (_, i) => String.fromCharCode(0x21 + (i % 94))).join("");
    expect((await alice.create({ title: "long key" }, key)).status).toBe(201);
    expect((await alice.create({ title: "long key" }, key)).status).toBe(201);
    expect(await alice.titles()).toEqual(["long key"]);
  });
});
