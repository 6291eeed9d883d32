/** A fetch helper for asserting on Stalk's HTTP answers. */

/** One HTTP answer, read whole. `json` is the parsed body when it parses, else undefined. */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T | undefined;
}

/** Fetch `path` from the server at `url` and read the whole body. */
export async function api<T = unknown>(
  url: string,
  path: string,
  init?: RequestInit,
): Promise<ApiResponse<T>> {
  const response = await fetch(new URL(path, url), init);
  const text = await response.text();
  let json: T | undefined;
  try {
    json = JSON.parse(text) as T;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** An `Authorization` header for HTTP basic auth. */
export function basicAuth(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${btoa(`${user}:${password}`)}` };
}
