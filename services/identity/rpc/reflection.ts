// gRPC server reflection (v1 and v1alpha), so grpcurl, grpcui and Postman can explore the API.
// Answers come from the descriptors compiled into the generated code: a file is sent with every
// file it depends on, as reflection clients expect.
import { create, createRegistry, toBinary, type DescFile, type DescMessage, type DescService, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import * as v1 from "../../../gen/grpc/reflection/v1/reflection_pb.ts";
import * as v1alpha from "../../../gen/grpc/reflection/v1alpha/reflection_pb.ts";

type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;
type Answer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

const grpcNotFound = 5;
const grpcUnimplemented = 12;

/** A file and everything it imports, the file first. */
function withDependencies(file: DescFile): DescFile[] {
  const ordered: DescFile[] = [];
  const visit = (f: DescFile) => {
    if (ordered.includes(f)) return;
    ordered.push(f);
    f.dependencies.forEach(visit);
  };
  visit(file);
  return ordered;
}

export class Reflector {
  private readonly files = new Map<string, DescFile>();
  private readonly registry: Registry;
  private readonly serviceNames: string[];

  constructor(services: readonly DescService[]) {
    for (const service of services) for (const file of withDependencies(service.file)) this.files.set(file.proto.name, file);
    this.registry = createRegistry(...this.files.values());
    this.serviceNames = services.map((s) => s.typeName).sort();
  }

  answer(request: Request["messageRequest"]): Answer {
    switch (request.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: this.serviceNames.map((name) => ({ name })) } };
      case "fileByFilename":
        return this.descriptors(this.files.get(request.value), `file "${request.value}"`);
      case "fileContainingSymbol":
        return this.descriptors(this.fileOfSymbol(request.value), `symbol "${request.value}"`);
      case "fileContainingExtension":
      case "allExtensionNumbersOfType":
        return { case: "errorResponse", value: { errorCode: grpcUnimplemented, errorMessage: "the API defines no extensions" } };
      default:
        return { case: "errorResponse", value: { errorCode: grpcUnimplemented, errorMessage: "unsupported request" } };
    }
  }

  private fileOfSymbol(symbol: string): DescFile | undefined {
    const direct = this.registry.get(symbol);
    if (direct) return direct.file;
    // A method: "package.Service.Method".
    const service = this.registry.getService(symbol.slice(0, symbol.lastIndexOf(".")));
    return service?.methods.some((m) => `${service.typeName}.${m.name}` === symbol) ? service.file : undefined;
  }

  private descriptors(file: DescFile | undefined, what: string): Answer {
    if (!file) return { case: "errorResponse", value: { errorCode: grpcNotFound, errorMessage: `${what} not found` } };
    const protos = withDependencies(file).map((f) => toBinary(FileDescriptorProtoSchema, f.proto));
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto: protos } };
  }
}

/** One implementation for both protocol versions, whose messages differ only in their package. */
function reflectionHandlers(responseSchema: DescMessage, reflector: Reflector) {
  return {
    async *serverReflectionInfo(requests: AsyncIterable<Request>) {
      for await (const request of requests) {
        yield create(responseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: reflector.answer(request.messageRequest),
        });
      }
    },
  };
}

export const reflectionV1Handlers = (reflector: Reflector) =>
  reflectionHandlers(v1.ServerReflectionResponseSchema, reflector) as unknown as ServiceImpl<typeof v1.ServerReflection>;

export const reflectionV1alphaHandlers = (reflector: Reflector) =>
  reflectionHandlers(v1alpha.ServerReflectionResponseSchema, reflector) as unknown as ServiceImpl<typeof v1alpha.ServerReflection>;
