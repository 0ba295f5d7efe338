import { expect, expectCommonHeaders, expectError, tasksUrl, test } from "./fixtures";

// On the Neon driver (the "neon" project), everything these tests made the server send went through a relay that audits it.
test.afterAll("sent nothing that PgBouncer's transaction pooling would break", async ({}, testInfo) => {
  const auditUrl = testInfo.project.metadata.pgbouncerAuditUrl;
  if (typeof auditUrl === "string") expect(await (await fetch(auditUrl)).json()).toEqual([]);
});

test.describe("the task routes over real HTTP", () => {
  test("a create with an Idempotency-Key: 20 racing repeats, one task; another body under the key, 422", async ({
    request,
    alice,
    bob,
  }) => {
    const headers = { ...alice.auth, "idempotency-key": `key-${alice.id}` };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => request.post(tasksUrl(alice.id), { headers, data: { title: "once" } })),
    );
    const seen = await Promise.all(
      answers.map(async (answer) =>
        JSON.stringify([answer.status(), answer.headers()["location"], answer.headers()["etag"], await answer.text()]),
      ),
    );
    expect(new Set(seen).size).toBe(1);
    expect(answers[0]!.status()).toBe(201);
    expect(await (await request.get(tasksUrl(alice.id), { headers: alice.auth })).json()).toHaveLength(1);

    await expectError(
      await request.post(tasksUrl(alice.id), { headers, data: { title: "twice" } }),
      422,
      "idempotency_key_reused",
    );
    // The same key is bob's to use as he likes.
    const bobs = await request.post(tasksUrl(bob.id), {
      headers: { ...bob.auth, "idempotency-key": `key-${alice.id}` },
      data: { title: "twice" },
    });
    expect(bobs.status()).toBe(201);
  });

  test("create, read, list, update, complete and delete a task", async ({ request, alice }) => {
    const created = await request.post(tasksUrl(alice.id), {
      headers: alice.auth,
      data: { title: "  Buy milk  ", description: "2 litres" },
    });
    expect(created.status()).toBe(201);
    expectCommonHeaders(created);
    expect(created.headers()["content-type"]).toBe("application/json");
    const task = await created.json();
    expect(task).toEqual({
      id: expect.any(Number),
      user_id: alice.id,
      title: "Buy milk",
      description: "2 litres",
      completed: false,
      created_at: expect.stringMatching(/Z$/),
      updated_at: task.created_at,
    });
    expect(created.headers()["location"]).toBe(`${tasksUrl(alice.id)}/${task.id}`);

    const read = await request.get(created.headers()["location"]!, { headers: alice.auth });
    expect(read.status()).toBe(200);
    expectCommonHeaders(read);
    expect(await read.json()).toEqual(task);

    const listed = await request.get(tasksUrl(alice.id), { headers: alice.auth });
    expect(listed.status()).toBe(200);
    expect(await listed.json()).toEqual([task]);

    const updated = await request.put(`${tasksUrl(alice.id)}/${task.id}`, {
      headers: alice.auth,
      data: { title: "Buy oat milk" },
    });
    expect(updated.status()).toBe(200);
    expect(await updated.json()).toMatchObject({ id: task.id, title: "Buy oat milk", description: "2 litres" });

    const toggled = await request.patch(`${tasksUrl(alice.id)}/${task.id}/complete`, { headers: alice.auth });
    expect(toggled.status()).toBe(200);
    expect((await toggled.json()).completed).toBe(true);
    const set = await request.patch(`${tasksUrl(alice.id)}/${task.id}/complete`, {
      headers: alice.auth,
      data: { completed: false },
    });
    expect((await set.json()).completed).toBe(false);

    const pending = await request.get(`${tasksUrl(alice.id)}?status=pending`, { headers: alice.auth });
    expect((await pending.json()).map((t: { id: number }) => t.id)).toEqual([task.id]);
    const completed = await request.get(`${tasksUrl(alice.id)}?status=completed`, { headers: alice.auth });
    expect(await completed.json()).toEqual([]);

    const deleted = await request.delete(`${tasksUrl(alice.id)}/${task.id}`, { headers: alice.auth });
    expect(deleted.status()).toBe(204);
    expectCommonHeaders(deleted);
    expect(await deleted.body()).toHaveLength(0);
    await expectError(await request.get(`${tasksUrl(alice.id)}/${task.id}`, { headers: alice.auth }), 404, "not_found");
  });

  test("echoes a sane X-Request-Id and replaces an insane one", async ({ request, alice }) => {
    const echoed = await request.get(tasksUrl(alice.id), { headers: { ...alice.auth, "x-request-id": "req-42.a:b" } });
    expect(echoed.headers()["x-request-id"]).toBe("req-42.a:b");
    const replaced = await request.get(tasksUrl(alice.id), {
      headers: { ...alice.auth, "x-request-id": "x".repeat(500) },
    });
    expect(replaced.headers()["x-request-id"]).not.toBe("x".repeat(500));
  });

  test("answers HEAD like GET, without a body", async ({ request, alice }) => {
    const head = await request.head(tasksUrl(alice.id), { headers: alice.auth });
    expect(head.status()).toBe(200);
    expectCommonHeaders(head);
  });
});

test.describe("status codes", () => {
  test("400 for invalid JSON, invalid fields, unknown fields and bad ids", async ({ request, alice }) => {
    const url = tasksUrl(alice.id);
    const json = { ...alice.auth, "content-type": "application/json" };
    await expectError(await request.post(url, { headers: json, data: Buffer.from("{not json") }), 400, "invalid_json");
    await expectError(await request.post(url, { headers: alice.auth }), 400, "invalid_json");
    const tooLong = await expectError(
      await request.post(url, { headers: alice.auth, data: { title: "x".repeat(256) } }),
      400,
      "validation_error",
    );
    expect(tooLong).toEqual({
      error: "title must be 1 to 255 characters",
      code: "validation_error",
      details: [{ path: "title", message: "must be 1 to 255 characters" }],
    });
    expect((await request.post(url, { headers: alice.auth, data: { title: "😀".repeat(255) } })).status()).toBe(201);
    await expectError(
      await request.post(url, { headers: json, data: Buffer.from('{"title":"nul \\u0000"}') }),
      400,
      "validation_error",
    );
    await expectError(
      await request.post(url, { headers: json, data: Buffer.from('{"title":"\\udfff"}') }),
      400,
      "validation_error",
    );
    const unknown = await expectError(
      await request.post(url, { headers: alice.auth, data: { title: "t", user_id: "mallory" } }),
      400,
      "validation_error",
    );
    expect(unknown.details).toEqual([{ path: "user_id", message: "is not an allowed field" }]);
    for (const id of ["0", "-1", "1.5", "abc", "99999999999"]) {
      await expectError(await request.get(`${url}/${id}`, { headers: alice.auth }), 400, "validation_error");
    }
    await expectError(await request.get(`${url}?status=finished`, { headers: alice.auth }), 400, "validation_error");
  });

  test("401 with WWW-Authenticate for no token, a bad token and alg none", async ({ request, alice }) => {
    const none = await request.get(tasksUrl(alice.id));
    await expectError(none, 401, "unauthenticated");
    expect(none.headers()["www-authenticate"]).toBe("Bearer");
    const token = alice.auth.authorization!.slice("Bearer ".length);
    const [, payload] = token.split(".");
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${payload}.`;
    for (const bad of [`Bearer ${token}x`, `Bearer ${unsigned}`, "Basic YTpi", "Bearer"]) {
      const response = await request.get(tasksUrl(alice.id), { headers: { authorization: bad } });
      await expectError(response, 401, "unauthenticated");
      expect(response.headers()["www-authenticate"]).toMatch(/^Bearer/);
    }
  });

  test("404 for an unknown /api route, as JSON", async ({ request }) => {
    for (const path of ["/api/nothing-here", "/api/a/b/c/d/e/f", "/api/alice/tasks/1/complete/extra"]) {
      await expectError(await request.get(path), 404, "not_found");
      await expectError(await request.post(path, { data: {} }), 404, "not_found");
    }
  });

  test("405 with Allow for every method a route does not serve", async ({ request, alice }) => {
    const task = await (await request.post(tasksUrl(alice.id), { headers: alice.auth, data: { title: "t" } })).json();
    const cases = [
      { url: tasksUrl(alice.id), method: "DELETE", allow: "GET, HEAD, POST" },
      { url: tasksUrl(alice.id), method: "PUT", allow: "GET, HEAD, POST" },
      { url: tasksUrl(alice.id), method: "OPTIONS", allow: "GET, HEAD, POST" },
      { url: `${tasksUrl(alice.id)}/${task.id}`, method: "POST", allow: "GET, HEAD, PUT, DELETE" },
      { url: `${tasksUrl(alice.id)}/${task.id}`, method: "PATCH", allow: "GET, HEAD, PUT, DELETE" },
      { url: `${tasksUrl(alice.id)}/${task.id}/complete`, method: "GET", allow: "PATCH" },
      { url: `${tasksUrl(alice.id)}/${task.id}/complete`, method: "POST", allow: "PATCH" },
      { url: "/api/health", method: "DELETE", allow: "GET, HEAD" },
    ];
    for (const { url, method, allow } of cases) {
      const response = await request.fetch(url, { method, headers: alice.auth });
      await expectError(response, 405, "method_not_allowed");
      expect(response.headers()["allow"]).toBe(allow);
    }
  });

  test("413 over 64 KiB and 415 for a body that is not JSON", async ({ request, alice }) => {
    const url = tasksUrl(alice.id);
    const big = JSON.stringify({ title: "t", description: "x".repeat(64 * 1024) });
    await expectError(
      await request.post(url, {
        headers: { ...alice.auth, "content-type": "application/json" },
        data: Buffer.from(big),
      }),
      413,
      "payload_too_large",
    );
    await expectError(
      await request.post(url, {
        headers: { ...alice.auth, "content-type": "text/plain" },
        data: Buffer.from('{"title":"t"}'),
      }),
      415,
      "unsupported_media_type",
    );
    await expectError(
      await request.post(url, { headers: alice.auth, form: { title: "t" } }),
      415,
      "unsupported_media_type",
    );
    expect(await (await request.get(url, { headers: alice.auth })).json()).toEqual([]);
  });
});

test.describe("isolation between users", () => {
  test("bob can neither see nor change alice's tasks through any route", async ({ request, alice, bob }) => {
    const task = await (
      await request.post(tasksUrl(alice.id), { headers: alice.auth, data: { title: "alice only" } })
    ).json();
    const taskUrl = `${tasksUrl(alice.id)}/${task.id}`;
    const viaBobsPath = `${tasksUrl(bob.id)}/${task.id}`;

    await expectError(await request.get(tasksUrl(alice.id), { headers: bob.auth }), 403, "forbidden");
    await expectError(
      await request.post(tasksUrl(alice.id), { headers: bob.auth, data: { title: "x" } }),
      403,
      "forbidden",
    );
    await expectError(await request.get(taskUrl, { headers: bob.auth }), 403, "forbidden");
    await expectError(await request.put(taskUrl, { headers: bob.auth, data: { title: "x" } }), 403, "forbidden");
    await expectError(await request.delete(taskUrl, { headers: bob.auth }), 403, "forbidden");
    await expectError(await request.patch(`${taskUrl}/complete`, { headers: bob.auth }), 403, "forbidden");

    await expectError(await request.get(viaBobsPath, { headers: bob.auth }), 404, "not_found");
    await expectError(await request.put(viaBobsPath, { headers: bob.auth, data: { title: "x" } }), 404, "not_found");
    await expectError(await request.delete(viaBobsPath, { headers: bob.auth }), 404, "not_found");
    await expectError(await request.patch(`${viaBobsPath}/complete`, { headers: bob.auth }), 404, "not_found");
    expect(await (await request.get(tasksUrl(bob.id), { headers: bob.auth })).json()).toEqual([]);

    expect(await (await request.get(taskUrl, { headers: alice.auth })).json()).toEqual(task);
  });
});
