// The CLI's pure parts: how tables fit a width, how role bindings are added and removed, how times
// read, and which exit code each RPC code gets. No service needed.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { addBinding, bindingOf, bindingText, removeBinding } from "../../cli/bindings.ts";
import { exitCodeOfCode } from "../../cli/output.ts";
import { fitWidths, plainCell, renderFields, renderTable, renderTsv, shortRelativeTime, truncate, wrap } from "../../cli/terminal.ts";

describe("tables", () => {
  it("shrink the widest columns first, never ids, down to their headers and then further", () => {
    expect(fitWidths([10, 40, 30], 100)).toEqual([10, 40, 30]);
    expect(fitWidths([10, 40, 30], 60)).toEqual([10, 23, 23]);
    expect(fitWidths([28, 40, 30], 60, [true])).toEqual([28, 14, 14]);
    expect(fitWidths([28, 40, 30], 40, [true], [0, 10, 10])).toEqual([28, 6, 6]);
  });

  it("leave out droppable columns on a narrow terminal and cut long cells", () => {
    const columns = [{ key: "id", keep: true }, { key: "label" }, { key: "uses24h", header: "USES 24H", drop: 1 }];
    const rows = [{ id: "tok_0123456789abcdef01234567", label: "a rather long label for a token", uses24h: 3 }];
    const wide = renderTable(columns, rows, 100);
    expect(wide).toBe("ID                            LABEL                            USES 24H\ntok_0123456789abcdef01234567  a rather long label for a token  3\n");
    const narrow = renderTable(columns, rows, 45).split("\n");
    expect(narrow[0]).toBe("ID                            LABEL");
    expect(narrow[1]).toBe(`tok_0123456789abcdef01234567  ${truncate("a rather long label for a token", 15)}`);
    expect(narrow[1]!.length).toBeLessThanOrEqual(45);
  });

  it("print tab-separated rows for scripts: ISO times, empty for nothing, no stray tabs", () => {
    const when = new Date("2025-03-01T10:00:00Z");
    expect(renderTsv([{ key: "a" }, { key: "b" }, { key: "c" }], [{ a: when, b: null, c: ["x", "y\tz"] }])).toBe("a\tb\tc\n2025-03-01T10:00:00.000Z\t\tx y z\n");
    expect(plainCell(undefined)).toBe("");
  });

  it("wrap detail values to the width", () => {
    expect(wrap("one two three four", 9)).toEqual(["one two", "three", "four"]);
    expect(renderFields([["NAME", "x"], ["DESCRIPTION", "one two three four"]], 22)).toBe("NAME         x\nDESCRIPTION  one two\n             three four\n");
  });

  it("read times relative to now", () => {
    const now = Date.parse("2025-03-01T10:00:00Z");
    expect(shortRelativeTime(new Date(now - 30_000), now)).toBe("just now");
    expect(shortRelativeTime(new Date(now - 3 * 86_400_000), now)).toBe("3d ago");
    expect(shortRelativeTime(new Date(now + 23.5 * 3_600_000), now)).toBe("in 23h");
    expect(shortRelativeTime(new Date(now + 90 * 86_400_000), now)).toBe("in 3mo");
  });
});

describe("role bindings", () => {
  const b = (text: string) => bindingOf(text, "--role");
  const texts = (bindings: ReturnType<typeof b>[]) => bindings.map(bindingText);

  it("add environments to a role's binding, or the role in all of them", () => {
    expect(texts(addBinding([b("developer@staging")], b("developer@production")))).toEqual(["developer@staging,production"]);
    expect(texts(addBinding([b("developer@staging")], b("developer")))).toEqual(["developer"]);
    expect(texts(addBinding([b("developer")], b("developer@staging")))).toEqual(["developer"]);
    expect(texts(addBinding([b("viewer")], b("verifier")))).toEqual(["viewer", "verifier"]);
  });

  it("remove a role or some of its environments, and say when there was nothing to remove", () => {
    expect(removeBinding([b("developer@staging,production"), b("viewer")], b("developer@staging"), "--remove-role")).toEqual({
      bindings: [b("developer@production"), b("viewer")],
      removed: true,
    });
    expect(texts(removeBinding([b("developer@staging")], b("developer@staging"), "--remove-role").bindings)).toEqual([]);
    expect(removeBinding([b("viewer")], b("developer"), "--remove-role").removed).toBe(false);
    expect(() => removeBinding([b("developer")], b("developer@staging"), "--remove-role")).toThrow(/bound in all environments/);
    expect(() => b("developer@")).toThrow(/--role/);
  });
});

describe("exit codes", () => {
  it("give each code a pipeline branches on its own number", () => {
    expect(exitCodeOfCode(Code.InvalidArgument)).toBe(2);
    expect(exitCodeOfCode(Code.Unauthenticated)).toBe(3);
    expect(exitCodeOfCode(Code.PermissionDenied)).toBe(4);
    expect(exitCodeOfCode(Code.NotFound)).toBe(5);
    expect([Code.FailedPrecondition, Code.AlreadyExists, Code.Aborted].map(exitCodeOfCode)).toEqual([6, 6, 6]);
    expect(exitCodeOfCode(Code.ResourceExhausted)).toBe(7);
    expect([Code.Unavailable, Code.DeadlineExceeded, Code.Internal, Code.Unknown].map(exitCodeOfCode)).toEqual([1, 1, 1, 1]);
  });
});
