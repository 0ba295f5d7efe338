// npm run bench:list — list latency against real PostgreSQL for one user with 100, 10,000 and 100,000 tasks:
// the first page, and the deepest page reached by following the cursor. Keyset paging should make them cost the same.
import "../scripts/load-env";
import { writeFileSync } from "node:fs";
import pg from "pg";
import { signSessionToken } from "../lib/auth/tokens";
import { benchDatabase, benchPort, machine, percentile, startServer } from "./support";

const SIZES = [100, 10_000, 100_000];
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const WARMUP = 100;
const PORT = await benchPort(0);
const AUTH_SECRET = "bench-secret-bench-secret-bench-secret";
process.env.AUTH_SECRET = AUTH_SECRET;

async function timeRequests(url: string, headers: Record<string, string>, count: number): Promise<number[]> {
  const timings: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
    timings.push(performance.now() - started);
  }
  return timings.sort((a, b) => a - b);
}

const database = await benchDatabase();
process.env.DATABASE_URL = database.url;
const { migrateDatabase, closeDatabase } = await import("../db/client");
await migrateDatabase();
await closeDatabase();

const client = new pg.Client({ connectionString: database.url });
await client.connect();
// Seeding may take longer than the role's statement_timeout for requests (drizzle/0006_server_side_timeouts.sql).
await client.query("set statement_timeout = 0");
for (const size of SIZES) {
  await client.query(`insert into users (id) values ($1)`, [`user-${size}`]);
  await client.query(
    `insert into tasks (user_id, title, completed, created_at)
     select $1, 'task ' || n, n % 3 = 0, timestamptz '2030-01-01' + n * interval '1 second'
     from generate_series(1, $2::int) as n`,
    [`user-${size}`, size],
  );
}
await client.query("vacuum analyze tasks");
await client.end();

const server = await startServer(PORT, { DATABASE_URL: database.url, AUTH_SECRET });
interface Scenario {
  tasks: number;
  page: string;
  depth: number;
  url: string;
  headers: Record<string, string>;
  timings: number[];
}
const scenarios: Scenario[] = [];
try {
  for (const size of SIZES) {
    const userId = `user-${size}`;
    const headers = { authorization: `Bearer ${await signSessionToken({ id: userId })}` };
    const first = `${server.baseUrl}/api/${userId}/tasks?limit=100`;
    // Walk to the last page to get the deepest cursor a client could hold.
    let deepest = first;
    let depth = 1;
    for (;;) {
      const response = await fetch(deepest, { headers });
      await response.arrayBuffer();
      const link = response.headers.get("link");
      if (!link) break;
      deepest = `${server.baseUrl}${/^<([^>]+)>/.exec(link)![1]}`;
      depth++;
    }
    scenarios.push({ tasks: size, page: "first", depth: 1, url: first, headers, timings: [] });
    if (depth > 1) scenarios.push({ tasks: size, page: "last", depth, url: deepest, headers, timings: [] });
  }
  for (const scenario of scenarios) await timeRequests(scenario.url, scenario.headers, WARMUP);
  // Round-robin in small batches, so that drift in the machine's load falls on every scenario alike.
  const BATCH = 50;
  for (let round = 0; round < SAMPLES / BATCH; round++) {
    for (const scenario of scenarios)
      scenario.timings.push(...(await timeRequests(scenario.url, scenario.headers, BATCH)));
  }
} finally {
  await server.stop();
  await database.drop();
}

const rows = scenarios.map(({ tasks, page, depth, timings }) => {
  const sorted = timings.sort((a, b) => a - b);
  return { tasks, page, depth, median: percentile(sorted, 50), p99: percentile(sorted, 99) };
});
const baseline = rows[0]!.median;
const table = [
  `List latency, limit=100, 1 connection, ${SAMPLES} requests each after ${WARMUP} warm-up (${machine()}, ${new Date().toISOString().slice(0, 10)})`,
  "",
  "| tasks for the user | page | median ms | p99 ms | median vs first page of 100 |",
  "| ---: | --- | ---: | ---: | ---: |",
  ...rows.map(
    (row) =>
      `| ${row.tasks.toLocaleString("en")} | ${row.page === "first" ? "first" : `last (page ${row.depth})`} | ${row.median.toFixed(2)} | ${row.p99.toFixed(2)} | ${(row.median / baseline).toFixed(2)}× |`,
  ),
].join("\n");
console.log(table);
writeFileSync(
  "bench/results/list-scale.json",
  JSON.stringify({ date: new Date().toISOString(), machine: machine(), samples: SAMPLES, rows }, null, 2),
);
