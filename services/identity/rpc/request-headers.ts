// A request's headers as the Headers that interceptors and handlers expect, without copying them:
// get and has read the HTTP/2 header object directly (every call asks for a few headers by name);
// anything else (iterating, changing) first copies them into the real Headers once.
import type { IncomingHttpHeaders } from "node:http2";

const joined = (value: string | string[] | undefined): string | null =>
  value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;

// The methods are Headers' own (typed as fields in lib.dom, hence no `super.` calls).
const base = Headers.prototype;
const HeadersClass: new () => object = Headers;

export class RequestHeaders extends HeadersClass implements Headers {
  #raw: IncomingHttpHeaders | undefined;

  /** `raw` as node:http2 gives it: lower-case names, pseudo-headers (":path") left out. */
  constructor(raw: IncomingHttpHeaders) {
    super();
    this.#raw = raw;
  }

  #copied(): void {
    const raw = this.#raw;
    if (!raw) return;
    this.#raw = undefined;
    for (const name in raw) {
      const value = joined(raw[name]);
      if (!name.startsWith(":") && value !== null) base.append.call(this, name, value);
    }
  }

  get(name: string): string | null {
    if (!this.#raw) return base.get.call(this, name);
    const key = name.toLowerCase();
    return key.startsWith(":") ? null : joined(this.#raw[key]);
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  set(name: string, value: string): void {
    this.#copied();
    base.set.call(this, name, value);
  }

  append(name: string, value: string): void {
    this.#copied();
    base.append.call(this, name, value);
  }

  delete(name: string): void {
    this.#copied();
    base.delete.call(this, name);
  }

  getSetCookie(): string[] {
    this.#copied();
    return base.getSetCookie.call(this);
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#copied();
    base.forEach.call(this, callback, thisArg);
  }

  entries(): ReturnType<Headers["entries"]> {
    this.#copied();
    return base.entries.call(this);
  }

  keys(): ReturnType<Headers["keys"]> {
    this.#copied();
    return base.keys.call(this);
  }

  values(): ReturnType<Headers["values"]> {
    this.#copied();
    return base.values.call(this);
  }

  [Symbol.iterator](): ReturnType<Headers["entries"]> {
    return this.entries();
  }
}
