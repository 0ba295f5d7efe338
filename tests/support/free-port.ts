// Ports taken free at run time, for every server the tests start: a fixed port collides with whatever else the machine
// runs (another checkout's tests, a developer's own server). A server of our own listens on port 0 and reads its port
// back instead; these are for servers whose port must be known before they start (`next start`, PostgreSQL).
import { execFileSync } from "node:child_process";
import net from "node:net";

// Ports this process has handed out: the kernel may offer a port again once its probe is closed, before the server it
// was meant for has bound it.
const handedOut = new Set<number>();

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port nothing listens on now, and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probe();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * `count` distinct ports nothing listens on now, found by a short-lived process: for module code that cannot await
 * (a Playwright config's imports are evaluated synchronously).
 */
export function freePortsNow(count: number): number[] {
  const script = `
    const net = require("node:net");
    const servers = Array.from({ length: ${count} }, () => net.createServer());
    Promise.all(servers.map((server) => new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server.address().port));
    }))).then((ports) => {
      process.stdout.write(JSON.stringify(ports));
      for (const server of servers) server.close();
    });`;
  const ports = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) as number[];
  for (const port of ports) handedOut.add(port);
  return ports;
}
