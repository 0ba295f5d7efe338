// Better Auth itself, as a todo app's auth service would run it: email and password sign-in, the JWT plugin signing
// EdDSA tokens and publishing its JWKS at /api/auth/jwks. Its storage is Better Auth's memory adapter.
// A Playwright webServer: `node --import tsx tests/e2e/support/better-auth-issuer.ts`.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { jwt } from "better-auth/plugins";
import { BETTER_AUTH_PORT, loopback } from "../ports";

const BETTER_AUTH_URL = loopback(BETTER_AUTH_PORT);

const auth = betterAuth({
  baseURL: BETTER_AUTH_URL,
  secret: randomBytes(32).toString("base64url"),
  database: memoryAdapter({ user: [], session: [], account: [], verification: [], jwks: [] }),
  emailAndPassword: { enabled: true },
  telemetry: { enabled: false },
  plugins: [jwt()],
});

createServer((request, response) => void toNodeHandler(auth)(request, response)).listen(
  BETTER_AUTH_PORT,
  "127.0.0.1",
  () => {
    console.log(`Better Auth at ${BETTER_AUTH_URL}`);
  },
);
