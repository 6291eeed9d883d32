/**
 * The routes Stalk serves, kept in one list so that a known path asked with the wrong method
 * gets 405 with an `Allow` header instead of a 404.
 */

interface RouteEntry {
  method: string;
  pattern: RegExp;
}

/** Records routes as they are registered and answers which methods a path allows. */
export class RouteTable {
  readonly #entries: RouteEntry[] = [];

  /** Records a Hono path (`/api/task/info/:id{.*}`, `/api/tasks`). */
  add(method: string, path: string): void {
    this.#entries.push({ method: method.toUpperCase(), pattern: compile(path) });
  }

  /** Methods registered for `path`; HEAD is implied by GET and OPTIONS is always allowed. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const entry of this.#entries) {
      if (entry.pattern.test(path)) methods.add(entry.method);
    }
    if (methods.size === 0) return [];
    if (methods.has("GET")) methods.add("HEAD");
    methods.add("OPTIONS");
    return [...methods].sort();
  }
}

function compile(path: string): RegExp {
  let source = "";
  const parts = path.split(/(:[a-zA-Z_]+(?:\{[^}]*\})?)/);
  for (const part of parts) {
    if (part.startsWith(":")) {
      const custom = /\{(.*)\}$/.exec(part);
      source += custom ? `(${custom[1]})` : "([^/]+)";
    } else {
      source += part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}
