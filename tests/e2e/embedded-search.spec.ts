import { rmSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { signSessionToken } from "../../lib/auth/tokens";
import { newTestDirectory } from "../support/test-run";
import { expect, test } from "./fixtures";
import { SERVER_START_BUDGET_MS, startNextServer, type NextServer } from "./next-server";

// Issue 14: the embedded database (PGlite) runs one statement at a time, on the server's own thread, and has no
// statement timeout. A search (`?q=`) that examines every one of a big user's tasks held every other request of every
// user meanwhile. This seeds one user with 100,000 tasks, has that user search again and again, three searches at a
// time, for terms that match (almost) nothing, and measures meanwhile how fast the health check and another user's
// list answer.

const TASKS = 100_000;
const RARE = "zeppelin";
// The tasks whose description holds the rare term: spread over the whole list, so that a search must reach the end.
const PLANTED = [17, 33_333, 66_666, 99_991];
const SEARCHERS = 3;
const LOAD_MS = 12_000;
const PROBE_EVERY_MS = 50;

let dataRoot: string;
let server: NextServer;
const big = { userId: `big-${Date.now()}`, headers: {} as Record<string, string> };
const other = { userId: `other-${Date.now()}`, headers: {} as Record<string, string> };

// Words of ordinary tasks; the titles and descriptions are made of them, in lengths from a few words to 2,000
// characters (a quarter of the tasks have no description).
const WORDS = `buy milk call the plumber about kitchen sink review quarterly report renew passport before summer water
  plants on balcony email landlord heating broken fix bicycle brake book dentist appointment prepare slides for monday
  standup pick up dry cleaning pay electricity bill schedule car service read chapter three of the novel clean garage
  shelves order birthday present for mum update resume and portfolio backup laptop photos cancel gym membership`
  .split(/\s+/)
  .filter(Boolean);

/** The data directory, migrated as the server would, with `TASKS` tasks for `big` and fifty for `other`. */
async function seed(dataDir: string): Promise<void> {
  const client = await PGlite.create(dataDir);
  try {
    await migrate(drizzle({ client }), { migrationsFolder: path.join(process.cwd(), "drizzle") });
    const words = `array[${WORDS.map((word) => `'${word}'`).join(",")}]`;
    const word = (factor: number) => `(${words})[1 + (n * ${factor}) % ${WORDS.length}]`;
    await client.query("insert into users (id) values ($1), ($2)", [big.userId, other.userId]);
    await client.query(
      `insert into tasks (user_id, title, description, completed, created_at, updated_at)
       select $1,
              initcap(${word(7)}) || ' ' || ${word(13)} || ' ' || ${word(31)} || repeat(' ' || ${word(3)}, n % 4),
              case when n % 4 = 0 then null
                   else left(repeat(initcap(${word(11)}) || ' ' || ${word(17)} || ' ' || ${word(19)} || ' ' ||
                                    ${word(23)} || ' ' || ${word(29)} || '. ', 1 + (n * 37) % 60),
                             20 + (n * 53) % 1980) end,
              n % 3 = 0,
              timestamptz '2026-01-01' + n * interval '1 second',
              timestamptz '2026-01-01' + n * interval '1 second'
       from generate_series(1, ${TASKS}) as n`,
      [big.userId],
    );
    await client.query(
      `update tasks set description = coalesce(description, '') || ' Ask about the ${RARE} tickets.'
       where user_id = $1 and created_at = any($2::timestamptz[])`,
      [big.userId, PLANTED.map((n) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString())],
    );
    await client.query(
      `insert into tasks (user_id, title, created_at)
       select $1, 'other task ' || n, timestamptz '2026-01-01' + n * interval '1 second' from generate_series(1, 50) n`,
      [other.userId],
    );
    await client.query("analyze");
  } finally {
    await client.close();
  }
}

interface Timed<T> {
  ms: number;
  value: T;
}
async function timed<T>(run: () => Promise<T>): Promise<Timed<T>> {
  const startedAt = performance.now();
  const value = await run();
  return { ms: performance.now() - startedAt, value };
}

/** Every task of a search, following the Link header to the last page; with how many requests it took. */
async function search(q: string): Promise<{ ids: number[]; requests: number; slowestRequestMs: number }> {
  const ids: number[] = [];
  let requests = 0;
  let slowestRequestMs = 0;
  let next: string | undefined = `/api/${big.userId}/tasks?q=${encodeURIComponent(q)}`;
  while (next) {
    const { ms, value: response } = await timed(() => fetch(`${server.url}${next}`, { headers: big.headers }));
    requests++;
    slowestRequestMs = Math.max(slowestRequestMs, ms);
    expect(response.status).toBe(200);
    ids.push(...((await response.json()) as { id: number }[]).map((task) => task.id));
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1];
  }
  return { ids, requests, slowestRequestMs };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const summary = (values: number[]) =>
  `n=${values.length} p50=${Math.round(percentile(values, 50))} ms p95=${Math.round(percentile(values, 95))} ms ` +
  `max=${Math.round(Math.max(...values))} ms`;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(SERVER_START_BUDGET_MS + 120_000);
  dataRoot = newTestDirectory("pglite-search");
  const dataDir = path.join(dataRoot, "data");
  await seed(dataDir);
  big.headers = { authorization: `Bearer ${await signSessionToken({ id: big.userId })}` };
  other.headers = { authorization: `Bearer ${await signSessionToken({ id: other.userId })}` };
  server = await startNextServer({ AUTH_SECRET: process.env.AUTH_SECRET!, DATABASE_URL: "", PGLITE_DATA_DIR: dataDir });
  try {
    await server.ready();
  } catch (error) {
    await server.stop("SIGKILL");
    throw error;
  }
});
test.afterAll(async () => {
  await server?.stop();
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
});

test(
  `searches of a user with ${TASKS} tasks leave the health check and other users answering within a second`,
  { tag: "@fault" },
  async () => {
    test.setTimeout(120_000);
    // The planted tasks, newest first (the default order); ids follow created_at, as the seed inserted them in order.
    const planted = (await search(RARE)).ids;
    expect(planted).toHaveLength(PLANTED.length);
    expect(planted).toEqual([...planted].sort((a, b) => b - a));

    const idleHealth: number[] = [];
    for (let i = 0; i < 10; i++) idleHealth.push((await timed(() => fetch(`${server.url}/api/health`))).ms);
    const alone = await timed(() => search(RARE));
    expect(alone.value.ids).toEqual(planted);

    const searches: Timed<Awaited<ReturnType<typeof search>>>[] = [];
    const health: number[] = [];
    const otherList: number[] = [];
    // Besides the rare term, what no index could answer quickly: two characters found nowhere, and a phrase of common
    // words that no task holds. Each search finds what it found alone.
    const terms = [RARE, "zq", "milk call the plumber"];
    const alone2 = await search(terms[1]!);
    const alone3 = await search(terms[2]!);
    const expected = new Map([
      [terms[0]!, planted],
      [terms[1]!, alone2.ids],
      [terms[2]!, alone3.ids],
    ]);
    const searcher = async (_: unknown, index: number) => {
      const term = terms[index % terms.length]!;
      while (Date.now() < until) {
        const done = await timed(() => search(term));
        expect(done.value.ids).toEqual(expected.get(term));
        searches.push(done);
      }
    };
    // Two probers of their own, each asking again as soon as it has its answer (and a breath).
    const probe = async (latencies: number[], ask: () => Promise<void>) => {
      // Give the searchers a head start, so that every probe meets them running.
      await new Promise((resolve) => setTimeout(resolve, 200));
      while (Date.now() < until) {
        latencies.push((await timed(ask)).ms);
        await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
      }
    };
    const askHealth = async () => {
      const response = await fetch(`${server.url}/api/health`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    };
    const askOtherList = async () => {
      const response = await fetch(`${server.url}/api/${other.userId}/tasks`, { headers: other.headers });
      expect(response.status).toBe(200);
      expect(((await response.json()) as unknown[]).length).toBe(50);
    };
    const until = Date.now() + LOAD_MS;
    await Promise.all([
      ...Array.from({ length: SEARCHERS }, searcher),
      probe(health, askHealth),
      probe(otherList, askOtherList),
    ]);

    const figures = [
      `one search alone: ${Math.round(alone.ms)} ms in ${alone.value.requests} request(s), the slowest ${Math.round(alone.value.slowestRequestMs)} ms`,
      `${SEARCHERS} searchers for ${LOAD_MS / 1000} s: ${searches.length} searches done; ${summary(searches.map((done) => done.ms))}; ` +
        `requests per search ${Math.max(...searches.map((done) => done.value.requests))} at most`,
      `/api/health with nothing else running: ${summary(idleHealth)}`,
      `meanwhile /api/health: ${summary(health)}`,
      `meanwhile another user's list: ${summary(otherList)}`,
    ];
    console.log(figures.join("\n"));
    test.info().annotations.push(...figures.map((description) => ({ type: "figures", description })));

    // Within a second, or within the time of one search alone on a machine so slow (or so busy) that one search alone
    // takes longer: unbounded, each answer waited for the searches' statements queued ahead of it, two to three times
    // one search (2.7-3.1 s against 0.9-1.5 s here).
    const bound = Math.max(1_000, alone.ms);
    expect(Math.max(...health), figures.join("\n")).toBeLessThan(bound);
    expect(Math.max(...otherList), figures.join("\n")).toBeLessThan(bound);
    expect(Math.min(health.length, otherList.length)).toBeGreaterThan(10);
  },
);
