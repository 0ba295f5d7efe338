// npm run bench:profile -- <scenario> [seconds] — a CPU profile of `next start` under load (64 connections) for one
// scenario (list, get, create, update, toggle, mix, floor), written to bench/results/profiles/<scenario>.cpuprofile (open
// it in Chrome's DevTools or speedscope), with the self time per package and per function printed. BENCH_NODE picks
// the Node.js binary, as for `npm run bench`.
import "../scripts/load-env";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { floorScenario, scenarios, seedFixture, throughput } from "./load";
import { benchDatabase, benchPort, startServer } from "./support";

const [name = "get", secondsArgument = "10"] = process.argv.slice(2);
const seconds = Number(secondsArgument);
const AUTH_SECRET = "bench-secret-bench-secret-bench-secret";
process.env.AUTH_SECRET = AUTH_SECRET;
const directory = path.resolve("bench/results/profiles");
const scratch = path.join(directory, `.${process.pid}`);
mkdirSync(scratch, { recursive: true });

const database = await benchDatabase();
try {
  process.env.DATABASE_URL = database.url;
  const { migrateDatabase, closeDatabase } = await import("../db/client");
  await migrateDatabase();
  await closeDatabase();
  const fixture = await seedFixture(database.url, 200, 50);
  const scenario = name === "floor" ? floorScenario : scenarios(fixture)[name];
  if (!scenario) throw new Error(`no scenario ${name}`);
  const server = await startServer(
    await benchPort(0),
    { DATABASE_URL: database.url, AUTH_SECRET, BENCH_FLOOR_ROUTE: "1" },
    { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${scratch}`] },
  );
  try {
    await throughput(server.baseUrl, scenario, 3, 64);
    const result = await throughput(server.baseUrl, scenario, seconds, 64);
    console.error(
      `${name}: ${result.requestsPerSecond.toFixed(0)} req/s, ${result.errors} errors, ${result.non2xx} non-2xx`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await database.drop();
}
const [written] = readdirSync(scratch);
if (!written) throw new Error("the server wrote no profile (did it exit cleanly?)");
const file = path.join(directory, `${name}.cpuprofile`);
renameSync(path.join(scratch, written), file);
rmSync(scratch, { recursive: true });
console.log(file);
summarize(JSON.parse(readFileSync(file, "utf8")) as CpuProfile);

interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Prints the profile's self time grouped by package (or file) and by function, the 25 largest of each, over the
 * measured window only: the profile's last `seconds` before the server's shutdown (start-up and warm-up left out).
 */
function summarize(profile: CpuProfile): void {
  const windowEnd = profile.endTime - 300_000;
  const windowStart = windowEnd - seconds * 1e6;
  let at = profile.startTime;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < windowStart || at > windowEnd) return;
    total += delta;
    selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
  });
  const where = (url: string, functionName: string) => {
    if (!url) return `(${functionName || "native"})`;
    const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)(?:\/dist\/compiled\/([^/]+))?/.exec(url);
    if (inPackage) return inPackage[2] ? `${inPackage[1]} (${inPackage[2]})` : inPackage[1]!;
    return url.startsWith("node:") ? url : path.relative(process.cwd(), url.replace(/^file:\/\//, ""));
  };
  const print = (title: string, key: (id: number) => string) => {
    const sums = new Map<string, number>();
    for (const [id, time] of selfTime) sums.set(key(id), (sums.get(key(id)) ?? 0) + time);
    console.log(`\n${title}`);
    for (const [label, time] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, 25))
      console.log(`${((100 * time) / total).toFixed(1).padStart(5)} %  ${label}`);
  };
  print("self time by package or file", (id) =>
    where(nodes.get(id)!.callFrame.url, nodes.get(id)!.callFrame.functionName),
  );
  print("self time by function", (id) => {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    return `${functionName || "(anonymous)"}  ${where(url, functionName)}:${lineNumber + 1}`;
  });
}
