import { readFile } from "node:fs/promises";
import type { OpenAPIV3_1 } from "openapi-types";
import { expect, expectError, tasksUrl, test } from "./fixtures";

// The OpenAPI document itself, and the errors it promises, tried on every operation it lists. Each response is also
// checked against the document by the fixtures, like every other response of the suite.

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** A concrete path for a template: `{userId}` and the others filled in from `values`. */
const pathOf = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? "1"));

const honoursIfMatch = (operation: OpenAPIV3_1.OperationObject) =>
  (operation.parameters ?? []).some(
    (parameter) => "in" in parameter && parameter.in === "header" && parameter.name === "If-Match",
  );

test("serves the committed openapi.json, so that every API change shows in a diff", async ({ request }) => {
  const response = await request.get("/api/openapi.json");
  expect(response.status()).toBe(200);
  const committed = JSON.parse(await readFile("openapi.json", "utf8"));
  expect(await response.json(), "openapi.json is stale: run `npm run openapi` and commit it").toEqual(committed);
});

test("serves the API reference page, its scripts and its styles itself", async ({ request }) => {
  const page = await request.get("/api/docs");
  expect(page.status()).toBe(200);
  expect(page.headers()["content-type"]).toBe("text/html; charset=utf-8");
  expect(page.headers()["content-security-policy"]).toContain("default-src 'none'");
  const html = await page.text();
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  const assets = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(\/[^"]+)"/g)].map((match) => match[1]!);
  expect(assets.length).toBe(3);
  for (const asset of assets) expect((await request.get(asset)).status(), asset).toBe(200);
  await expectError(await request.get("/api/docs/assets/nothing.js"), 404, "not_found");
});

test.describe("every operation of the document answers the errors it documents", () => {
  test("405 with Allow for every method a documented path does not serve", async ({ request, contract, alice }) => {
    const served = new Map<string, Set<string>>();
    for (const { method, template } of contract.operations()) {
      const methods = served.get(template) ?? new Set();
      served.set(template, methods.add(method));
      if (method === "GET") methods.add("HEAD");
    }
    for (const [template, methods] of served) {
      const url = pathOf(template, { userId: alice.id, file: "reference.js" });
      for (const method of METHODS.filter((method) => !methods.has(method))) {
        const response = await request.fetch(url, { method, headers: alice.auth });
        if (method === "HEAD") expect(response.status(), `HEAD ${template}`).toBe(405);
        else await expectError(response, 405, "method_not_allowed");
      }
    }
  });

  test("401 without a token on every operation that needs one", async ({ request, contract, alice }) => {
    const secured = contract.operations().filter(({ operation }) => operation.security?.length);
    expect(secured.length).toBe(6);
    for (const { method, template } of secured) {
      await expectError(
        await request.fetch(pathOf(template, { userId: alice.id }), { method }),
        401,
        "unauthenticated",
      );
    }
  });

  test("400, 413 and 415 for a bad body on every operation that takes one", async ({ request, contract, alice }) => {
    const withBody = contract.operations().filter(({ operation }) => operation.requestBody);
    expect(withBody.map(({ method }) => method)).toEqual(["POST", "PUT", "PATCH"]);
    const json = { ...alice.auth, "content-type": "application/json" };
    for (const { method, template } of withBody) {
      const url = pathOf(template, { userId: alice.id });
      await expectError(
        await request.fetch(url, { method, headers: json, data: Buffer.from("{not json") }),
        400,
        "invalid_json",
      );
      const tooBig = Buffer.from(JSON.stringify({ title: "x".repeat(64 * 1024) }));
      await expectError(await request.fetch(url, { method, headers: json, data: tooBig }), 413, "payload_too_large");
      const text = { ...alice.auth, "content-type": "text/plain" };
      await expectError(
        await request.fetch(url, { method, headers: text, data: Buffer.from("{}") }),
        415,
        "unsupported_media_type",
      );
    }
  });

  test("400 for a task id out of range on every operation that takes one", async ({ request, contract, alice }) => {
    const byId = contract.operations().filter(({ template }) => template.includes("{taskId}"));
    expect(byId.length).toBe(4);
    for (const { method, template } of byId) {
      const url = pathOf(template, { userId: alice.id, taskId: "0" });
      await expectError(await request.fetch(url, { method, headers: alice.auth }), 400, "validation_error");
    }
  });

  test("412 for a stale If-Match on every operation that honours it", async ({ request, contract, alice }) => {
    const conditional = contract.operations().filter(({ operation }) => honoursIfMatch(operation));
    expect(conditional.map(({ method }) => method)).toEqual(["PUT", "DELETE", "PATCH"]);
    const task = await (await request.post(tasksUrl(alice.id), { headers: alice.auth, data: { title: "t" } })).json();
    for (const { method, template } of conditional) {
      const url = pathOf(template, { userId: alice.id, taskId: String(task.id) });
      const headers = { ...alice.auth, "if-match": '"0"' };
      const data = method === "PUT" ? { title: "changed" } : undefined;
      await expectError(await request.fetch(url, { method, headers, data }), 412, "precondition_failed");
    }
    expect((await (await request.get(`${tasksUrl(alice.id)}/${task.id}`, { headers: alice.auth })).json()).title).toBe(
      "t",
    );
  });
});
