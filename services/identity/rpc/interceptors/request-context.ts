// Request id, channel and peer for logs and the audit trail (outermost after metrics).
import { randomUUID } from "node:crypto";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { ErrorDetailSchema } from "../../../../gen/tessera/identity/v1/common_pb.ts";
import { redact } from "../../domain/redact.ts";
import { callInfoKey, peerKey } from "../context.ts";

const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Request id, channel and peer for logs and the audit trail. The request id is always the
 * server's own; a client's `x-request-id` is kept beside it when it is well-formed and not
 * secret-shaped. The channel comes from the wire protocol (the authentication interceptor sets
 * "mcp" for a proven delegation): nothing a client claims.
 */
export function requestContextInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const given = req.header.get("x-request-id");
    const clientRequestId = given && requestIdPattern.test(given) && redact(given) === given ? given : "";
    const requestId = randomUUID();
    const contentType = req.header.get("content-type") ?? "";
    const channel = contentType.startsWith("application/grpc-web")
      ? "grpc-web"
      : contentType.startsWith("application/grpc")
        ? "grpc"
        : "connect";
    req.contextValues.set(callInfoKey, { requestId, clientRequestId, channel, peer: req.contextValues.get(peerKey) });
    const started = performance.now();
    try {
      const res = await next(req);
      res.header.set("x-request-id", requestId);
      // Every call passes here: the line is built only when it will be written.
      if (log.isLevelEnabled("debug")) log.debug({ requestId, method: req.method.name, ms: performance.now() - started }, "rpc ok");
      return res;
    } catch (error) {
      const err = ConnectError.from(error);
      err.metadata.set("x-request-id", requestId);
      const reason = err.findDetails(ErrorDetailSchema)[0]?.reason;
      log.info({ requestId, method: req.method.name, code: err.code, reason, ms: performance.now() - started }, "rpc failed");
      throw err;
    }
  };
}
