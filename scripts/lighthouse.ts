// npm run lighthouse: Lighthouse's performance, accessibility and best-practices scores for the signed-in page with
// 100 tasks, on the production build (`next start`), in the system's Chromium. A measurement to read, not a CI gate:
// its numbers depend on the machine. Reports (HTML) go to test-results/lighthouse/.
//
// LIGHTHOUSE_PORT (default 3290) is the port the app listens on; CHROME_PATH (or CHROMIUM_PATH) the browser.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as chromeLauncher from "chrome-launcher";
import lighthouse, { type Config } from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";

const TASKS = 100;
const port = Number(process.env.LIGHTHOUSE_PORT ?? 3290);
const origin = `http://127.0.0.1:${port}`;
const chromePath = process.env.CHROME_PATH ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const reports = path.resolve("test-results/lighthouse");
const userId = "lighthouse";

// The server and this script share the secret, so that this script can sign the session cookie a sign-in would set.
process.env.AUTH_SECRET = randomBytes(32).toString("base64url");
const { signSessionToken } = await import("../lib/auth/tokens");

const dataDir = await mkdtemp(path.join(tmpdir(), "todo-lighthouse-"));
const server = spawn(
  process.execPath,
  ["node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", String(port)],
  {
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: process.env.AUTH_SECRET,
      NEXTAUTH_URL: origin,
      PGLITE_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
    },
    detached: true, // its own process group: stopping it stops next-server too
    stdio: ["ignore", "inherit", "inherit"],
  },
);
let chrome: chromeLauncher.LaunchedChrome | undefined;

async function stop() {
  chrome?.kill();
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    process.kill(-server.pid!, "SIGTERM");
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
}

try {
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${origin}/api/health`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || server.exitCode !== null) throw new Error("the app did not start");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const token = await signSessionToken({ id: userId }, { expiresInSeconds: 3600 });
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  for (let index = 1; index <= TASKS; index++) {
    const body = {
      title: `Task ${index}: ${["Buy groceries", "Reply to the landlord", "Book the dentist", "Water the plants"][index % 4]}`,
      ...(index % 3 === 0
        ? { description: "A description long enough to wrap onto a second line on a phone screen." }
        : {}),
      completed: index % 5 === 0,
    };
    const created = await fetch(`${origin}/api/${userId}/tasks`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    if (created.status !== 201) throw new Error(`creating task ${index}: ${created.status} ${await created.text()}`);
  }

  // The session cookie a sign-in sets (next-auth's session token is this same JWS).
  const cookie = `next-auth.session-token=${token}`;
  // One visit first, so that the measured one is not the server's first.
  await fetch(`${origin}/`, { headers: { cookie } });

  chrome = await chromeLauncher.launch({
    chromePath,
    chromeFlags: [
      "--headless=new",
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await mkdir(reports, { recursive: true });
  const presets: [string, Config | undefined][] = [
    ["mobile", undefined],
    ["desktop", desktopConfig],
  ];
  for (const [preset, config] of presets) {
    const result = await lighthouse(
      `${origin}/`,
      {
        port: chrome.port,
        output: "html",
        onlyCategories: ["performance", "accessibility", "best-practices"],
        extraHeaders: { Cookie: cookie },
        logLevel: "error",
      },
      config,
    );
    if (!result) throw new Error("Lighthouse returned no result");
    const { lhr } = result;
    const file = path.join(reports, `signed-in-${TASKS}-tasks-${preset}.html`);
    await writeFile(file, result.report as string);
    const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
    const metric = (id: string) => lhr.audits[id]?.displayValue ?? "?";
    console.log(
      `${preset}: performance ${score("performance")}, accessibility ${score("accessibility")}, ` +
        `best-practices ${score("best-practices")} (FCP ${metric("first-contentful-paint")}, ` +
        `LCP ${metric("largest-contentful-paint")}, TBT ${metric("total-blocking-time")}, CLS ${metric("cumulative-layout-shift")})`,
    );
    for (const category of Object.values(lhr.categories)) {
      for (const ref of category.auditRefs) {
        const audit = lhr.audits[ref.id];
        if (ref.weight > 0 && audit && audit.score !== null && audit.score < 1) {
          console.log(`  ${category.id}: ${audit.id} ${Math.round(audit.score * 100)} ${audit.displayValue ?? ""}`);
        }
      }
    }
    console.log(`  report: ${path.relative(process.cwd(), file)}`);
  }
} finally {
  await stop();
}
