/**
 * The embedded static files (stylesheet, browser code, icon), served with a strong ETag. Pages
 * link them with `?v=<hash>`, so a versioned link may be cached for a year; an unversioned one
 * is revalidated every time.
 */
import type { Context } from "hono";
import { createHash } from "node:crypto";
import { CLIENT_JS } from "./assets/client_js.ts";
import { STYLE_CSS } from "./assets/style_css.ts";

/** One embedded file. */
export interface Asset {
  body: string;
  type: string;
  /** First 16 hex digits of its SHA-256. */
  version: string;
}

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
  `<rect width="32" height="32" rx="7" fill="#1f5fbf"/>` +
  `<path d="M16 26V11M16 11c0-4 3-6 7-6-1 4-3 6-7 6zM16 15c0-3-2.5-5-6-5 .5 3.5 2.5 5 6 5z" ` +
  `stroke="#fff" stroke-width="2.4" fill="none" stroke-linecap="round"/></svg>`;

function asset(body: string, type: string): Asset {
  const version = createHash("sha256").update(body).digest("hex").slice(0, 16);
  return { body, type, version };
}

/** Every embedded file, by name. */
export const ASSETS: Record<string, Asset> = {
  "style.css": asset(STYLE_CSS, "text/css; charset=utf-8"),
  "app.js": asset(CLIENT_JS, "text/javascript; charset=utf-8"),
  "icon.svg": asset(ICON_SVG, "image/svg+xml"),
};

/** The inline form of the icon, for the top bar. */
export const ICON = ICON_SVG;

/** Answers `GET /static/<name>`: the file, or 304 when the browser's copy is current. */
export function serveAsset(c: Context, name: string): Response {
  const file = ASSETS[name];
  if (!file) return c.text(`Unknown file '${name}'`, 404);
  const etag = `"${file.version}"`;
  const versioned = c.req.query("v") === file.version;
  const headers: Record<string, string> = {
    ETag: etag,
    "Cache-Control": versioned ? "public, max-age=31536000, immutable" : "no-cache",
    "X-Content-Type-Options": "nosniff",
  };
  const match = c.req.header("If-None-Match");
  if (match && match.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) {
    return c.body(null, 304, headers);
  }
  return c.body(file.body, 200, { ...headers, "Content-Type": file.type });
}
