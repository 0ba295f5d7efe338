// Shared by the benchmarks: a fresh database on the machine's PostgreSQL, and a production server in its own process
// group, so that stopping it stops next-server too.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import pg from "pg";
import { freePort } from "../tests/support/free-port";

export const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** BENCH_DATABASE_URL when set; otherwise a new database on the machine's server, dropped by `drop()`. */
export async function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, drop: async () => {} };
  const name = `todo_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface RunningServer {
  baseUrl: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}

/**
 * Throws, naming the port, when something already listens on it: a server started there would fail to bind while the
 * benchmark measured whatever answers in its place (another checkout's server, say).
 */
export async function ensurePortFree(port: number): Promise<void> {
  const taken = await new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
  if (taken) {
    throw new Error(`port ${port} is already in use: stop what listens there (unset BENCH_PORT to take free ones)`);
  }
}

/**
 * A port for one of the benchmark's servers: BENCH_PORT + `offset` when BENCH_PORT is set (to pin them), otherwise one
 * nothing listens on now, taken at run time so that the benchmark never meets another checkout's server.
 */
export async function benchPort(offset: number): Promise<number> {
  return process.env.BENCH_PORT ? Number(process.env.BENCH_PORT) + offset : freePort();
}

/**
 * `next start` of the build in `options.directory` (default: this checkout) on `port`, in its own process group, once
 * /api/health answers 200. `options.node` is the Node.js binary that runs it (default: BENCH_NODE, else this one),
 * `options.nodeArgs` options for it (`--cpu-prof`).
 */
export async function startServer(
  port: number,
  env: Record<string, string>,
  options: { directory?: string; node?: string; nodeArgs?: string[] } = {},
): Promise<RunningServer> {
  const { directory = ".", node = process.env.BENCH_NODE ?? process.execPath, nodeArgs = [] } = options;
  if (!existsSync(`${directory}/.next/BUILD_ID`))
    throw new Error(`no production build in ${directory}: run \`npx next build\``);
  await ensurePortFree(port);
  const child = spawn(node, [...nodeArgs, "node_modules/next/dist/bin/next", "start", "-p", String(port)], {
    cwd: directory,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
    detached: true,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const healthy = await fetch(`${baseUrl}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("the server did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    process: child,
    stop: async () => {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
      await exited;
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const machine = () =>
  `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

const CLOCK_TICKS_PER_SECOND = 100;

function pidsOf(args: string[]): string[] {
  try {
    return execFileSync("ps", args, { encoding: "utf8" })
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** utime + stime of each process, and, with `reapedChildren`, the CPU of its children that ended and were reaped. */
function cpuSecondsOf(pids: string[], reapedChildren = false): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields 14-17 of /proc/<pid>/stat (utime, stime, cutime, cstime), counted after the parenthesised command name.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      if (reapedChildren) ticks += Number(fields[13]) + Number(fields[14]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds used so far by the server's process group and by PostgreSQL: its live processes, plus, on each
 * postmaster, the backends that ended and were reaped (a backend that exits between two readings would otherwise take
 * its CPU with it, and the difference could go negative). All of the machine's PostgreSQL: on a shared machine, other
 * work's queries count too. On a shared 2-core machine, CPU per request is steadier than requests per second for
 * comparing two versions of the code.
 */
export function cpuUsage(serverGroup: number): { server: number; database: number } {
  const postgres = pidsOf(["-o", "pid=,ppid=", "-C", "postgres"]).map((line) => line.split(/\s+/));
  const postgresPids = new Set(postgres.map(([pid]) => pid));
  const postmasters = postgres.filter(([, ppid]) => !postgresPids.has(ppid)).map(([pid]) => pid!);
  return {
    server: cpuSecondsOf(pidsOf(["-o", "pid=", "-g", String(serverGroup)])),
    database:
      cpuSecondsOf(postgres.map(([pid]) => pid!).filter((pid) => !postmasters.includes(pid))) +
      cpuSecondsOf(postmasters, true),
  };
}
