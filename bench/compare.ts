// npm run bench:compare -- <before-dir> — A/B of two builds of the app on one database, interleaved: both servers run at
// once and take turns under the same load, so that drift in the machine (a shared VM's speed varies by tens of percent
// from one minute to the next) falls on both alike. <before-dir> is another checkout with its own `next build`
// (e.g. `git worktree add /tmp/before <commit> && cp -al node_modules /tmp/before/ && (cd /tmp/before && npx next build)`:
// Turbopack refuses a symlinked node_modules),
// or this same directory with BENCH_BEFORE_NODE / BENCH_AFTER_NODE naming a Node.js binary for each side.
import "../scripts/load-env";
import { scenarios, seedFixture, throughput } from "./load";
import { benchDatabase, benchPort, cpuUsage, percentile, startServer } from "./support";

const beforeDir = process.argv[2];
if (!beforeDir) {
  console.error("usage: npm run bench:compare -- <directory of the build to compare against>");
  process.exit(2);
}
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const only = (process.env.BENCH_ONLY ?? "list,get,create,toggle").split(",");
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const AUTH_SECRET = "bench-secret-bench-secret-bench-secret";
process.env.AUTH_SECRET = AUTH_SECRET;

const database = await benchDatabase();
process.env.DATABASE_URL = database.url;
const { migrateDatabase, closeDatabase } = await import("../db/client");
await migrateDatabase();
await closeDatabase();
const fixture = await seedFixture(database.url, 200, 50);
const workload = scenarios(fixture);
const env = { DATABASE_URL: database.url, AUTH_SECRET };
const servers = {
  before: await startServer(await benchPort(0), env, { directory: beforeDir, node: process.env.BENCH_BEFORE_NODE }),
  after: await startServer(await benchPort(1), env, { node: process.env.BENCH_AFTER_NODE }),
};
const samples: Record<string, Record<"before" | "after", { rps: number[]; cpu: number[] }>> = {};
try {
  for (const name of only) {
    samples[name] = { before: { rps: [], cpu: [] }, after: { rps: [], cpu: [] } };
    for (const server of Object.values(servers)) await throughput(server.baseUrl, workload[name]!, 2, CONNECTIONS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const)) {
        const server = servers[side];
        const cpuBefore = cpuUsage(server.process.pid!).server;
        const result = await throughput(server.baseUrl, workload[name]!, SECONDS, CONNECTIONS);
        const cpu = cpuUsage(server.process.pid!).server - cpuBefore;
        samples[name][side].rps.push(result.requestsPerSecond);
        samples[name][side].cpu.push((cpu / result.requests) * 1e6);
        if (result.errors + result.non2xx > 0)
          throw new Error(`${side} ${name}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      }
    }
  }
} finally {
  await servers.before.stop();
  await servers.after.stop();
  await database.drop();
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
console.log(`| scenario | before req/s | after req/s | after/before | before CPU µs/req | after CPU µs/req |`);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |`);
for (const [name, { before, after }] of Object.entries(samples)) {
  console.log(
    `| ${name} | ${median(before.rps).toFixed(0)} | ${median(after.rps).toFixed(0)} | ${(median(after.rps) / median(before.rps)).toFixed(2)}× | ` +
      `${median(before.cpu).toFixed(0)} | ${median(after.cpu).toFixed(0)} |`,
  );
}
