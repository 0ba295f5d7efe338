// npm run bench — the API under load against real PostgreSQL, beside two baselines measured in the same sitting:
// the framework floor (a do-nothing route in the same Next.js build) and the bare baseline (bench/baseline, no framework).
import "../scripts/load-env";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  floorScenario,
  latency,
  scenarios,
  seedFixture,
  throughput,
  type Fixture,
  type Measurement,
  type Scenario,
} from "./load";
import {
  benchDatabase,
  benchPort,
  cpuUsage,
  ensurePortFree,
  machine,
  percentile,
  startServer,
  type RunningServer,
} from "./support";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const USERS = 200;
const TASKS_PER_USER = 50;
const APP_PORT = await benchPort(0);
const BASELINE_PORT = await benchPort(1);
const AUTH_SECRET = "bench-secret-bench-secret-bench-secret";
process.env.AUTH_SECRET = AUTH_SECRET;

async function measure(
  baseUrl: string,
  scenario: Scenario,
  connections: number,
  serverGroup: number,
): Promise<Measurement> {
  const run = (seconds: number) =>
    connections === 1 ? latency(baseUrl, scenario, seconds) : throughput(baseUrl, scenario, seconds, connections);
  await run(WARMUP_SECONDS);
  const before = cpuUsage(serverGroup);
  const measurement = await run(SECONDS);
  const after = cpuUsage(serverGroup);
  return {
    ...measurement,
    serverCpuMicros: ((after.server - before.server) / measurement.requests) * 1e6,
    databaseCpuMicros: ((after.database - before.database) / measurement.requests) * 1e6,
  };
}

/** Each field of a row's measurement as the median over its rounds (`errors` and `non2xx` summed: any is too many). */
function medianMeasurement(rounds: Measurement[]): Measurement {
  const median = (pick: (m: Measurement) => number) =>
    percentile(
      rounds.map(pick).sort((a, b) => a - b),
      50,
    );
  return {
    ...rounds[0]!,
    requests: rounds.reduce((sum, m) => sum + m.requests, 0),
    requestsPerSecond: median((m) => m.requestsPerSecond),
    p50: median((m) => m.p50),
    p99: median((m) => m.p99),
    errors: rounds.reduce((sum, m) => sum + m.errors, 0),
    non2xx: rounds.reduce((sum, m) => sum + m.non2xx, 0),
    serverCpuMicros: median((m) => m.serverCpuMicros!),
    databaseCpuMicros: median((m) => m.databaseCpuMicros!),
  };
}

/** The highest resident set size any process of the server's group reached (VmHWM), in MiB. */
function peakRssMiB(server: RunningServer): number {
  const pids = execFileSync("ps", ["-o", "pid=", "-g", String(server.process.pid)], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  let peak = 0;
  for (const pid of pids) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) peak = Math.max(peak, Number(match[1]) / 1024);
    } catch {
      // the process ended meanwhile
    }
  }
  return peak;
}

async function startBaseline(env: Record<string, string>): Promise<{ group: number; stop: () => Promise<void> }> {
  await ensurePortFree(BASELINE_PORT);
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", "bench/baseline/server.ts"], {
    env: { ...process.env, NODE_ENV: "production", PORT: String(BASELINE_PORT), ...env },
    detached: true,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${BASELINE_PORT}/api/x/tasks`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null) throw new Error("the baseline did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    group: child.pid!,
    stop: async () => {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
      await exited;
    },
  };
}

/** Launch to first successful task list, as a serverless cold start's stand-in. */
async function startupMilliseconds(env: Record<string, string>, fixture: Fixture): Promise<number> {
  const user = fixture.users[0]!;
  await ensurePortFree(APP_PORT);
  const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(APP_PORT)], {
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
    detached: true,
    stdio: "ignore",
  });
  const started = performance.now();
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let elapsed = NaN;
  while (performance.now() - started < 30_000) {
    const ok = await fetch(`http://127.0.0.1:${APP_PORT}/api/${user.id}/tasks?limit=1`, {
      headers: { authorization: user.authorization },
    }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) {
      elapsed = performance.now() - started;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.kill(-child.pid!, "SIGTERM");
  await exited;
  return elapsed;
}

function routeSizes(): { ownKiB: number; tracedMiB: number } {
  const routeDir = ".next/server/app/api/[userId]/tasks";
  const trace = JSON.parse(readFileSync(path.join(routeDir, "route.js.nft.json"), "utf8")) as { files: string[] };
  let own = 0;
  let traced = 0;
  for (const file of trace.files) {
    const size = statSync(path.join(routeDir, file), { throwIfNoEntry: false })?.size ?? 0;
    if (file.includes("node_modules")) traced += size;
    else own += size;
  }
  return { ownKiB: (own + statSync(path.join(routeDir, "route.js")).size) / 1024, tracedMiB: traced / 2 ** 20 };
}

const database = await benchDatabase();
const env = { DATABASE_URL: database.url, AUTH_SECRET };
process.env.DATABASE_URL = database.url;
const { migrateDatabase, closeDatabase } = await import("../db/client");
await migrateDatabase();
await closeDatabase();

const fixture = await seedFixture(database.url, USERS, TASKS_PER_USER);

// BENCH_ONLY=get,list and BENCH_LEVELS=32 narrow a run while profiling; BENCH_QUICK=1 skips the baseline and start-up.
const workload = scenarios(fixture);
const names = Object.keys(workload).filter(
  (name) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(",").includes(name),
);
const levels = (process.env.BENCH_LEVELS ?? "64,1").split(",").map(Number);
const quick = process.env.BENCH_QUICK === "1";
const results: Record<string, Record<number, { app: Measurement; floor: Measurement; baseline?: Measurement }>> = {};
let peakRss = 0;
let startup: number[] = [];

try {
  const app = await startServer(APP_PORT, { ...env, BENCH_FLOOR_ROUTE: "1" });
  const baselineServer = quick ? undefined : await startBaseline(env);
  try {
    // Each scenario is measured right beside its two baselines, in interleaved rounds (floor, app, bare; then again),
    // and each figure is the median of its rounds, so that the machine's drift over a run does not land in the ratios.
    for (const connections of levels) {
      for (const name of names) {
        const rounds: { app: Measurement[]; floor: Measurement[]; baseline: Measurement[] } = {
          app: [],
          floor: [],
          baseline: [],
        };
        for (let round = 0; round < ROUNDS; round++) {
          rounds.floor.push(await measure(app.baseUrl, floorScenario, connections, app.process.pid!));
          rounds.app.push(await measure(app.baseUrl, workload[name]!, connections, app.process.pid!));
          if (baselineServer)
            rounds.baseline.push(
              await measure(`http://127.0.0.1:${BASELINE_PORT}`, workload[name]!, connections, baselineServer.group),
            );
        }
        const measured = medianMeasurement(rounds.app);
        const floor = medianMeasurement(rounds.floor);
        const baseline = baselineServer ? medianMeasurement(rounds.baseline) : undefined;
        (results[name] ??= {})[connections] = { app: measured, floor, baseline };
        console.error(
          `${name} c=${connections}: ${measured.requestsPerSecond.toFixed(0)} req/s, ${measured.serverCpuMicros!.toFixed(0)} µs/req; ` +
            `floor ${floor.requestsPerSecond.toFixed(0)}, ${floor.serverCpuMicros!.toFixed(0)} µs/req` +
            (baseline
              ? `; bare ${baseline.requestsPerSecond.toFixed(0)}, ${baseline.serverCpuMicros!.toFixed(0)} µs/req`
              : ""),
        );
      }
    }
    peakRss = peakRssMiB(app);
  } finally {
    await app.stop();
    await baselineServer?.stop();
  }

  for (let i = 0; i < (quick ? 0 : 5); i++) startup.push(await startupMilliseconds(env, fixture));
  startup = startup.sort((a, b) => a - b);
} finally {
  await database.drop();
}

const sizes = routeSizes();
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const lines = [
  `# Benchmark — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${machine()}`,
  "",
  `${USERS} users × ${TASKS_PER_USER} tasks on PostgreSQL, random users with valid tokens, ${SECONDS} s per row after ` +
    `${WARMUP_SECONDS} s of warm-up. Many connections: autocannon; 1 connection: a sequential keep-alive client. ` +
    `Each row's floor, app and bare baseline were measured in ${ROUNDS} interleaved rounds; figures are medians.`,
  "",
  "| scenario | conn. | req/s | p50 ms | p99 ms | errors | non-2xx | floor req/s | vs floor | bare req/s | vs bare | p50 − floor p50 | " +
    "server CPU µs/req: app | floor | app − floor | bare | (app − floor) ÷ bare | db CPU µs/req |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
];
for (const connections of levels) {
  for (const name of names) {
    const { app, floor: f, baseline } = results[name]![connections]!;
    lines.push(
      `| ${name} | ${connections} | ${app.requestsPerSecond.toFixed(0)} | ${app.p50.toFixed(2)} | ${app.p99.toFixed(2)} | ${app.errors} | ${app.non2xx} | ` +
        `${f.requestsPerSecond.toFixed(0)} | ${ratio(app.requestsPerSecond, f.requestsPerSecond)} | ` +
        `${baseline?.requestsPerSecond.toFixed(0) ?? "–"} | ${baseline ? ratio(app.requestsPerSecond, baseline.requestsPerSecond) : "–"} | ` +
        `${(app.p50 - f.p50).toFixed(2)} | ${app.serverCpuMicros!.toFixed(0)} | ${f.serverCpuMicros!.toFixed(0)} | ` +
        `${(app.serverCpuMicros! - f.serverCpuMicros!).toFixed(0)} | ${baseline?.serverCpuMicros!.toFixed(0) ?? "–"} | ` +
        `${baseline ? ((app.serverCpuMicros! - f.serverCpuMicros!) / baseline.serverCpuMicros!).toFixed(2) : "–"} | ` +
        `${app.databaseCpuMicros!.toFixed(0)} |`,
    );
  }
}
lines.push(
  "",
  `Server peak RSS under load: ${peakRss.toFixed(0)} MiB. Start-up to first successful task list (median of 5): ` +
    `${startup[2]?.toFixed(0) ?? "–"} ms (all: ${startup.map((ms) => ms.toFixed(0)).join(", ")}).`,
  `What the task routes load: ${sizes.ownKiB.toFixed(0)} KiB of the app's own server chunks, and ${sizes.tracedMiB.toFixed(1)} MiB ` +
    "of traced node_modules files in a deployment bundle.",
);
const table = lines.join("\n");
console.log(table);
writeFileSync(
  "bench/results/bench.json",
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: machine(),
      seconds: SECONDS,
      results,
      peakRssMiB: peakRss,
      startupMs: startup,
      sizes,
    },
    null,
    2,
  ),
);
writeFileSync("bench/results/bench.md", `${table}\n`);
