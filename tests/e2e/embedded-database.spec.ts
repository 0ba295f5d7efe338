import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { signSessionToken } from "../../lib/auth/tokens";
import { newTestDirectory } from "../support/test-run";
import { expect, fetchedExchange, test, type CheckContract } from "./fixtures";
import { SERVER_START_BUDGET_MS, startNextServer, type NextServer } from "./next-server";

// The embedded database (PGlite) is PostgreSQL in single-user mode: one process per data directory, ever. These tests
// run the real commands a developer runs against one directory while a server holds it, and crash the server mid-write.

test.describe.configure({ mode: "serial" });

// Made when the tests run, not when the file is loaded (the runner loads it too, to list its tests); in the run's
// directory, which the run's end removes whatever happens here.
let dataRoot: string;
test.beforeAll(() => void (dataRoot = newTestDirectory("pglite-embedded")));
test.afterAll(() => rmSync(dataRoot, { recursive: true, force: true }));

const serverEnv = (dataDir: string) => ({
  AUTH_SECRET: process.env.AUTH_SECRET!,
  DATABASE_URL: "",
  PGLITE_DATA_DIR: dataDir,
});

/** A server on `dataDir` that has answered its health check with 200 (its database is open). */
async function startServing(dataDir: string): Promise<NextServer> {
  const server = await startNextServer(serverEnv(dataDir));
  try {
    await server.ready();
    return server;
  } catch (error) {
    await server.stop("SIGKILL");
    throw error;
  }
}

interface Session {
  userId: string;
  headers: Record<string, string>;
}
async function newSession(label: string): Promise<Session> {
  const userId = `${label}-${Date.now()}`;
  const token = await signSessionToken({ id: userId });
  return { userId, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } };
}

async function checked(checkContract: CheckContract, method: string, url: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, method });
  const exchange = await fetchedExchange(method, url, response);
  checkContract(exchange);
  return { status: exchange.status, body: exchange.body.length ? JSON.parse(exchange.body.toString()) : undefined };
}

async function createTask(checkContract: CheckContract, server: NextServer, session: Session, title: string) {
  return checked(checkContract, "POST", `${server.url}/api/${session.userId}/tasks`, {
    headers: session.headers,
    body: JSON.stringify({ title }),
  });
}

/** Every task of the user, following the Link header to the end. */
async function allTasks(
  server: NextServer,
  session: Session,
): Promise<{ id: number; title: string; completed: boolean }[]> {
  const tasks = [];
  let next: string | undefined = `/api/${session.userId}/tasks?limit=100&sort=created_at&order=asc`;
  while (next) {
    const response: Response = await fetch(`${server.url}${next}`, { headers: session.headers });
    expect(response.status).toBe(200);
    tasks.push(...((await response.json()) as { id: number; title: string; completed: boolean }[]));
    next = /<([^>]+)>; rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
  }
  return tasks;
}

/** Runs an npm script to its end: exit code and everything it printed. */
function runScript(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; ms: number }> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => resolve({ code, output, ms: performance.now() - startedAt }));
  });
}

/** Every file under a directory with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const stats = statSync(path.join(dir, name));
    if (stats.isFile()) files[name] = `${stats.size}@${stats.mtimeMs}`;
  }
  return files;
}

test.describe("a second process on a served data directory", () => {
  let dataDir: string;
  let server: NextServer;
  test.beforeAll(async () => {
    test.setTimeout(SERVER_START_BUDGET_MS + 30_000);
    dataDir = path.join(dataRoot, "served");
    server = await startServing(dataDir);
  });
  test.afterAll(async () => server?.stop());

  test("`npm run db:migrate` is refused at once, touching nothing, and the server keeps every task", async ({
    checkContract,
  }) => {
    test.setTimeout(60_000);
    const alice = await newSession("alice");
    expect((await createTask(checkContract, server, alice, "before the migration")).status).toBe(201);

    const before = snapshot(dataRoot);
    const migrate = await runScript("db:migrate", { DATABASE_URL: "", PGLITE_DATA_DIR: dataDir });
    expect(migrate.code).toBe(1);
    expect(migrate.output).toContain(`The embedded database at ${dataDir} cannot be opened`);
    expect(migrate.output).toContain(`in use by process ${server.pid} (next start`);
    expect(snapshot(dataRoot)).toEqual(before);

    expect((await createTask(checkContract, server, alice, "after the migration")).status).toBe(201);
    expect((await allTasks(server, alice)).map((task) => task.title)).toEqual([
      "before the migration",
      "after the migration",
    ]);
    expect((await checked(checkContract, "GET", `${server.url}/api/health`)).body).toEqual({
      status: "ok",
      database: "ok",
    });
  });

  test("a second `next start` on the directory stops at once with the reason; the first serves on", async ({
    checkContract,
  }) => {
    test.setTimeout(60_000);
    const bob = await newSession("bob");
    expect((await createTask(checkContract, server, bob, "first")).status).toBe(201);

    const before = snapshot(dataRoot);
    const second = await startNextServer(serverEnv(dataDir));
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`The embedded database at ${dataDir} cannot be opened`);
    expect(second.output()).toContain(`in use by process ${server.pid}`);
    expect(snapshot(dataRoot)).toEqual(before);

    expect((await createTask(checkContract, server, bob, "second")).status).toBe(201);
    const tasks = await allTasks(server, bob);
    expect(tasks.map((task) => task.title)).toEqual(["first", "second"]);
    expect(new Set(tasks.map((task) => task.id)).size).toBe(2);
  });
});

test(
  "a server killed with SIGKILL in the middle of writes, again and again, loses no acknowledged write",
  { tag: "@fault" },
  async () => {
    const CRASHES = 4;
    test.setTimeout(CRASHES * 120_000);
    const dataDir = path.join(dataRoot, "crashed");
    const carol = await newSession("carol");
    // What each acknowledged task must look like; `completed` is left out while a completion was sent but not answered.
    const acknowledged = new Map<number, { title: string; completed?: boolean }>();

    for (let crash = 1; crash <= CRASHES; crash++) {
      const server = await startServing(dataDir);
      // Everything acknowledged before this start is still there, exactly as acknowledged.
      const stored = new Map((await allTasks(server, carol)).map((task) => [task.id, task]));
      for (const [id, expected] of acknowledged)
        expect(stored.get(id), `task ${id} after ${crash - 1} crashes`).toMatchObject(expected);

      // Four writers (creates, and completions of what they created) until the kill, which lands while they are writing.
      let killed = false;
      const writer = async (lane: number) => {
        for (let n = 0; !killed; n++) {
          const title = `crash ${crash} lane ${lane} #${n}`;
          const created = await fetch(`${server.url}/api/${carol.userId}/tasks`, {
            method: "POST",
            headers: carol.headers,
            body: JSON.stringify({ title }),
          }).catch(() => undefined);
          // An answer cut off by the kill is no acknowledgement.
          const body = created?.status === 201 ? await created.json().catch(() => undefined) : undefined;
          if (!body) continue;
          const { id } = body as { id: number };
          acknowledged.set(id, { title, completed: false });
          if (n % 2 === 0) continue;
          acknowledged.set(id, { title });
          const completed = await fetch(`${server.url}/api/${carol.userId}/tasks/${id}/complete`, {
            method: "PATCH",
            headers: carol.headers,
            body: JSON.stringify({ completed: true }),
          }).catch(() => undefined);
          if (completed?.status === 200 && (await completed.json().catch(() => undefined))) {
            acknowledged.set(id, { title, completed: true });
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      const before = acknowledged.size;
      while (acknowledged.size < before + 20 + crash * 7) await new Promise((resolve) => setTimeout(resolve, 5));
      await server.stop("SIGKILL");
      killed = true;
      await Promise.all(writers);
    }

    const server = await startServing(dataDir);
    try {
      const stored = new Map((await allTasks(server, carol)).map((task) => [task.id, task]));
      for (const [id, expected] of acknowledged)
        expect(stored.get(id), `task ${id} at the end`).toMatchObject(expected);
      expect(acknowledged.size).toBeGreaterThanOrEqual(CRASHES * 20);
    } finally {
      await server.stop();
    }
  },
);

/** Mounts a tmpfs of `size` at `mountPoint`; skips the test where that is impossible (not root), but never in CI. */
function mountSmallDisk(mountPoint: string, size: string): void {
  mkdirSync(mountPoint, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mountPoint], { stdio: "pipe" });
  } catch (error) {
    const reason = `needs to mount a small tmpfs (root): ${String((error as { stderr?: unknown }).stderr ?? error)}`;
    if (process.env.CI) throw new Error(reason);
    test.skip(true, reason);
  }
}

/** Writes to `file` until the disk has no byte left. */
function fillDisk(file: string): void {
  const fd = openSync(file, "w");
  try {
    for (const size of [1 << 20, 4096, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as { code?: string }).code !== "ENOSPC") throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

test(
  "a full disk: writes answer 503 saying so, health reports disk_full, nothing refused is stored, and both recover once space is freed",
  { tag: "@fault" },
  async ({ checkContract }) => {
    test.setTimeout(SERVER_START_BUDGET_MS + 90_000);
    const mountPoint = path.join(dataRoot, "small-disk");
    mountSmallDisk(mountPoint, "64m");
    let server: NextServer | undefined;
    try {
      server = await startServing(path.join(mountPoint, "data"));
      const dave = await newSession("dave");
      expect((await createTask(checkContract, server, dave, "before the disk filled up")).status).toBe(201);
      const stored = new Set(["before the disk filled up"]);

      fillDisk(path.join(mountPoint, "filler"));
      // Rows that fit in a page the table already has need no new space: writes succeed until one needs a new page.
      const refused: string[] = [];
      for (let n = 0; refused.length < 20 && n < 5_000; n++) {
        const title = `on a full disk #${n} ${"x".repeat(200)}`;
        const { status, body } = await createTask(checkContract, server, dave, title);
        if (status === 201) {
          expect(refused).toEqual([]);
          stored.add(title);
          continue;
        }
        expect(status).toBe(503);
        expect(body).toMatchObject({ code: "service_unavailable", error: expect.stringContaining("disk is full") });
        refused.push(title);
      }
      expect(refused).toHaveLength(20);
      expect((await checked(checkContract, "GET", `${server.url}/api/health`)).body).toEqual({
        status: "unavailable",
        database: "disk_full",
      });
      // Reads still work, and show every acknowledged write and none of the refused ones.
      expect(new Set((await allTasks(server, dave)).map((task) => task.title))).toEqual(stored);

      rmSync(path.join(mountPoint, "filler"));
      expect((await checked(checkContract, "GET", `${server.url}/api/health`)).body).toEqual({
        status: "ok",
        database: "ok",
      });
      expect((await createTask(checkContract, server, dave, "after space was freed")).status).toBe(201);
      stored.add("after space was freed");
      expect(new Set((await allTasks(server, dave)).map((task) => task.title))).toEqual(stored);
    } finally {
      await server?.stop();
      execFileSync("umount", [mountPoint]);
    }
  },
);

test(
  "a damaged data directory: 503s that name it, the cause logged once, the open retried at most every 5 s",
  { tag: "@fault" },
  async ({ checkContract }) => {
    test.setTimeout(2 * SERVER_START_BUDGET_MS + 60_000);
    const dataDir = path.join(dataRoot, "damaged");
    const erin = await newSession("erin");
    const first = await startServing(dataDir);
    try {
      expect((await createTask(checkContract, first, erin, "before the damage")).status).toBe(201);
    } finally {
      await first.stop();
    }
    // Zero the write-ahead log: PostgreSQL then finds no checkpoint to start from (PANIC).
    const wal = path.join(dataDir, "pg_wal");
    for (const name of readdirSync(wal).filter((entry) => /^[0-9A-F]{24}$/.test(entry))) {
      writeFileSync(path.join(wal, name), Buffer.alloc(statSync(path.join(wal, name)).size));
    }

    const server = await startNextServer(serverEnv(dataDir));
    try {
      expect((await server.answering())?.status).toBe(503);
      const durations: number[] = [];
      const started = performance.now();
      while (performance.now() - started < 8_000) {
        const before = performance.now();
        const list = await checked(checkContract, "GET", `${server.url}/api/${erin.userId}/tasks`, {
          headers: erin.headers,
        });
        expect(list.status).toBe(503);
        expect(list.body).toMatchObject({ code: "service_unavailable", error: expect.stringContaining(dataDir) });
        const health = await checked(checkContract, "GET", `${server.url}/api/health`);
        expect(health).toEqual({ status: 503, body: { status: "unavailable", database: "unreachable" } });
        durations.push(performance.now() - before);
      }
      // An open of a damaged directory costs about a second of CPU: at most one every 5 s, the other requests wait for
      // none. (Before: every request tried again, and took a second or more.)
      expect(durations.length).toBeGreaterThan(20);
      expect(durations.filter((ms) => ms > 500).length).toBeLessThanOrEqual(2);
      const causes = server
        .output()
        .split("\n")
        .filter((line) => line.includes("could not locate a valid checkpoint record"));
      expect(causes).toHaveLength(1);
    } finally {
      await server.stop();
    }
  },
);
