// A PostgreSQL cluster that a test owns outright (initdb into a temporary directory, pg_ctl on a port of its own), so it
// can stop, crash and freeze its database without touching the machine's server that other runs share.
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import path from "node:path";
import { freePort } from "./free-port";
import { track } from "./started";
import { newTestDirectory } from "./test-run";

export type Outage = "fast-shutdown" | "crash" | "freeze";

export interface PostgresCluster {
  port: number;
  /** Its `postgres` database. */
  url: string;
  /** Applies the app's migrations to the `postgres` database with `npm run db:migrate`, as a deploy step would. */
  migrate(): Promise<void>;
  /** Takes the database away: a clean shutdown, a crash (immediate stop), or every server process stopped (SIGSTOP). */
  interrupt(outage: Outage): Promise<void>;
  /** Brings it back from interrupt() and resolves once it accepts connections. */
  restore(): Promise<void>;
  destroy(): Promise<void>;
}

/** Where initdb and pg_ctl live: PG_BIN_DIR, else what pg_config says, else the newest Debian-style install. */
export function postgresBinDir(): string | undefined {
  const candidates = [process.env.PG_BIN_DIR];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    // no pg_config on PATH
  }
  if (existsSync("/usr/lib/postgresql")) {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  return candidates.find((dir) => dir && existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl")));
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${stderr}`)),
    );
  });
}

// initdb refuses to run as root: as root, the cluster belongs to the postgres user.
const runAsOwner = (command: string, args: string[]) =>
  process.getuid?.() === 0 ? run("runuser", ["-u", "postgres", "--", command, ...args]) : run(command, args);

/** The postmaster and every process it started (backends, checkpointer, WAL writer...). */
function serverProcesses(dataDir: string): number[] {
  const postmaster = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so read after the last ")".
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

/**
 * A new cluster on a free port, in a directory of the test run's, started and ready for connections. `settings` are
 * appended to its postgresql.conf (say `{ max_connections: 40 }`).
 */
export async function createPostgresCluster(
  settings: Record<string, string | number> = {},
  options: {
    /** Connections over TCP must give this password for `postgres` (SCRAM-SHA-256); it is in the cluster's url. */
    password?: string;
  } = {},
): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("no PostgreSQL server binaries (initdb, pg_ctl) found; set PG_BIN_DIR");
  const port = await freePort();
  const root = newTestDirectory("cluster");
  if (process.getuid?.() === 0) {
    const { uid, gid } = statSync("/var/lib/postgresql");
    chownSync(root, uid, gid);
  }
  const dataDir = path.join(root, "data");
  const pgCtl = (...args: string[]) => runAsOwner(path.join(bin, "pg_ctl"), ["-D", dataDir, ...args]);
  const serverLog = path.join(root, "server.log");
  const start = () =>
    pgCtl("-l", serverLog, "-w", "-t", "30", "start").catch((error: Error) => {
      const log = existsSync(serverLog) ? readFileSync(serverLog, "utf8").split("\n").slice(-10).join("\n") : "";
      throw new Error(`${error.message}\nserver log:\n${log}`);
    });

  const credentials = options.password === undefined ? "postgres" : `postgres:${encodeURIComponent(options.password)}`;
  const url = `postgres://${credentials}@127.0.0.1:${port}/postgres`;
  let frozen: number[] = [];
  async function destroy() {
    for (const pid of frozen) process.kill(pid, "SIGCONT");
    frozen = [];
    await pgCtl("-m", "immediate", "-w", "stop").catch(() => {});
    rmSync(root, { recursive: true, force: true });
    untrack();
  }
  // Until destroy(), the fixtures' teardown and the process's exit stop it whatever the test did (tests/support/started.ts),
  // from the moment initdb starts.
  const untrack = track({
    description: `PostgreSQL cluster on port ${port}`,
    stop: destroy,
    stopNow() {
      try {
        // What `pg_ctl -m immediate stop` sends; a frozen server must be woken up to receive it.
        for (const pid of frozen) process.kill(pid, "SIGCONT");
        process.kill(Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]), "SIGQUIT");
      } catch {
        // not running
      }
    },
  });

  try {
    const authentication = ["-A", "trust"];
    if (options.password !== undefined) {
      const passwordFile = path.join(root, "password");
      writeFileSync(passwordFile, `${options.password}\n`);
      if (process.getuid?.() === 0) {
        const { uid, gid } = statSync("/var/lib/postgresql");
        chownSync(passwordFile, uid, gid);
      }
      authentication.push("--auth-host=scram-sha-256", `--pwfile=${passwordFile}`);
    }
    await runAsOwner(path.join(bin, "initdb"), [
      "-D",
      dataDir,
      "-U",
      "postgres",
      ...authentication,
      "-E",
      "UTF8",
      "--no-sync",
    ]);
    // fsync off: the outages here kill server processes, never the machine, so the OS keeps every write it was given.
    await appendFile(
      path.join(dataDir, "postgresql.conf"),
      `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nfsync = off\n` +
        Object.entries(settings)
          .map(([name, value]) => `${name} = ${typeof value === "number" ? value : `'${value}'`}\n`)
          .join(""),
    );
    await start();
  } catch (error) {
    await destroy();
    throw error;
  }

  return {
    port,
    url,
    // node-postgres over the direct URL, as a deploy step would.
    migrate: () =>
      run("npm", ["run", "--silent", "db:migrate"], {
        ...process.env,
        DATABASE_URL: url,
        DATABASE_URL_UNPOOLED: "",
        DATABASE_DRIVER: "",
      }),
    async interrupt(outage) {
      if (outage === "freeze") {
        frozen = serverProcesses(dataDir);
        for (const pid of frozen) process.kill(pid, "SIGSTOP");
      } else {
        await pgCtl("-m", outage === "crash" ? "immediate" : "fast", "-w", "stop");
      }
    },
    async restore() {
      if (frozen.length > 0) {
        for (const pid of frozen) process.kill(pid, "SIGCONT");
        frozen = [];
      } else {
        await start();
      }
    },
    destroy,
  };
}
