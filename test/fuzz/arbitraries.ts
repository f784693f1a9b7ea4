// fast-check arbitraries for any request message of the API, built from its descriptor: every
// field may be absent, empty, hostile (huge, control characters, look-alike ids) or random.
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import fc from "fast-check";

const hostileStrings = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "tsr_",
  "sa_000000000000000000000000",
  "tok_000000000000000000000000",
  "sa_ffffffffffffffffffffffff",
  "admin",
  "*",
  "../../etc/passwd",
  "$where",
  "{\"$gt\":\"\"}",
  "a.b",
  "\ud83d\ude00",
  "x".repeat(70),
);

const strings = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 2, arbitrary: hostileStrings },
  { weight: 1, arbitrary: fc.string({ minLength: 1000, maxLength: 20_000 }) },
);

function scalar(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return strings;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.double();
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    default:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  }
}

function field(f: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (f.fieldKind) {
    case "scalar":
      return scalar(f.scalar);
    case "enum":
      return fc.integer({ min: -3, max: 12 });
    case "message":
      return message(f.message, depth - 1);
    case "list":
      return fc.array(
        f.listKind === "message" ? message(f.message, depth - 1) : f.listKind === "enum" ? fc.integer({ min: -3, max: 12 }) : scalar(f.scalar),
        { maxLength: f.listKind === "scalar" ? 120 : 4 },
      );
    case "map":
      return fc.dictionary(fc.string({ maxLength: 10 }), scalar(ScalarType.STRING), { maxKeys: 4 });
  }
}

/** An init object for `desc` (for create()); nested messages stop at `depth`. */
export function message(desc: DescMessage, depth = 3): fc.Arbitrary<Record<string, unknown>> {
  if (depth <= 0) return fc.constant({});
  const shape = Object.fromEntries(desc.fields.filter((f) => !f.oneof).map((f) => [f.localName, field(f, depth)]));
  return fc.record(shape, { requiredKeys: [] });
}
