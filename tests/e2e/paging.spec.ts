import type { APIResponse } from "@playwright/test";
import { expect, expectCommonHeaders, expectError, tasksUrl, test } from "./fixtures";

test("follows Link headers through every page of a list", async ({ request, alice }) => {
  const created: number[] = [];
  for (let i = 0; i < 7; i++) {
    const response = await request.post(tasksUrl(alice.id), { headers: alice.auth, data: { title: `task ${i}` } });
    created.push((await response.json()).id);
  }
  const seen: number[] = [];
  let next: string | undefined = `${tasksUrl(alice.id)}?limit=3&sort=title&order=asc`;
  let pages = 0;
  while (next) {
    const response: APIResponse = await request.get(next, { headers: alice.auth });
    expect(response.status()).toBe(200);
    expectCommonHeaders(response);
    seen.push(...(await response.json()).map((task: { id: number }) => task.id));
    const link: string | undefined = response.headers()["link"];
    next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined;
    pages++;
  }
  expect(pages).toBe(3);
  expect(seen).toEqual(created);

  const tampered = await request.get(`${tasksUrl(alice.id)}?limit=3&cursor=eyJ4Ijo.AAAA`, { headers: alice.auth });
  await expectError(tampered, 400, "validation_error");
});

test("refuses a stale If-Match with 412 and accepts the current ETag", async ({ request, alice }) => {
  const created = await request.post(tasksUrl(alice.id), { headers: alice.auth, data: { title: "shared" } });
  const etag = created.headers()["etag"]!;
  const url = created.headers()["location"]!;
  expect(etag).toMatch(/^"[0-9a-z]+"$/);

  const first = await request.put(url, {
    headers: { ...alice.auth, "if-match": etag },
    data: { title: "first writer" },
  });
  expect(first.status()).toBe(200);
  const second = await request.put(url, {
    headers: { ...alice.auth, "if-match": etag },
    data: { title: "second writer" },
  });
  await expectError(second, 412, "precondition_failed");
  await expectError(
    await request.delete(url, { headers: { ...alice.auth, "if-match": etag } }),
    412,
    "precondition_failed",
  );

  const current = await request.get(url, { headers: alice.auth });
  expect((await current.json()).title).toBe("first writer");
  expect(current.headers()["etag"]).toBe(first.headers()["etag"]);
  const toggled = await request.patch(`${url}/complete`, {
    headers: { ...alice.auth, "if-match": current.headers()["etag"]! },
  });
  expect(toggled.status()).toBe(200);
});
