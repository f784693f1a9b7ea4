// The built console: index.html and Vite's content-hashed assets, read from the build directory.
// Only flat file names under assets/ are served, so no path reaches outside it.
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

const assetName = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** Hashed assets never change under their name; the page itself is always fetched again. */
  cacheControl: string;
}

/** The file for a path below /console/ ("" is the page), or undefined when there is none. */
export async function staticFile(dir: string, path: string): Promise<StaticFile | undefined> {
  let file: string;
  let cacheControl = "public, max-age=31536000, immutable";
  if (path === "" || path === "index.html") {
    file = join(dir, "index.html");
    cacheControl = "no-store";
  } else if (path.startsWith("assets/") && assetName.test(path.slice(7))) {
    file = join(dir, "assets", path.slice(7));
  } else {
    return undefined;
  }
  const contentType = types[extname(file)];
  if (!contentType) return undefined;
  try {
    return { body: await readFile(file), contentType, cacheControl };
  } catch {
    return undefined;
  }
}
