// A WebSocket-to-TCP relay: what Neon's proxy does in front of its Postgres, in front of a local one, so that the
// Neon serverless driver runs its production code path against a real server. Run directly, it is a server:
//   tsx tests/support/ws-relay.ts <port>
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { PgbouncerAudit } from "./pgbouncer-audit";

export interface WsRelay {
  /** The value for DATABASE_WS_PROXY. */
  url: string;
  /** GET answers the PgBouncer audit's findings as a JSON array, for test processes other than the relay's. */
  auditUrl: string;
  /** Statements seen on the way to the server that PgBouncer's transaction pooling would break. */
  pgbouncerViolations(): string[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** The Neon driver asks for `?address=host:port`; only loopback targets are relayed, so this is never an open proxy. */
function targetOf(requestUrl: string | undefined): { host: string; port: number } | undefined {
  const address = new URL(requestUrl ?? "/", "ws://relay").searchParams.get("address") ?? "";
  const separator = address.lastIndexOf(":");
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  return LOOPBACK.has(host) && Number.isInteger(port) && port > 0
    ? { host: host.replace(/^\[|\]$/g, ""), port }
    : undefined;
}

function relay(socket: WebSocket, target: { host: string; port: number }, audit: PgbouncerAudit): void {
  const upstream = net.connect(target);
  const inspect = audit.connection();
  // Messages that arrive before the TCP connection is up are queued by the socket itself.
  socket.on("message", (data: RawData) => {
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    inspect(chunk);
    upstream.write(chunk);
  });
  upstream.on("data", (chunk) => socket.send(chunk));
  // Either side going away ends the other, as a dropped TCP connection would.
  upstream.on("error", () => socket.terminate());
  upstream.on("close", () => socket.terminate());
  socket.on("close", () => upstream.destroy());
  socket.on("error", () => upstream.destroy());
}

/** Starts a relay on `port`, or on a free port of the kernel's choosing when it is 0. */
export function startWsRelay(port = 0, host = "127.0.0.1"): Promise<WsRelay> {
  const audit = new PgbouncerAudit();
  const server = http.createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify(audit.violations()));
  });
  const sockets = new WebSocketServer({ server });
  sockets.on("connection", (socket, request) => {
    const target = targetOf(request.url);
    if (!target) {
      socket.close(1008, "only loopback addresses are relayed");
      return;
    }
    relay(socket, target, audit);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: listening } = server.address() as AddressInfo;
      resolve({
        url: `ws://${host}:${listening}/v2`,
        auditUrl: `http://${host}:${listening}/pgbouncer-audit`,
        pgbouncerViolations: () => audit.violations(),
        close: () =>
          new Promise<void>((closed) => {
            for (const client of sockets.clients) client.terminate();
            sockets.close();
            server.closeAllConnections();
            server.close(() => closed());
          }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.argv[2]);
  const relayServer = await startWsRelay(port);
  console.log(`WebSocket relay on ${relayServer.url}`);
  const stop = async () => {
    const violations = relayServer.pgbouncerViolations();
    if (violations.length > 0) console.error(`PgBouncer transaction pooling would break on:\n${violations.join("\n")}`);
    await relayServer.close();
    process.exit(violations.length > 0 ? 1 : 0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}
