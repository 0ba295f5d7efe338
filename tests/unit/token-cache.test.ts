import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { signSessionToken, verifyBearerToken } from "@/lib/auth/tokens";

// The verified-token cache must stay small whatever the tokens: a client (or an attacker with valid tokens, say one
// issuer's many users) can send as many distinct tokens, and as large, as it likes.

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

function heapUsedAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe("the verified-token cache", () => {
  it("holds a bounded number of bytes: 10,000 distinct valid 12 KB tokens keep less than 32 MB", async () => {
    const padding = "p".repeat(9_000);
    const tokens = await Promise.all(
      Array.from({ length: 10_000 }, (_, n) => signSessionToken({ id: `user-${n}` }, { claims: { padding } })),
    );
    expect(tokens[0]!.length).toBeGreaterThan(12_000);
    const before = heapUsedAfterGc();
    for (const token of tokens) await verifyBearerToken(token);
    const retained = heapUsedAfterGc() - before;
    // Before the bound, 10,000 such tokens kept about 90 MB of heap (the token as the key, its payload as the value).
    expect(retained).toBeLessThan(32 * 1024 * 1024);
    // And every token still verifies (from the cache or not).
    expect((await verifyBearerToken(tokens[9_999]!)).id).toBe("user-9999");
  }, 60_000);
});
