// Prometheus metrics of the MCP server, in a registry of its own (the identity service keeps its
// own registry in the same process when both run together): tool calls by tool and outcome with
// their latency, and HTTP answers by status.
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * How a tool call ended:
 * - ok: it did what was asked;
 * - confirmation_required: a destructive call answered with a confirmation code and changed nothing;
 * - refused: the caller may not do this (a tool its token does not cover, permission_denied or
 *   unauthenticated from the identity service, or a confirmation code that does not hold);
 * - tool_error: any other failure (invalid arguments, not found, a conflict, an outage, a bug).
 */
export type ToolOutcome = "ok" | "confirmation_required" | "refused" | "tool_error";

export class McpMetrics {
  readonly registry = new Registry();
  private readonly calls = new Counter({
    name: "tessera_mcp_tool_calls_total",
    help: "MCP tool calls, by tool and outcome (ok, confirmation_required, refused, tool_error)",
    labelNames: ["tool", "outcome"],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "tessera_mcp_tool_call_duration_seconds",
    help: "MCP tool call time, identity RPCs included, by tool and outcome",
    labelNames: ["tool", "outcome"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly responses = new Counter({
    name: "tessera_mcp_http_responses_total",
    help: "HTTP answers of the MCP server, by path (/mcp, /healthz, /readyz, /metrics or other) and status",
    labelNames: ["path", "status"],
    registers: [this.registry],
  });

  /** `processMetrics`: also Node's default process metrics (for the MCP server running on its own). */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: "tessera_mcp_" });
  }

  /** Starts timing a call of `tool`; the returned function records its outcome. */
  startCall(tool: string): (outcome: ToolOutcome) => void {
    const stop = this.latency.startTimer({ tool });
    return (outcome) => {
      stop({ outcome });
      this.calls.inc({ tool, outcome });
    };
  }

  response(path: string, status: number): void {
    this.responses.inc({ path, status: String(status) });
  }
}
