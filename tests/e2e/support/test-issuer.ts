// The test issuer's JWKS for the API under test (a Playwright webServer): `node --import tsx tests/e2e/support/test-issuer.ts`.
import { JWKS_PORT } from "../ports";
import { issuerKeys, jwksOf } from "./issuer-keys";
import { JwksServer } from "./jwks-server";

const server = new JwksServer(JWKS_PORT);
server.keys = jwksOf(Object.values(issuerKeys())).keys;
await server.start();
console.log(`test issuer JWKS at ${server.url}`);
