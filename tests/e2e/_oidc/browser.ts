/** A cookie-keeping client that follows redirects one hop at a time, as a browser would. */

/** One hop's answer. */
export interface Hop {
  status: number;
  location?: string;
  url: string;
  text: string;
}

/** Cookies per origin, and a `go` that follows redirects until a page answers. */
export class TestBrowser {
  readonly jar = new Map<string, Map<string, string>>();

  /** Requests `url` (no redirects followed), keeping cookies. */
  async hop(url: string, init: RequestInit = {}): Promise<Hop> {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    const headers = new Headers(init.headers);
    if (cookies.size > 0) {
      headers.set("Cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.jar.set(origin, cookies);
    const location = response.headers.get("location") ?? undefined;
    return {
      status: response.status,
      location: location ? new URL(location, url).toString() : undefined,
      url,
      text: await response.text(),
    };
  }

  /** Follows redirects from `url` until a non-redirect, or until `stop(url)` says to halt. */
  async go(url: string, stop: (url: string) => boolean = () => false): Promise<Hop> {
    let hop = await this.hop(url);
    for (let i = 0; i < 10 && hop.location && !stop(hop.location); i++) {
      hop = await this.hop(hop.location);
    }
    return hop;
  }

  /** The cookie `name` for `origin`. */
  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }
}
