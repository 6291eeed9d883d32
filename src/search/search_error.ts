/**
 * A query the search language rejects: what is wrong and where. Returned, not thrown, so the
 * route and the UI search box can both show it; `describe()` is Flower's wording
 * (`<message> at position <n>.`).
 */
export class SearchError {
  /** What is wrong, sentence case, without the position. */
  readonly message: string;
  /** Index of the offending character in the query as given; undefined for whole-query limits. */
  readonly position: number | undefined;

  /** An error `message` at `position` (omit it for limits on the whole query). */
  constructor(message: string, position?: number) {
    this.message = message;
    this.position = position;
  }

  /** The message with its position, as Flower's `QuerySyntaxError` prints it. */
  describe(): string {
    return this.position === undefined
      ? `${this.message}.`
      : `${this.message} at position ${this.position}.`;
  }
}

/** Thrown inside the parser only, and turned into a returned `SearchError` at its edge. */
export class SearchFailure extends Error {
  readonly error: SearchError;

  /** Wraps `message` at `position`. */
  constructor(message: string, position?: number) {
    super(message);
    this.error = new SearchError(message, position);
  }
}
