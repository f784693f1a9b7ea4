// Trust-policy claim conditions: the API carries the match as a oneof (equals or pattern); people,
// models and the service's documents name it as an optional field of each.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ClaimCondition, ClaimConditionSchema } from "../gen/tessera/identity/v1/federation_pb.ts";

/** A condition as a field of each: exactly one of `equals` and `pattern` is valid. */
export interface ClaimConditionFields {
  claim: string;
  equals?: string;
  pattern?: string;
}

/**
 * The API's condition. With neither or both of `equals` and `pattern` set, the match is left unset,
 * so that the service refuses it by name rather than a guess being sent.
 */
export function claimConditionMessage(c: ClaimConditionFields): MessageInitShape<typeof ClaimConditionSchema> {
  if ((c.equals === undefined) === (c.pattern === undefined)) return { claim: c.claim };
  return { claim: c.claim, match: c.equals !== undefined ? { case: "equals", value: c.equals } : { case: "pattern", value: c.pattern! } };
}

/** The API's condition as a field of each (neither when its match is unset). */
export function claimConditionFields(c: ClaimCondition): ClaimConditionFields {
  return c.match.case === "equals" ? { claim: c.claim, equals: c.match.value } : c.match.case === "pattern" ? { claim: c.claim, pattern: c.match.value } : { claim: c.claim };
}
