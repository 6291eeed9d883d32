/** Links of the pages, built under `--url_prefix` so that every one works behind a proxy. */

/** Query values; undefined and empty ones are left out of the link. */
export type QueryValues = Record<string, string | number | undefined>;

/** Builds links for one prefix. */
export class Paths {
  readonly #base: string;

  /** `prefix` without slashes around, empty for the root. */
  constructor(prefix: string) {
    this.#base = prefix ? `/${prefix}` : "";
  }

  /** `path` (starting with `/`) under the prefix, with `query` appended. */
  to(path: string, query: QueryValues = {}): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== "") search.set(key, String(value));
    }
    const text = search.toString();
    return `${this.#base}${path}${text ? `?${text}` : ""}`;
  }

  /** The task page of `uuid`. */
  task(uuid: string): string {
    return this.to(`/task/${encodeURIComponent(uuid)}`);
  }

  /** The worker page of `name`. */
  worker(name: string): string {
    return this.to(`/worker/${encodeURIComponent(name)}`);
  }

  /** A static asset, versioned by its content hash so it can be cached for good. */
  asset(name: string, version: string): string {
    return this.to(`/static/${name}`, { v: version });
  }
}
