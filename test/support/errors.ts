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
