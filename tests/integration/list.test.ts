import { and, asc, desc, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import * as tasksRoute from "@/app/api/[userId]/tasks/route";
import { closeDatabase, getDatabase } from "@/db/client";
import { tasks, users } from "@/db/schema";
import { call, newUserId, tokenFor } from "../support/api";
import { integerBetween, pick, seededRandom } from "../support/random";

afterAll(closeDatabase);

interface Actor {
  id: string;
  token: string;
}
async function actor(): Promise<Actor> {
  const id = newUserId("lister");
  return { id, token: await tokenFor(id) };
}

const tasksPath = (userId: string) => `/api/${encodeURIComponent(userId)}/tasks`;
const list = (as: Actor, pathAndQuery: string) =>
  call(tasksRoute.GET, "GET", pathAndQuery, { userId: as.id }, { token: as.token });

function nextLink(headers: Headers): string | undefined {
  const link = headers.get("link");
  if (!link) return undefined;
  const match = /^<([^>]+)>; rel="next"$/.exec(link);
  expect(match, `malformed Link header ${link}`).not.toBeNull();
  return match![1];
}

/** Follows Link headers from the first page to the last, returning every page's ids. */
async function pageThrough(as: Actor, query: string, between?: (page: number) => Promise<void>): Promise<number[][]> {
  const pages: number[][] = [];
  let next: string | undefined = `${tasksPath(as.id)}${query}`;
  while (next) {
    const response = await list(as, next);
    expect(response.status).toBe(200);
    pages.push(response.body.map((task: { id: number }) => task.id));
    next = nextLink(response.headers);
    if (pages.length > 500) throw new Error("paging does not end");
    if (next && between) await between(pages.length);
  }
  return pages;
}

async function seed(
  userId: string,
  rows: { title: string; description?: string | null; completed?: boolean; created_at?: string; updated_at?: string }[],
) {
  const db = await getDatabase();
  await db.insert(users).values({ id: userId }).onConflictDoNothing();
  if (rows.length === 0) return [];
  return db
    .insert(tasks)
    .values(rows.map((row) => ({ user_id: userId, ...row })))
    .returning();
}

describe("list parameters", () => {
  it("filters by status and searches title and description, case-insensitively", async () => {
    const alice = await actor();
    const [milk, bread, note] = await seed(alice.id, [
      { title: "Buy MILK", completed: false },
      { title: "Bake bread", description: "with milk", completed: true },
      { title: "Call mum", description: null },
    ]);
    const ids = async (query: string) =>
      (await list(alice, `${tasksPath(alice.id)}${query}`)).body.map((t: { id: number }) => t.id);
    expect((await ids("?q=milk")).sort()).toEqual([milk!.id, bread!.id].sort());
    expect(await ids("?q=milk&status=completed")).toEqual([bread!.id]);
    expect(await ids("?q=MUM")).toEqual([note!.id]);
    expect(await ids("?q=nothing-like-this")).toEqual([]);
  });

  it("matches % and _ in the search literally", async () => {
    const alice = await actor();
    const [percent, underscore] = await seed(alice.id, [
      { title: "100% done" },
      { title: "snake_case" },
      { title: "100 percent" },
      { title: "snakeXcase" },
    ]);
    const ids = async (q: string) =>
      (await list(alice, `${tasksPath(alice.id)}?q=${encodeURIComponent(q)}`)).body.map((t: { id: number }) => t.id);
    expect(await ids("0%")).toEqual([percent!.id]);
    expect(await ids("e_c")).toEqual([underscore!.id]);
    expect(await ids("\\")).toEqual([]);
  });

  it("sorts by created_at, updated_at or title in either order, ties broken by id", async () => {
    const alice = await actor();
    const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 0, minute)).toISOString();
    const seeded = await seed(alice.id, [
      { title: "b", created_at: at(1), updated_at: at(9) },
      { title: "a", created_at: at(2), updated_at: at(8) },
      { title: "c", created_at: at(2), updated_at: at(7) },
      { title: "a", created_at: at(3), updated_at: at(9) },
    ]);
    const [b1, a2, c2, a3] = seeded.map((task) => task.id);
    const ids = async (query: string) =>
      (await list(alice, `${tasksPath(alice.id)}${query}`)).body.map((t: { id: number }) => t.id);
    expect(await ids("")).toEqual([a3, c2, a2, b1]);
    expect(await ids("?sort=created_at&order=asc")).toEqual([b1, a2, c2, a3]);
    expect(await ids("?sort=updated_at")).toEqual([a3, b1, a2, c2]);
    expect(await ids("?sort=updated_at&order=asc")).toEqual([c2, a2, b1, a3]);
    expect(await ids("?sort=title&order=asc")).toEqual([a2, a3, b1, c2]);
    expect(await ids("?sort=title&order=desc")).toEqual([c2, b1, a3, a2]);
  });

  it("sorts titles case-insensitively (apple, Banana, cherry), ties by id, and pages through them exactly", async () => {
    const alice = await actor();
    const seeded = await seed(
      alice.id,
      ["cherry", "Banana", "apple", "BANANA", "Apple", "banana"].map((title) => ({ title })),
    );
    const byTitle = new Map(seeded.map((task) => [task.id, task.title]));
    const titles = (ids: number[]) => ids.map((id) => byTitle.get(id));
    const ascending = ["apple", "Apple", "Banana", "BANANA", "banana", "cherry"];
    expect(titles((await pageThrough(alice, "?sort=title&order=asc&limit=100")).flat())).toEqual(ascending);
    expect(titles((await pageThrough(alice, "?sort=title&order=desc&limit=100")).flat())).toEqual([
      "cherry",
      "banana",
      "BANANA",
      "Banana",
      "Apple",
      "apple",
    ]);
    // Page boundaries that fall between titles equal but for case.
    for (const limit of [1, 2, 4]) {
      expect(
        titles((await pageThrough(alice, `?sort=title&order=asc&limit=${limit}`)).flat()),
        `limit ${limit}`,
      ).toEqual(ascending);
    }
  });

  it("answers 400 with details for invalid values of known parameters, and ignores unknown ones", async () => {
    const alice = await actor();
    const cases: [string, string][] = [
      ["status=done", "status"],
      ["sort=priority", "sort"],
      ["order=up", "order"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=1.5", "limit"],
      ["limit=abc", "limit"],
      ["limit=", "limit"],
      [`q=${"x".repeat(201)}`, "q"],
      ["q=%00", "q"],
      ["cursor=", "cursor"], // found by the fuzz test: an empty cursor was read as none
      ["cursor=garbage", "cursor"],
      [`cursor=${"x".repeat(2000)}`, "cursor"],
    ];
    for (const [query, path] of cases) {
      const response = await list(alice, `${tasksPath(alice.id)}?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.code).toBe("validation_error");
      expect(response.body.details[0].path, query).toBe(path);
    }
    expect((await list(alice, `${tasksPath(alice.id)}?q=${"é".repeat(200)}&page=3&foo=bar`)).status).toBe(200);
  });

  it("pages with limit and a Link header that repeats the query with a cursor", async () => {
    const alice = await actor();
    await seed(
      alice.id,
      Array.from({ length: 5 }, (_, i) => ({ title: `task ${i}`, completed: i % 2 === 0 })),
    );
    const first = await list(alice, `${tasksPath(alice.id)}?limit=2&status=completed&foo=kept`);
    expect(first.body).toHaveLength(2);
    const link = nextLink(first.headers)!;
    const url = new URL(link, "http://localhost");
    expect(url.pathname).toBe(tasksPath(alice.id));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      limit: "2",
      status: "completed",
      foo: "kept",
      cursor: expect.any(String),
    });
    const second = await list(alice, link);
    expect(second.body).toHaveLength(1);
    expect(second.headers.get("link")).toBeNull();
  });

  it("ends on a full page when exactly `limit` tasks are left, with no Link to an empty page, searching or not", async () => {
    const alice = await actor();
    await seed(
      alice.id,
      Array.from({ length: 4 }, (_, i) => ({ title: `task ${i}` })),
    );
    const pageSizes = async (query: string) => (await pageThrough(alice, query)).map((page) => page.length);
    expect(await pageSizes("?limit=2")).toEqual([2, 2]);
    expect(await pageSizes("?limit=4")).toEqual([4]);
    expect(await pageSizes("?limit=2&q=task")).toEqual([2, 2]);
  });

  it("answers a plain list and a search of the same sort, order and status one after the other, each its own rows", async () => {
    const alice = await actor();
    const [milk, bread] = await seed(alice.id, [{ title: "Buy milk" }, { title: "Bake bread" }]);
    const ids = async (query: string) =>
      (await list(alice, `${tasksPath(alice.id)}?sort=title&order=asc${query}`)).body.map((t: { id: number }) => t.id);
    // Twice each way round: on a server, the second statement runs on the connection that prepared the first.
    for (let round = 0; round < 2; round++) {
      expect(await ids("")).toEqual([bread!.id, milk!.id]);
      expect(await ids("&q=milk")).toEqual([milk!.id]);
    }
  });

  it("defaults to 100 tasks a page", async () => {
    const alice = await actor();
    await seed(
      alice.id,
      Array.from({ length: 101 }, (_, i) => ({ title: `t${i}` })),
    );
    const pages = await pageThrough(alice, "");
    expect(pages.map((page) => page.length)).toEqual([100, 1]);
  });

  it("refuses a forged, tampered or foreign cursor with 400, never another page", async () => {
    const alice = await actor();
    await seed(
      alice.id,
      Array.from({ length: 3 }, (_, i) => ({ title: `t${i}` })),
    );
    const link = nextLink((await list(alice, `${tasksPath(alice.id)}?limit=1`)).headers)!;
    const cursor = new URL(link, "http://localhost").searchParams.get("cursor")!;
    const [payload, signature] = cursor.split(".");
    const forgedPayload = Buffer.from(JSON.stringify([Date.now(), 1])).toString("base64url");
    const flipped = signature!.startsWith("A") ? `B${signature!.slice(1)}` : `A${signature!.slice(1)}`;
    for (const bad of [
      `${forgedPayload}.${signature}`,
      `${payload}.${flipped}`,
      `${payload}`,
      `${payload}.${signature}.x`,
      "..",
    ]) {
      const response = await list(alice, `${tasksPath(alice.id)}?limit=1&cursor=${encodeURIComponent(bad)}`);
      expect(response.status, bad).toBe(400);
      expect(response.body.details).toEqual([{ path: "cursor", message: expect.any(String) }]);
    }
    // A cursor is bound to its query: reusing it with another sort, order or filter is refused.
    for (const other of ["sort=title", "order=asc", "status=pending", "q=t"]) {
      const response = await list(
        alice,
        `${tasksPath(alice.id)}?limit=1&${other}&cursor=${encodeURIComponent(cursor)}`,
      );
      expect(response.status, other).toBe(400);
    }
    const bob = await actor();
    const replayed = await list(bob, `${tasksPath(bob.id)}?limit=1&cursor=${encodeURIComponent(cursor)}`);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual([]);
  });
});

describe("keyset paging", () => {
  const titles = ["apple", "Apple", "banana", "b", "100% sure", "snake_case", "Zebra", "élan", "😀 emoji", "apple"];

  it("returns every task exactly once, in the order of one unpaged query, for random data, sorts and page sizes", async () => {
    const seedValue = Number(process.env.PAGING_SEED ?? Date.now() % 100_000);
    const random = seededRandom(seedValue);
    const db = await getDatabase();
    for (let round = 0; round < 12; round++) {
      const alice = await actor();
      const baseTime = Date.UTC(2030, 0, 1);
      const count = integerBetween(random, 0, 180);
      await seed(
        alice.id,
        Array.from({ length: count }, () => {
          // Few distinct timestamps and titles, so that ties (broken by id) are everywhere.
          const created = baseTime + integerBetween(random, 0, 20) * 1000;
          return {
            title: pick(random, titles),
            completed: random() < 0.4,
            created_at: new Date(created).toISOString(),
            updated_at: new Date(created + integerBetween(random, 0, 5) * 1000).toISOString(),
          };
        }),
      );
      const sort = pick(random, ["created_at", "updated_at", "title"] as const);
      const order = pick(random, ["asc", "desc"] as const);
      const status = pick(random, ["all", "pending", "completed"] as const);
      const limit = integerBetween(random, 1, 100);

      const direction = order === "asc" ? asc : desc;
      // The contract's order, spelled independently of the service: titles case-insensitively, ties by id.
      const key = sort === "title" ? sql`lower(${tasks.title})` : tasks[sort];
      const filters = [eq(tasks.user_id, alice.id)];
      if (status !== "all") filters.push(eq(tasks.completed, status === "completed"));
      const expected = (
        await db
          .select({ id: tasks.id })
          .from(tasks)
          .where(and(...filters))
          .orderBy(direction(key), direction(tasks.id))
      ).map((row) => row.id);

      const pages = await pageThrough(alice, `?sort=${sort}&order=${order}&status=${status}&limit=${limit}`);
      const context = `seed ${seedValue}, round ${round}: ${count} tasks, ${sort} ${order} ${status} limit ${limit}`;
      expect(pages.flat(), context).toEqual(expected);
      expect(
        pages.slice(0, -1).every((page) => page.length === limit),
        context,
      ).toBe(true);
    }
  });

  it("never skips or repeats a task present throughout, while others are created and deleted between pages", async () => {
    const alice = await actor();
    const token = alice.token;
    const initial = await seed(
      alice.id,
      Array.from({ length: 60 }, (_, i) => ({
        title: `stable ${i}`,
        created_at: new Date(Date.UTC(2030, 0, 1, 0, 0, i % 7)).toISOString(),
      })),
    );
    const db = await getDatabase();
    const doomed = new Set(initial.filter((_, i) => i % 5 === 0).map((task) => task.id));
    const survivors = initial.filter((task) => !doomed.has(task.id)).map((task) => task.id);
    const doomedQueue = [...doomed];

    for (const query of [
      "?limit=7",
      "?limit=7&order=asc",
      "?limit=9&sort=title",
      "?limit=4&sort=updated_at&order=asc",
    ]) {
      const pages = await pageThrough({ id: alice.id, token }, query, async () => {
        await seed(alice.id, [{ title: "newcomer" }]);
        const victim = doomedQueue.shift();
        if (victim !== undefined) await db.delete(tasks).where(eq(tasks.id, victim));
      });
      const ids = pages.flat();
      expect(new Set(ids).size, query).toBe(ids.length);
      for (const id of survivors) expect(ids, `${query}: task ${id}`).toContain(id);
    }
  });
});
