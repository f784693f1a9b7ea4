// The audit trail's interceptor: failures and no-op mutations here; changes commit their own event.
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { Interceptor } from "@connectrpc/connect";
import type { Store } from "../../store/store.ts";
import { actionOf, Effects } from "../../use-cases/effects.ts";
import { auditRecordKey, callInfoKey, callerKey } from "../context.ts";
import { codeName, reasonOf, toConnectError } from "./error-mapping.ts";

/**
 * Writes an audit event for every mutation (whatever its outcome) and every failed
 * authentication. The event is written before the call returns: a mutation that cannot be
 * audited is reported as failed.
 */
export function auditInterceptor(store: Store): Interceptor {
  // An action name per method, made once rather than on every call.
  const actions = new Map<string, string>();
  return (next) => async (req) => {
    const mutation = req.method.idempotency !== MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
    let action = actions.get(req.method.name);
    if (action === undefined) actions.set(req.method.name, (action = actionOf(req.method.name)));
    const record = new Effects(action, () => req.contextValues.get(callInfoKey));
    req.contextValues.set(auditRecordKey, record);
    try {
      const res = await next(req);
      // A mutation that changed something committed its event with the change; a no-op is recorded here.
      if (mutation && !record.written) await store.audit.append(record.event("ok"));
      return res;
    } catch (error) {
      const err = toConnectError(error);
      const authFailed = req.contextValues.get(callerKey) === undefined;
      if (mutation || authFailed) {
        record.reason ||= reasonOf(err);
        await store.audit.append(record.event(codeName(err.code), authFailed ? "auth.failed" : undefined));
      }
      throw error;
    }
  };
}
