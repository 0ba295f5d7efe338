import { describe, expect, it } from "vitest";
import { TASK_ID_MAX } from "@/lib/limits";
import { decodeCursor, encodeCursor } from "@/lib/tasks/cursor";
import { InvalidCursorError } from "@/lib/tasks/errors";

// The list cursor's codec on its own: what the HTTP tests cannot reach, because they can only send cursors the API
// signed for positions it produced (tests/integration/list.test.ts covers forged, tampered and foreign ones).

const byDate = { sort: "created_at", order: "desc", status: "all", q: undefined } as const;
const byTitle = { sort: "title", order: "asc", status: "all", q: undefined } as const;

describe("list cursors", () => {
  it("give back the position they were made from, for its query only, ids 1 and TASK_ID_MAX included", () => {
    expect(decodeCursor(encodeCursor({ value: 1_795_000_000_000, id: 1 }, byDate), byDate)).toEqual({
      value: 1_795_000_000_000,
      id: 1,
    });
    expect(decodeCursor(encodeCursor({ value: "Buy milk", id: TASK_ID_MAX }, byTitle), byTitle)).toEqual({
      value: "Buy milk",
      id: TASK_ID_MAX,
    });
    expect(() => decodeCursor(encodeCursor({ value: 1, id: 1 }, byDate), { ...byDate, q: "milk" })).toThrow(
      InvalidCursorError,
    );
  });

  it("refuses a signature cut short or made longer as a bad cursor, not a crash", () => {
    const [payload, signature] = encodeCursor({ value: 1, id: 1 }, byDate).split(".");
    for (const bad of [signature!.slice(0, -2), `${signature}AA`, "A"]) {
      expect(() => decodeCursor(`${payload}.${bad}`, byDate), bad).toThrow(InvalidCursorError);
    }
  });

  it("refuses a position of the wrong shape even when it carries a valid signature", () => {
    // Signed with this server's key, as a cursor of an older format or a leaked key could be: still never a query.
    const signedBad: [unknown, typeof byDate | typeof byTitle][] = [
      ["created_at", byDate],
      [1.5, byDate],
      [7, byTitle],
    ];
    for (const [value, query] of signedBad) {
      const cursor = encodeCursor({ value: value as number, id: 1 }, query);
      expect(() => decodeCursor(cursor, query), JSON.stringify(value)).toThrow(InvalidCursorError);
    }
    for (const id of [0, -1, 1.5, TASK_ID_MAX + 1]) {
      expect(() => decodeCursor(encodeCursor({ value: 1, id }, byDate), byDate), String(id)).toThrow(
        InvalidCursorError,
      );
    }
  });
});
