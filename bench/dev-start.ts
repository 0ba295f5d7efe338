// npm run bench:dev-start [-- runs [commit]]: how long a newcomer waits, from `npm run dev` to the first successful task list
// (issue 10 §2: < 10 s on a fresh clone, < 5 s on a restart, on a quiet machine).
//
// In a fresh clone of this checkout at `commit` (default HEAD; its node_modules hard-linked from this one: Turbopack refuses a symlink),
// each round runs `npm run dev` three times:
// - "first": no .next, no .data, an empty Node.js compile cache and an empty user cache (XDG_CACHE_HOME, where the
//   embedded database's template cluster is kept, db/pglite-seed.ts): the first `git clone && npm install && npm run dev`
//   on a machine;
// - "fresh": the same, but with the user cache the first run filled: a fresh clone on a machine that ran the app before;
// - "restart": the same command again with everything the previous run left behind.
// The token comes first, as in the README (`npm run token` writes the development secret, not the database). The clock
// starts when `npm run dev` is spawned and stops at the first 200 of GET /api/{user}/tasks, polled every 50 ms. Each
// server then serves on for a few seconds and is stopped with Ctrl-C (SIGINT), as a developer's would be: Turbopack
// writes its cache in the background after compiling, and a server killed within a second of its first answer leaves
// none for the restart.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../tests/support/free-port";

const runs = Number(process.argv[2] ?? 3);
const commit = process.argv[3] ?? "HEAD";
const USER = "alice";
const GIVE_UP_MS = 180_000;
const SERVE_ON_MS = 5_000;

interface Timing {
  /** ms from spawn to Next.js's "Ready in" line. */
  ready: number;
  /** ms from spawn to the first 200 of the task list. */
  firstList: number;
}

async function timeDevStart(checkout: string, compileCache: string, userCache: string): Promise<Timing> {
  const token = execFileSync("npm", ["run", "--silent", "token", "--", USER], {
    cwd: checkout,
    encoding: "utf8",
  }).trim();
  const port = await freePort();
  const started = performance.now();
  const child = spawn("npm", ["run", "dev", "--", "-p", String(port)], {
    cwd: checkout,
    env: { ...process.env, NODE_COMPILE_CACHE: compileCache, XDG_CACHE_HOME: userCache, NEXT_TELEMETRY_DISABLED: "1" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let ready = NaN;
  let output = "";
  const onOutput = (chunk: Buffer) => {
    output += chunk.toString();
    if (Number.isNaN(ready) && /Ready in/.test(output)) ready = performance.now() - started;
  };
  child.stdout.on("data", onOutput);
  child.stderr.on("data", onOutput);
  try {
    for (;;) {
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`no 200 within ${GIVE_UP_MS} ms:\n${output}`);
      if (child.exitCode !== null) throw new Error(`npm run dev exited with ${child.exitCode}:\n${output}`);
      const status = await fetch(`http://127.0.0.1:${port}/api/${USER}/tasks`, {
        headers: { authorization: `Bearer ${token}` },
      }).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) {
        const firstList = performance.now() - started;
        await new Promise((resolve) => setTimeout(resolve, SERVE_ON_MS));
        return { ready, firstList };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid!, "SIGINT");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group is gone already
    }
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const seconds = (ms: number) => (ms / 1000).toFixed(1);

const scratch = mkdtempSync(path.join(os.tmpdir(), "todo-dev-start-"));
try {
  const checkout = path.join(scratch, "clone");
  execFileSync("git", ["clone", "-q", ".", checkout]);
  execFileSync("git", ["checkout", "-q", execFileSync("git", ["rev-parse", commit], { encoding: "utf8" }).trim()], {
    cwd: checkout,
  });
  execFileSync("cp", ["-al", path.resolve("node_modules"), path.join(checkout, "node_modules")]);
  const kinds = ["first", "fresh", "restart"] as const;
  const results: Record<(typeof kinds)[number], Timing[]> = { first: [], fresh: [], restart: [] };
  for (let round = 1; round <= runs; round++) {
    const userCache = path.join(scratch, `user-cache-${round}`);
    for (const kind of kinds) {
      if (kind !== "restart") {
        for (const leftover of [".next", ".data"])
          rmSync(path.join(checkout, leftover), { recursive: true, force: true });
      }
      const compileCache = path.join(scratch, `compile-cache-${round}-${kind === "restart" ? "fresh" : kind}`);
      results[kind].push(await timeDevStart(checkout, compileCache, userCache));
    }
    console.log(
      `round ${round}: ` +
        kinds
          .map(
            (kind) =>
              `${kind} ${seconds(results[kind].at(-1)!.firstList)} s (Ready ${seconds(results[kind].at(-1)!.ready)} s)`,
          )
          .join(", "),
    );
  }
  console.log(
    `${commit}, Node.js ${process.version}, median of ${runs}, first task list: ` +
      kinds.map((kind) => `${kind} ${seconds(median(results[kind].map((t) => t.firstList)))} s`).join(", "),
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
