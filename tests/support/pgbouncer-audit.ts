// Reads the Postgres frontend protocol on its way to the server and records what would break behind PgBouncer in
// transaction mode (Neon's pooled connection string), where consecutive transactions may run on different server
// connections: session state set in one is gone, or worse, leaks into another client's, in the next.

const PROTOCOL_VERSION_3 = 196608;

const SESSION_STATE: [RegExp, string][] = [
  [/^(set|reset)\s+(?!local\b|transaction\b)/, "session-level SET/RESET"],
  [/^(prepare|execute|deallocate)\b/, "SQL-level PREPARE/EXECUTE/DEALLOCATE"],
  [/^(listen|unlisten|notify)\b/, "LISTEN/NOTIFY"],
  [/^create\s+(temp|temporary)\b|^create\s+(global|local)\s+(temp|temporary)\b/, "temporary table"],
  [/^discard\b|^load\b/, "DISCARD/LOAD"],
  [/\bwith\s+hold\b/, "cursor WITH HOLD"],
  [/\bpg_(try_)?advisory_lock(_shared)?\s*\(/, "session-level advisory lock"],
  [/\bset_config\s*\([^)]*,\s*false\s*\)/, "set_config(..., false)"],
];

function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, " ").replace(/\/\*[\s\S]*?\*\//g, " ");
}

function problemsIn(sql: string): string[] {
  return withoutComments(sql)
    .split(";")
    .map((statement) => statement.trim().toLowerCase())
    .flatMap((statement) => SESSION_STATE.filter(([pattern]) => pattern.test(statement)).map(([, what]) => what));
}

function cString(buffer: Buffer, start: number): { value: string; end: number } {
  const end = buffer.indexOf(0, start);
  return { value: buffer.toString("utf8", start, end), end: end + 1 };
}

export class PgbouncerAudit {
  readonly #violations: string[] = [];

  violations(): string[] {
    return [...this.#violations];
  }

  #record(problem: string, sql: string): void {
    this.#violations.push(`${problem}: ${sql.slice(0, 200)}`);
  }

  /** A parser for one client connection's byte stream; feed it every chunk the client sends, in order. */
  connection(): (chunk: Buffer) => void {
    let pending = Buffer.alloc(0);
    let started = false;
    return (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        // Before the startup message, messages (SSLRequest, StartupMessage) carry no type byte.
        const headerLength = started ? 5 : 4;
        if (pending.length < headerLength) return;
        const length = pending.readInt32BE(started ? 1 : 0);
        const total = started ? 1 + length : length;
        if (pending.length < total) return;
        const message = pending.subarray(0, total);
        pending = pending.subarray(total);
        if (!started) {
          started = message.readInt32BE(4) === PROTOCOL_VERSION_3;
          continue;
        }
        this.#inspect(String.fromCharCode(message[0]!), message.subarray(5));
      }
    };
  }

  #inspect(type: string, body: Buffer): void {
    if (type === "Q") {
      const sql = cString(body, 0).value;
      for (const problem of problemsIn(sql)) this.#record(problem, sql);
    } else if (type === "P") {
      // Protocol-level named statements (lib/tasks/statements.ts) are fine: PgBouncer tracks them per client and
      // prepares them again on whichever server connection it hands out (max_prepared_statements, PgBouncer 1.21+;
      // Neon's pooler runs 1.22+). Only what the statement text does matters here.
      const name = cString(body, 0);
      const sql = cString(body, name.end).value;
      for (const problem of problemsIn(sql)) this.#record(problem, sql);
    }
  }
}
