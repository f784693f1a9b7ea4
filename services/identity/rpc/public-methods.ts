// Methods that take no bearer token: their request carries its own credential (an external OIDC
// token), or needs none (reporting a leaked token). Authentication lets them through without a
// caller; their handlers never ask for one.
import type { DescMethod } from "@bufbuild/protobuf";
import { FederationService } from "../../../gen/tessera/identity/v1/federation_pb.ts";
import { LeakService } from "../../../gen/tessera/identity/v1/leak_pb.ts";

// Both pipelines route with these generated descriptors, so a method is known by identity: no
// string is built on every call.
const publicMethods: ReadonlySet<DescMethod> = new Set([FederationService.method.exchangeToken, LeakService.method.reportLeakedTokens]);

export const isPublicMethod = (method: DescMethod): boolean => publicMethods.has(method);
