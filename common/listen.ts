// Starts a Node server on host:port and answers its base URL (port 0 picks a free port). Shared by
// the identity service and the MCP server, hence in common/ rather than in either.
import type { Server } from "node:net";
import type { AddressInfo } from "node:net";

export async function listenOn(server: Server, host: string, port: number, scheme = "http"): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { url: `${scheme}://${hostForUrl}:${address.port}`, port: address.port };
}
