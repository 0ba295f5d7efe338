import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { closeDatabase, getDatabase, type Database } from "@/db/client";
import { idempotencyKeys, tasks, users } from "@/db/schema";
import { createTask, deleteTask, getTask, listTasks, setTaskCompletion, updateTask, type Task } from "@/lib/tasks";
import { TaskListQuery } from "@/lib/schemas/tasks";
import { newUserId } from "../support/api";

afterAll(closeDatabase);

/** The SQLSTATE a statement failed with (drizzle wraps the driver's error in `cause`), or "none" if it succeeded. */
async function sqlStateOf(statement: PromiseLike<unknown>): Promise<string> {
  try {
    await statement;
    return "none";
  } catch (error) {
    for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
      const code = (cause as { code?: unknown }).code;
      if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    }
    throw error;
  }
}

const owner = (label?: string) => ({ id: newUserId(label) });
const listAll = async (ownerId: string, query: Record<string, string> = {}) =>
  (await listTasks(ownerId, TaskListQuery.parse(query))).tasks;

describe("lib/tasks", () => {
  it("creates the owner's user row on the first write, with the verified email", async () => {
    const alice = { id: newUserId("alice"), email: `${newUserId()}@example.com` };
    const task = await createTask(alice, { title: "Buy milk" });
    expect(task).toMatchObject({ user_id: alice.id, title: "Buy milk", description: null, completed: false });
    expect(task.created_at).toEqual(task.updated_at);
    const db = await getDatabase();
    const rows = await db
      .select()
      .from(users)
      .where(sql`${users.id} = ${alice.id}`);
    expect(rows).toEqual([expect.objectContaining({ id: alice.id, email: alice.email })]);
  });

  it("keeps a user's write working when another user already holds the same email", async () => {
    const email = `${newUserId()}@example.com`;
    await createTask({ id: newUserId(), email }, { title: "first" });
    const second = { id: newUserId(), email };
    expect((await createTask(second, { title: "second" })).user_id).toBe(second.id);
  });

  it("lists only the owner's tasks, newest first with id as tiebreak, filtered by status", async () => {
    const alice = owner();
    const bob = owner();
    const first = await createTask(alice, { title: "one" });
    const second = await createTask(alice, { title: "two", completed: true });
    const third = await createTask(alice, { title: "three" });
    await createTask(bob, { title: "bob's" });

    const ids = (list: { id: number }[]) => list.map((task) => task.id);
    expect(ids(await listAll(alice.id, { status: "all" }))).toEqual([third.id, second.id, first.id]);
    expect(ids(await listAll(alice.id, { status: "completed" }))).toEqual([second.id]);
    expect(ids(await listAll(alice.id, { status: "pending" }))).toEqual([third.id, first.id]);
    expect(await listAll(newUserId(), { status: "all" })).toEqual([]);
  });

  it("orders tasks created in the same instant by id", async () => {
    const alice = owner();
    const db = await getDatabase();
    await createTask(alice, { title: "seed" });
    const inserted = await db
      .insert(tasks)
      .values([1, 2, 3].map((n) => ({ user_id: alice.id, title: `same ${n}`, created_at: "2030-01-01T00:00:00.000Z" })))
      .returning({ id: tasks.id });
    const listed = (await listAll(alice.id, { status: "all" })).slice(0, 3).map((task) => task.id);
    expect(listed).toEqual(inserted.map((row) => row.id).sort((a, b) => b - a));
  });

  it("never reads, changes or deletes another owner's task", async () => {
    const alice = owner();
    const bob = owner();
    const task = await createTask(alice, { title: "private" });
    expect(await getTask(bob.id, task.id)).toBeUndefined();
    expect(await updateTask(bob.id, task.id, { title: "pwned" })).toBeUndefined();
    expect(await setTaskCompletion(bob.id, task.id, undefined)).toBeUndefined();
    expect(await deleteTask(bob.id, task.id)).toBe(false);
    expect(await getTask(alice.id, task.id)).toEqual(task);
  });

  it("updates only the given fields and moves updated_at forward", async () => {
    const alice = owner();
    const task = await createTask(alice, { title: "draft", description: "keep me" });
    const updated = await updateTask(alice.id, task.id, { title: "final" });
    expect(updated).toMatchObject({ title: "final", description: "keep me", completed: false });
    expect(updated!.created_at).toEqual(task.created_at);
    expect(Date.parse(updated!.updated_at)).toBeGreaterThan(Date.parse(task.updated_at));
    const cleared = await updateTask(alice.id, task.id, { description: null });
    expect(cleared!.description).toBeNull();
    const described = await updateTask(alice.id, task.id, { description: "new words" });
    expect(described!.description).toBe("new words");
    expect((await getTask(alice.id, task.id))!.description).toBe("new words");
  });

  it("toggles atomically in SQL: an even number of concurrent toggles leaves the task as it was", async () => {
    const alice = owner();
    const task = await createTask(alice, { title: "flip" });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => setTaskCompletion(alice.id, task.id, undefined)),
    );
    expect(results.filter((result) => result?.completed).length).toBe(5);
    expect((await getTask(alice.id, task.id))!.completed).toBe(false);
  });

  it("sets completion idempotently, without moving updated_at when nothing changes", async () => {
    const alice = owner();
    const task = await createTask(alice, { title: "done" });
    const done = await setTaskCompletion(alice.id, task.id, true);
    const again = await setTaskCompletion(alice.id, task.id, true);
    expect(done!.completed).toBe(true);
    expect(again).toEqual(done);
  });

  it("deletes once", async () => {
    const alice = owner();
    const task = await createTask(alice, { title: "bye" });
    expect(await deleteTask(alice.id, task.id)).toBe(true);
    expect(await deleteTask(alice.id, task.id)).toBe(false);
    expect(await getTask(alice.id, task.id)).toBeUndefined();
  });
});

const embedded = !process.env.DATABASE_URL;

/**
 * Runs `racer` while a transaction that did `hold` is still open, and commits that transaction once `racer`'s statement
 * waits for it: the race of two first writes, made deterministic.
 */
async function racingAnOpenTransaction<T>(
  hold: (tx: Parameters<Parameters<Database["transaction"]>[0]>[0]) => Promise<unknown>,
  racer: () => Promise<T>,
): Promise<T> {
  const db = await getDatabase();
  let raced: Promise<T> | undefined;
  await db.transaction(async (tx) => {
    await hold(tx);
    let settled = false;
    raced = racer().finally(() => (settled = true));
    raced.catch(() => {}); // awaited below, after the commit
    // Until the racer waits for this transaction (or, against expectation, ends without waiting).
    while (!settled) {
      const result = await tx.execute(
        sql`select count(*)::int as waiting from pg_locks where not granted and pg_backend_pid() = any(pg_blocking_pids(pid))`,
      );
      if ((result as { rows: { waiting: number }[] }).rows[0]!.waiting > 0) break;
    }
  });
  return raced!;
}

// The embedded database runs one statement at a time: two creates cannot race there, and a transaction held open would
// keep the racer from ever starting.
describe.skipIf(embedded)("lib/tasks, racing on a server", () => {
  it("retries a first write without the email when another user's first write took that email meanwhile", async () => {
    const email = `${newUserId()}@example.com`;
    const first = newUserId("first");
    const second = { id: newUserId("second"), email };
    const task = await racingAnOpenTransaction(
      (tx) => tx.insert(users).values({ id: first, email }),
      () => createTask(second, { title: "mine" }),
    );
    expect(task).toMatchObject({ user_id: second.id, title: "mine" });
    const db = await getDatabase();
    const rows = await db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(inArray(users.id, [first, second.id]));
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id: first, email },
        { id: second.id, email: null },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it("answers a create that lost the race for its Idempotency-Key with the winner's task, and creates nothing", async () => {
    const db = await getDatabase();
    // The winner's row as the service stores it, taken from a create by another user with the same body.
    const bob = owner("bob");
    const key = randomUUID();
    await createTask(bob, { title: "raced" }, key);
    const [stored] = await db
      .select({ request_hash: idempotencyKeys.request_hash, response: idempotencyKeys.response })
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.user_id, bob.id), eq(idempotencyKeys.key, key)));
    const alice = owner("alice");
    await db.insert(users).values({ id: alice.id });
    const winners = { ...(stored!.response as Task), user_id: alice.id };
    const task = await racingAnOpenTransaction(
      (tx) =>
        tx
          .insert(idempotencyKeys)
          .values({ user_id: alice.id, key, request_hash: stored!.request_hash, response: winners }),
      () => createTask(alice, { title: "raced" }, key),
    );
    expect(task).toEqual(winners);
    expect(await listAll(alice.id)).toEqual([]);
  });
});

describe("the database enforces what the API validates, whoever writes", () => {
  const rawInsert = async (title: string, description: string | null = null) => {
    const alice = owner();
    await createTask(alice, { title: "seed" });
    const db = await getDatabase();
    return db.insert(tasks).values({ user_id: alice.id, title, description });
  };

  it("accepts 255 emoji and refuses 256, blank titles and 5001-character descriptions", async () => {
    await expect(rawInsert("😀".repeat(255))).resolves.toBeDefined();
    expect(await sqlStateOf(rawInsert("😀".repeat(256)))).toBe("22001"); // string_data_right_truncation: varchar(255)
    expect(await sqlStateOf(rawInsert("   "))).toBe("23514"); // check_violation: tasks_title_length
    expect(await sqlStateOf(rawInsert(""))).toBe("23514");
    expect(await sqlStateOf(rawInsert("ok", "x".repeat(5001)))).toBe("23514"); // tasks_description_length
  });

  it("refuses a task for a user that does not exist", async () => {
    const db = await getDatabase();
    const orphan = db.insert(tasks).values({ user_id: newUserId("ghost"), title: "orphan" });
    expect(await sqlStateOf(orphan)).toBe("23503"); // foreign_key_violation
  });

  it("moves updated_at on a direct UPDATE and keeps created_at", async () => {
    const alice = owner();
    const task = await createTask(alice, { title: "raw" });
    const db = await getDatabase();
    await db
      .update(tasks)
      .set({ title: "changed by hand", created_at: "2000-01-01T00:00:00.000Z" })
      .where(sql`${tasks.id} = ${task.id}`);
    const row = await getTask(alice.id, task.id);
    expect(row!.created_at).toEqual(task.created_at);
    expect(Date.parse(row!.updated_at)).toBeGreaterThan(Date.parse(task.updated_at));
    const [micros] = await db
      .select({ moved: sql<boolean>`${tasks.updated_at} > ${tasks.created_at}` })
      .from(tasks)
      .where(sql`${tasks.id} = ${task.id}`);
    expect(micros!.moved).toBe(true);
  });

  it("removes a user's tasks with the user", async () => {
    const alice = owner();
    const task = await createTask(alice, { title: "cascade" });
    const db = await getDatabase();
    await db.delete(users).where(sql`${users.id} = ${alice.id}`);
    expect(await getTask(alice.id, task.id)).toBeUndefined();
  });
});
