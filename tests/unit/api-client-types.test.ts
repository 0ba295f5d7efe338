import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, generateApiTypes } from "@/lib/client/generate-api-types";

describe("the page's typed API client", () => {
  it("is generated from the committed openapi.json (else run `npm run api-client-types`)", async () => {
    const committed = await readFile(API_TYPES_FILE, "utf8");
    expect(committed, "lib/client/api-types.ts is stale: run `npm run api-client-types`").toBe(
      await generateApiTypes(),
    );
  });
});
