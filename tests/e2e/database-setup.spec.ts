import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { jwtVerify } from "jose";
import pg from "pg";
import { signSessionToken } from "../../lib/auth/tokens";
import { createPostgresCluster, postgresBinDir } from "../support/postgres-cluster";
import { track } from "../support/started";
import { newTestDirectory } from "../support/test-run";
import { expect, fetchedExchange, test } from "./fixtures";
import { startNextServer } from "./next-server";

// What a developer meets before the first task: a database not migrated yet, `db:migrate` pointed at the wrong place,
// and configuration kept in .env. Each is run the way a developer runs it: npm scripts and `next start`.

const serverUrl = process.env.TEST_DATABASE_URL;
const NEEDS_POSTGRES_SERVER = "needs a PostgreSQL server: set TEST_DATABASE_URL (bash .ci/run does)";
/** Skips the test (or the enclosing describe's tests) without a PostgreSQL server to make databases on. */
const needsPostgresServer = () => test.skip(!serverUrl, NEEDS_POSTGRES_SERVER);

/** A new, empty database on TEST_DATABASE_URL's server, dropped after the test. */
async function emptyDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `todo_${label}_${randomBytes(6).toString("hex")}`;
  const admin = new URL(serverUrl!);
  admin.pathname = "/postgres";
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  const drop = async () => {
    untrack();
    await run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  // Dropped by the fixtures if the test ends (times out, say) before it drops it.
  const untrack = track({ description: `database ${name}`, stop: drop, stopNow: () => {} });
  return { url: url.toString(), drop };
}

/** Runs an npm script to its end, in this checkout with these variables added, or in `cwd` with `env` alone. */
function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script, "--", ...args], {
      cwd: cwd ?? process.cwd(),
      env: (cwd ? env : { ...process.env, ...env }) as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test.describe("a database the migrations have not reached", () => {
  needsPostgresServer();
  test("health says not_migrated, task routes say to run db:migrate, and both recover once it has run", async ({
    checkContract,
  }) => {
    test.setTimeout(120_000);
    const database = await emptyDatabase("unmigrated");
    const server = await startNextServer({
      AUTH_SECRET: process.env.AUTH_SECRET!,
      DATABASE_URL: database.url,
    });
    try {
      const get = async (pathname: string, headers: Record<string, string> = {}) => {
        const response = await fetch(`${server.url}${pathname}`, { headers });
        const exchange = await fetchedExchange("GET", `${server.url}${pathname}`, response);
        checkContract(exchange);
        return { status: exchange.status, headers: exchange.headers, body: JSON.parse(exchange.body.toString()) };
      };
      expect(await server.answering("/api/health", 60_000)).toBeDefined();

      const health = await get("/api/health");
      expect(health.status).toBe(503);
      expect(health.headers["retry-after"]).toBe("5");
      expect(health.body).toEqual({ status: "unavailable", database: "not_migrated" });

      const auth = { authorization: `Bearer ${await signSessionToken({ id: "dana" })}` };
      const list = await get("/api/dana/tasks", auth);
      expect(list.status).toBe(503);
      expect(list.body).toEqual({
        error: "the database's schema is behind this version of the app: run `npm run db:migrate`, then retry",
        code: "service_unavailable",
      });

      const migrated = await runScript("db:migrate", [], { DATABASE_URL: database.url, DATABASE_URL_UNPOOLED: "" });
      expect(migrated.code).toBe(0);

      // The server looks again within a couple of seconds, without a restart.
      await expect.poll(async () => (await get("/api/health")).status, { timeout: 15_000 }).toBe(200);
      await expect.poll(async () => (await get("/api/dana/tasks", auth)).status, { timeout: 15_000 }).toBe(200);
      expect(server.output()).not.toContain('"level":"error"');
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});

test.describe("npm run db:migrate pointed at a database it cannot use", () => {
  const cases: [string, () => string, RegExp][] = [
    [
      "a database that does not exist",
      () => {
        const url = new URL(serverUrl ?? "postgres://postgres@127.0.0.1:5432/todo");
        url.pathname = "/todo_no_such_database";
        return url.toString();
      },
      /database "todo_no_such_database" does not exist \(SQLSTATE 3D000\)$/,
    ],
    ["a closed port", () => "postgres://postgres:hunter2-secret@127.0.0.1:9/todo", /connection refused/],
    ["a host that does not resolve", () => "postgres://postgres@no-such-host.invalid:5432/todo", /host not found/],
  ];
  for (const [what, urlOf, reason] of cases) {
    test(`prints the cause in one line, with the target and without its password, and exits 1: ${what}`, async () => {
      test.skip(what.includes("does not exist") && !serverUrl, NEEDS_POSTGRES_SERVER);
      test.setTimeout(60_000);
      const url = urlOf();
      const { code, stdout, stderr } = await runScript("db:migrate", [], {
        DATABASE_URL: url,
        DATABASE_URL_UNPOOLED: "",
      });
      expect(code).toBe(1);
      expect(stdout).toBe("");
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      const shown = new URL(url);
      if (shown.password) shown.password = "***";
      expect(lines[0]).toContain(`migration failed (pg ${shown.toString()}): `);
      expect(lines[0]).toMatch(reason);
      expect(stderr).not.toContain("hunter2-secret");
      expect(stderr).not.toContain("Failed query");
    });
  }
});

test.describe("npm run db:migrate with a wrong password", () => {
  test.skip(!postgresBinDir() && !process.env.CI, "needs PostgreSQL's server binaries (initdb, pg_ctl)");

  test("prints the server's refusal in one line, without either password, and exits 1", async () => {
    test.setTimeout(120_000);
    const cluster = await createPostgresCluster({}, { password: "the-right-password" });
    try {
      const url = new URL(cluster.url);
      url.password = "hunter2-secret";
      const { code, stdout, stderr } = await runScript("db:migrate", [], {
        DATABASE_URL: url.toString(),
        DATABASE_URL_UNPOOLED: "",
      });
      expect(code).toBe(1);
      expect(stdout).toBe("");
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      url.password = "***";
      expect(lines[0]).toContain(`migration failed (pg ${url.toString()}): `);
      expect(lines[0]).toMatch(/password authentication failed for user "postgres" \(SQLSTATE 28P01\)$/);
      expect(stderr).not.toContain("hunter2-secret");
      expect(stderr).not.toContain("the-right-password");
    } finally {
      await cluster.destroy();
    }
  });
});

test.describe("configuration in .env", () => {
  /** A copy of what the npm scripts run (no .env, no .data), sharing this checkout's node_modules. */
  function projectCopy(): string {
    const root = newTestDirectory("project");
    for (const entry of ["package.json", "tsconfig.json", "scripts", "lib", "db", "drizzle"]) {
      cpSync(entry, path.join(root, entry), { recursive: true });
    }
    symlinkSync(path.resolve("node_modules"), path.join(root, "node_modules"));
    return root;
  }
  // Set here, these would win over .env: the scripts below must find them in .env alone.
  // __NEXT_PROCESSED_ENV: set where .env files were loaded already; a child seeing it would skip them.
  const unset = {
    AUTH_SECRET: "",
    DATABASE_URL: "",
    DATABASE_URL_UNPOOLED: "",
    PGLITE_DATA_DIR: "",
    NODE_ENV: "",
    __NEXT_PROCESSED_ENV: "",
  };
  function environmentWithoutUnset(): Record<string, string> {
    const copy: Record<string, string | undefined> = { ...process.env };
    for (const name of Object.keys(unset)) delete copy[name];
    return copy as Record<string, string>;
  }

  test("db:migrate and token read .env as the server does: PostgreSQL migrated, token signed with AUTH_SECRET", async () => {
    needsPostgresServer();
    test.setTimeout(60_000);
    const project = projectCopy();
    const database = await emptyDatabase("dotenv");
    try {
      const secret = randomBytes(32).toString("base64url");
      writeFileSync(path.join(project, ".env"), `DATABASE_URL=${database.url}\nAUTH_SECRET=${secret}\n`);
      const run = (script: string, args: string[] = []) => runScript(script, args, environmentWithoutUnset(), project);

      const migrated = await run("db:migrate");
      expect(migrated.stderr).toBe("");
      expect(migrated.stdout).toContain(`migrations applied (pg ${database.url})`);
      expect(existsSync(path.join(project, ".data"))).toBe(false); // the embedded database was not touched
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query("select count(*)::int as n from tasks");
      await client.end();
      expect(rows).toEqual([{ n: 0 }]);

      const token = await run("token", ["erin"]);
      expect(token.code).toBe(0);
      const { payload } = await jwtVerify(token.stdout.trim(), new TextEncoder().encode(secret), {
        algorithms: ["HS256"],
      });
      expect(payload.sub).toBe("erin");
    } finally {
      await database.drop();
      rmSync(project, { recursive: true, force: true });
    }
  });

  test("without AUTH_SECRET, token signs with this checkout's generated secret, kept under .data/", async () => {
    test.setTimeout(60_000);
    const project = projectCopy();
    try {
      const run = async () => (await runScript("token", ["frank"], environmentWithoutUnset(), project)).stdout.trim();
      const first = await run();
      const secret = readFileSync(path.join(project, ".data", "dev-auth-secret"), "utf8").trim();
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const key = new TextEncoder().encode(secret);
      expect((await jwtVerify(first, key, { algorithms: ["HS256"] })).payload.sub).toBe("frank");
      expect((await jwtVerify(await run(), key, { algorithms: ["HS256"] })).payload.sub).toBe("frank");
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
