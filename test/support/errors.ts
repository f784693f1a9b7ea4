import { ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/tessera/identity/v1/common_pb.ts";

/** The error a call failed with; fails the test when the call succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

export const fieldOf = (error: ConnectError) => error.findDetails(ErrorDetailSchema)[0]?.field;
export const reasonOf = (error: ConnectError) => error.findDetails(ErrorDetailSchema)[0]?.reason;

/**
 * What Verify answered for the presented token: "valid", or the reason it is not valid. Fails the
 * test on an answer that contradicts itself (valid with a reason or without an identity; not valid
 * without a reason or a message, or with an identity).
 */
export function verdict(response: { valid: boolean; reason: string; message: string; identity?: unknown }): string {
  const { valid, reason, message, identity } = response;
  if (valid ? reason || message || !identity : !reason || !message || identity) {
    throw new Error(`inconsistent Verify response: ${JSON.stringify({ valid, reason, message, identity: Boolean(identity) })}`);
  }
  return valid ? "valid" : reason;
}
