// Load generation for `npm run bench`: autocannon at 32 connections for throughput, and a sequential keep-alive client at
// 1 connection for latency with sub-millisecond resolution (autocannon's histogram counts whole milliseconds).
import http from "node:http";
import autocannon from "autocannon";
import pg from "pg";
import { signSessionToken } from "../lib/auth/tokens";
import { percentile } from "./support";

export interface Fixture {
  users: { id: string; authorization: string; taskIds: number[] }[];
}

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "PATCH";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export type Scenario = (random: () => number) => RequestSpec;

export interface Measurement {
  connections: number;
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU microseconds per request, in the server's processes and in PostgreSQL's. */
  serverCpuMicros?: number;
  databaseCpuMicros?: number;
}

/** Seeds users × tasks into a migrated database and returns them with a valid token for each user. */
export async function seedFixture(databaseUrl: string, users: number, tasksPerUser: number): Promise<Fixture> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // Seeding may take longer than the role's statement_timeout for requests (drizzle/0006_server_side_timeouts.sql).
  await client.query("set statement_timeout = 0");
  await client.query(`insert into users (id) select 'bench-' || u from generate_series(1, ${users}) as u`);
  const seeded = await client.query<{ user_id: string; ids: number[] }>(`
    with inserted as (
      insert into tasks (user_id, title, completed)
      select 'bench-' || u, 'task ' || t, t % 2 = 0
      from generate_series(1, ${users}) as u, generate_series(1, ${tasksPerUser}) as t
      returning user_id, id)
    select user_id, array_agg(id) as ids from inserted group by user_id`);
  await client.query("vacuum analyze");
  await client.end();
  return {
    users: await Promise.all(
      seeded.rows.map(async (row) => ({
        id: row.user_id,
        authorization: `Bearer ${await signSessionToken({ id: row.user_id }, { expiresInSeconds: 3600 })}`,
        taskIds: row.ids,
      })),
    ),
  };
}

const pickFrom = <T>(items: T[], random: () => number): T => items[Math.floor(random() * items.length)]!;

export function scenarios(fixture: Fixture): Record<string, Scenario> {
  const user = (random: () => number) => pickFrom(fixture.users, random);
  const json = (authorization: string) => ({ authorization, "content-type": "application/json" });
  const list: Scenario = (random) => {
    const u = user(random);
    return { method: "GET", path: `/api/${u.id}/tasks?limit=50`, headers: { authorization: u.authorization } };
  };
  const get: Scenario = (random) => {
    const u = user(random);
    return {
      method: "GET",
      path: `/api/${u.id}/tasks/${pickFrom(u.taskIds, random)}`,
      headers: { authorization: u.authorization },
    };
  };
  const create: Scenario = (random) => {
    const u = user(random);
    return {
      method: "POST",
      path: `/api/${u.id}/tasks`,
      headers: json(u.authorization),
      body: `{"title":"bench ${random()}"}`,
    };
  };
  const update: Scenario = (random) => {
    const u = user(random);
    return {
      method: "PUT",
      path: `/api/${u.id}/tasks/${pickFrom(u.taskIds, random)}`,
      headers: json(u.authorization),
      body: `{"title":"updated ${random()}"}`,
    };
  };
  const toggle: Scenario = (random) => {
    const u = user(random);
    return {
      method: "PATCH",
      path: `/api/${u.id}/tasks/${pickFrom(u.taskIds, random)}/complete`,
      headers: { authorization: u.authorization },
    };
  };
  const mix: Scenario = (random) => {
    const roll = random();
    if (roll < 0.4) return list(random);
    if (roll < 0.8) return get(random);
    return pickFrom([create, update, toggle], random)(random);
  };
  return { list, get, create, update, toggle, mix };
}

export const floorScenario: Scenario = () => ({ method: "GET", path: "/api/bench/floor", headers: {} });

export async function throughput(
  baseUrl: string,
  scenario: Scenario,
  seconds: number,
  connections = 32,
): Promise<Measurement> {
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, ...scenario(Math.random) }) }],
  });
  return {
    connections,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export async function latency(baseUrl: string, scenario: Scenario, seconds: number): Promise<Measurement> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(baseUrl);
  const timings: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const spec = scenario(Math.random);
    const started = performance.now();
    const status = await new Promise<number>((resolve) => {
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: spec.method,
          path: spec.path,
          headers: spec.headers,
        },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        },
      );
      request.on("error", () => resolve(0));
      request.end(spec.body);
    });
    timings.push(performance.now() - started);
    if (status === 0) errors++;
    else if (status < 200 || status > 299) non2xx++;
  }
  agent.destroy();
  timings.sort((a, b) => a - b);
  return {
    connections: 1,
    requests: timings.length,
    requestsPerSecond: timings.length / seconds,
    p50: percentile(timings, 50),
    p99: percentile(timings, 99),
    errors,
    non2xx,
  };
}
