import { describe, expect, it } from "vitest";
import { fromZodError } from "@/lib/http/errors";
import { codePointLength, TaskCompletion, TaskCreate, TaskId, TaskListQuery, TaskUpdate } from "@/lib/schemas/tasks";

function detailsOf(result: { success: boolean; error?: import("zod").ZodError }) {
  expect(result.success).toBe(false);
  return fromZodError(result.error!, "body").details ?? [];
}

describe("TaskCreate", () => {
  it("trims the title and defaults nothing else", () => {
    expect(TaskCreate.parse({ title: "  Buy milk \n" })).toEqual({ title: "Buy milk" });
  });

  it("counts code points, as char_length does: 255 emoji are a valid title, 256 are not", () => {
    expect(TaskCreate.parse({ title: "😀".repeat(255) }).title).toHaveLength(510);
    expect(detailsOf(TaskCreate.safeParse({ title: "😀".repeat(256) }))).toEqual([
      { path: "title", message: "must be 1 to 255 characters" },
    ]);
  });

  it("rejects a title that is empty after trimming", () => {
    expect(detailsOf(TaskCreate.safeParse({ title: " \t " }))).toEqual([
      { path: "title", message: "must be 1 to 255 characters" },
    ]);
  });

  it("rejects U+0000 and unpaired surrogates in any string field", () => {
    expect(detailsOf(TaskCreate.safeParse({ title: "a\u0000b" }))).toEqual([
      { path: "title", message: "must not contain U+0000" },
    ]);
    expect(detailsOf(TaskCreate.safeParse({ title: "ok", description: "x\ud800y" }))).toEqual([
      { path: "description", message: "must not contain unpaired surrogates" },
    ]);
    expect(detailsOf(TaskCreate.safeParse({ title: "\udc00" }))[0]?.path).toBe("title");
  });

  it("allows a 5000-character description and null, and refuses 5001 characters", () => {
    expect(TaskCreate.parse({ title: "t", description: "é".repeat(5000) }).description).toHaveLength(5000);
    expect(TaskCreate.parse({ title: "t", description: null }).description).toBeNull();
    expect(detailsOf(TaskCreate.safeParse({ title: "t", description: "x".repeat(5001) }))).toEqual([
      { path: "description", message: "must be at most 5000 characters" },
    ]);
  });

  it("names every unknown field, so ownership and ids never come from a body", () => {
    expect(detailsOf(TaskCreate.safeParse({ title: "t", user_id: "mallory", id: 7 }))).toEqual([
      { path: "user_id", message: "is not an allowed field" },
      { path: "id", message: "is not an allowed field" },
    ]);
  });

  it("says which fields are missing or of the wrong type", () => {
    expect(detailsOf(TaskCreate.safeParse({}))).toEqual([{ path: "title", message: "is required" }]);
    expect(detailsOf(TaskCreate.safeParse({ title: 5, completed: "yes" }))).toEqual([
      { path: "title", message: "must be a string" },
      { path: "completed", message: "must be true or false" },
    ]);
  });

  it("refuses a body that is not an object", () => {
    for (const body of [[], null, "title", 42]) {
      expect(detailsOf(TaskCreate.safeParse(body))).toEqual([{ path: "body", message: "must be a JSON object" }]);
    }
  });
});

describe("TaskUpdate", () => {
  it("accepts any non-empty subset of the fields", () => {
    expect(TaskUpdate.parse({ completed: true })).toEqual({ completed: true });
    expect(TaskUpdate.parse({ description: null })).toEqual({ description: null });
  });

  it("requires at least one field", () => {
    expect(detailsOf(TaskUpdate.safeParse({}))).toEqual([
      { path: "body", message: "must contain at least one of title, description, completed" },
    ]);
  });

  it("applies the create rules to each field", () => {
    expect(detailsOf(TaskUpdate.safeParse({ title: "" }))[0]?.path).toBe("title");
    expect(detailsOf(TaskUpdate.safeParse({ created_at: "2020-01-01" }))).toEqual([
      { path: "created_at", message: "is not an allowed field" },
    ]);
  });
});

describe("TaskCompletion", () => {
  it("takes {} (toggle) or an explicit boolean", () => {
    expect(TaskCompletion.parse({})).toEqual({});
    expect(TaskCompletion.parse({ completed: false })).toEqual({ completed: false });
    expect(detailsOf(TaskCompletion.safeParse({ completed: 1 }))[0]?.path).toBe("completed");
  });
});

describe("TaskId", () => {
  it("accepts decimal integers from 1 to 2147483647", () => {
    expect(TaskId.parse("1")).toBe(1);
    expect(TaskId.parse("2147483647")).toBe(2147483647);
  });

  it.each(["0", "-1", "1.5", "abc", "99999999999", "2147483648", "", " 1", "1e3", "0x10", "01"])(
    "rejects %j",
    (value) => {
      expect(TaskId.safeParse(value).success).toBe(false);
    },
  );
});

describe("TaskListQuery", () => {
  it("defaults to every task, newest first, 100 a page", () => {
    expect(TaskListQuery.parse({})).toEqual({ status: "all", sort: "created_at", order: "desc", limit: 100 });
    expect(TaskListQuery.parse({ status: "pending", limit: "7", q: "milk", unknown: "x" })).toEqual({
      status: "pending",
      sort: "created_at",
      order: "desc",
      limit: 7,
      q: "milk",
    });
  });

  it("validates status", () => {
    expect(fromZodError(TaskListQuery.safeParse({ status: "done" }).error!, "query").details).toEqual([
      { path: "status", message: "must be one of all, pending, completed" },
    ]);
  });
});

describe("codePointLength", () => {
  it("counts astral characters once", () => {
    expect(codePointLength("a😀b")).toBe(3);
    expect(codePointLength("")).toBe(0);
  });
});
