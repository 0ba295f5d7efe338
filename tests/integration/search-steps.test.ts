import { and, asc, desc, eq, ilike, or, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as tasksRoute from "@/app/api/[userId]/tasks/route";
import { closeDatabase, getDatabase, type SearchBudget } from "@/db/client";
import { tasks } from "@/db/schema";
import { call, newUserId, tokenFor } from "../support/api";

// A search runs in steps of a bounded number of rows (lib/tasks searchTasks). With a budget small enough to need many
// steps on a few hundred tasks, the pages must still hold every match once, in order, on every database.

const budget: SearchBudget = { rowsPerStatement: 2_000, requestMs: 0 };
vi.mock("@/db/client", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/db/client")>()),
  searchBudget: () => budget,
}));

afterAll(closeDatabase);

const TASKS = 600;
const owner = newUserId("stepper");
const other = newUserId("stepper-other");
let token: string;

beforeAll(async () => {
  token = await tokenFor(owner);
  const db = await getDatabase();
  await db.execute(sql`insert into users (id) values (${owner}), (${other})`);
  // Every 7th task mentions the term, in its title or its description, in any case; pairs of tasks share a timestamp,
  // so ties are broken by id; titles mix cases. The other user's tasks all match: they must never show.
  await db.execute(sql`
    insert into tasks (user_id, title, description, completed, created_at, updated_at)
    select ${owner},
           case when n % 14 = 0 then 'Call ZEPPELIN office ' || n when n % 2 = 0 then 'buy milk ' || n
                else 'Water plants ' || n end,
           case when n % 14 = 7 then 'ask about the Zeppelin tickets' when n % 5 = 0 then null else 'a note' end,
           n % 3 = 0,
           timestamptz '2030-01-01' + (n / 2) * interval '1 second',
           timestamptz '2030-06-01' + ((n * 37) % 211) * interval '1 minute'
    from generate_series(1, ${TASKS}) as n`);
  await db.execute(sql`
    insert into tasks (user_id, title) select ${other}, 'zeppelin ' || n from generate_series(1, 50) as n`);
});

type Query = { q: string; sort: "created_at" | "updated_at" | "title"; order: "asc" | "desc"; status: string };

/** The matches of one unpaged query, in the list's order. */
async function expected(query: Query): Promise<number[]> {
  const db = await getDatabase();
  const key = query.sort === "title" ? sql`lower(${tasks.title})` : tasks[query.sort];
  const direction = query.order === "desc" ? desc : asc;
  const pattern = `%${query.q}%`;
  const rows = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(
        eq(tasks.user_id, owner),
        query.status === "all" ? undefined : eq(tasks.completed, query.status === "completed"),
        or(ilike(tasks.title, pattern), ilike(tasks.description, pattern)),
      ),
    )
    .orderBy(direction(key), direction(tasks.id));
  return rows.map((row) => row.id);
}

/** Every page of a search through the route, following Link. */
async function pages(query: Query, limit: number): Promise<{ ids: number[]; linked: boolean }[]> {
  const found: { ids: number[]; linked: boolean }[] = [];
  let next: string | undefined =
    `/api/${owner}/tasks?${new URLSearchParams({ ...query, limit: String(limit) }).toString()}`;
  while (next) {
    const response = await call(tasksRoute.GET, "GET", next, { userId: owner }, { token });
    expect(response.status).toBe(200);
    const ids = (response.body as { id: number }[]).map((task) => task.id);
    expect(ids.length).toBeLessThanOrEqual(limit);
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1];
    found.push({ ids, linked: !!next });
    if (found.length > 1_000) throw new Error("paging does not end");
  }
  return found;
}

const queries: Query[] = [
  { q: "zeppelin", sort: "created_at", order: "desc", status: "all" },
  { q: "zeppelin", sort: "created_at", order: "asc", status: "pending" },
  { q: "ZEPP", sort: "title", order: "asc", status: "all" },
  { q: "zeppelin", sort: "title", order: "desc", status: "completed" },
  { q: "Zeppelin", sort: "updated_at", order: "desc", status: "all" },
  { q: "e", sort: "updated_at", order: "asc", status: "all" },
];

describe("a search in bounded steps", () => {
  for (const query of queries) {
    it(`finds every match once, in order (${new URLSearchParams(query).toString()})`, async () => {
      const all = await expected(query);
      expect(all.length).toBeGreaterThan(0);
      for (const limit of [1, 7, 100]) {
        // One step of 50 rows per request: pages stop at the bound, short or empty, and go on through the Link.
        Object.assign(budget, { rowsPerStatement: 50, requestMs: 0 });
        const stepped = await pages(query, limit);
        expect(stepped.flatMap((page) => page.ids)).toEqual(all);
        expect(stepped.length).toBeGreaterThanOrEqual(Math.ceil(TASKS / 50));

        // Steps of 50 rows until the page is full: the pages are those of an unbounded search.
        Object.assign(budget, { rowsPerStatement: 50, requestMs: 60_000 });
        const full = await pages(query, limit);
        expect(full.map((page) => page.ids)).toEqual(
          Array.from({ length: Math.ceil(all.length / limit) }, (_, index) =>
            all.slice(index * limit, (index + 1) * limit),
          ),
        );
      }
    });
  }

  it("answers a short page with a Link when the request's time is spent before the page is full", async () => {
    Object.assign(budget, { rowsPerStatement: 50, requestMs: 0 });
    const query: Query = { q: "zeppelin", sort: "created_at", order: "desc", status: "all" };
    const [first] = await pages(query, 100);
    expect(first!.ids.length).toBeLessThan(100);
    expect(first!.linked).toBe(true);
  });
});
