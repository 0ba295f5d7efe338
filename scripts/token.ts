// npm run token -- <userId> [email]: prints a bearer token signed with AUTH_SECRET (outside production, this checkout's
// generated development secret, the same one `npm run dev` uses).
import "./load-env";
import { signSessionToken } from "../lib/auth/tokens";
import { getEnv } from "../lib/env";

const [userId, email] = process.argv.slice(2);
if (!userId) {
  console.error("usage: npm run token -- <userId> [email]");
  process.exit(2);
}
getEnv();
const token = await signSessionToken(email ? { id: userId, email } : { id: userId }, { expiresInSeconds: 24 * 3600 });
console.log(token);
