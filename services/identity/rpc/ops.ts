// Plain-HTTP endpoints for operators and orchestrators: /metrics (Prometheus), /healthz (the
// process answers) and /readyz (the database answers and the service is not shutting down).
import http from "node:http";
import { listenOn } from "../../../common/listen.ts";
import type { DatabaseHealth } from "./health.ts";
import type { Metrics } from "./metrics.ts";

export interface OpsServer {
  url: string;
  /** From now on /readyz answers 503, so load balancers stop sending traffic. */
  drain(): void;
  close(): Promise<void>;
}

export async function listenOps(metrics: Metrics, health: DatabaseHealth, host: string, port: number): Promise<OpsServer> {
  let draining = false;
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET") return void res.writeHead(405, { allow: "GET" }).end();
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      return void res.end(await metrics.registry.metrics());
    }
    if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    if (path === "/readyz") {
      const ready = !draining && (await health.serving());
      const body = draining ? "draining\n" : ready ? "ready\n" : "database unavailable\n";
      return void res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(body);
    }
    res.writeHead(404).end();
  });
  const { url } = await listenOn(server, host, port);
  return {
    url,
    drain: () => (draining = true),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
