/**
 * The search grammar, as Flower's `_Parser` with negation added:
 *
 *     query   := or EOF                       (an empty query matches every task)
 *     or      := and ("OR" and)*
 *     and     := unary (["AND"] unary)*       (whitespace is an implicit AND; AND binds tighter)
 *     unary   := ("NOT" | "-") unary | primary
 *     primary := "(" or ")" | TERM
 *
 * Limits: 2048 characters, 128 tokens, groups nested 5 deep. Errors carry the position of the
 * token at fault, counted in the query as given.
 */
import type { SearchNode } from "./ast.ts";
import { parseTerm } from "./parse_term.ts";
import { SearchError, SearchFailure } from "./search_error.ts";
import { type Token, tokenize, type TokenKind } from "./tokenize.ts";

/** Longest query, after trimming (Flower's `MAX_QUERY_LENGTH`). */
export const MAX_QUERY_LENGTH = 2048;
/** Deepest nesting of parentheses (Flower's `MAX_QUERY_DEPTH`). */
export const MAX_QUERY_DEPTH = 5;

/** The tree `query` stands for, or what is wrong with it. */
export function parseSearch(query: string): SearchNode | SearchError {
  const trimmed = query.trim();
  if (trimmed.length > MAX_QUERY_LENGTH) {
    return new SearchError(`Query exceeds ${MAX_QUERY_LENGTH} characters`);
  }
  try {
    return new Parser(tokenize(trimmed, query.indexOf(trimmed))).parse();
  } catch (error) {
    if (error instanceof SearchFailure) return error.error;
    throw error;
  }
}

const ENDS_OPERAND: ReadonlySet<TokenKind> = new Set(["EOF", "RPAREN", "AND", "OR"]);

class Parser {
  readonly #tokens: Token[];
  #index = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  get #current(): Token {
    return this.#tokens[this.#index];
  }

  /** The current token's kind, read afresh (a getter would be narrowed once by TypeScript). */
  #kind(): TokenKind {
    return this.#tokens[this.#index].kind;
  }

  parse(): SearchNode {
    if (this.#current.kind === "EOF") return { kind: "all" };
    const node = this.#or(0);
    const token = this.#current;
    if (token.kind !== "EOF") {
      throw new SearchFailure(`Unexpected '${token.value}'`, token.position);
    }
    return node;
  }

  #or(depth: number): SearchNode {
    const children = [this.#and(depth)];
    while (this.#current.kind === "OR") {
      const operator = this.#tokens[this.#index++];
      if (ENDS_OPERAND.has(this.#current.kind)) {
        throw new SearchFailure("OR must be followed by a search term", operator.position);
      }
      children.push(this.#and(depth));
    }
    return combine("or", children);
  }

  #and(depth: number): SearchNode {
    const children = [this.#unary(depth)];
    for (let kind = this.#current.kind; !STOPS_AND.has(kind); kind = this.#current.kind) {
      if (kind === "AND") {
        const operator = this.#tokens[this.#index++];
        if (ENDS_OPERAND.has(this.#current.kind)) {
          throw new SearchFailure("AND must be followed by a search term", operator.position);
        }
      }
      children.push(this.#unary(depth));
    }
    return combine("and", children);
  }

  #unary(depth: number): SearchNode {
    const token = this.#current;
    if (token.kind !== "NOT" && token.kind !== "NEG") return this.#primary(depth);
    this.#index++;
    if (ENDS_OPERAND.has(this.#current.kind)) {
      const what = token.kind === "NOT" ? "NOT" : "Negation with '-'";
      throw new SearchFailure(`${what} must be followed by a search term`, token.position);
    }
    const child = this.#unary(depth);
    // NOT NOT x is x; keeps the tree small for the planner.
    return child.kind === "not" ? child.child : { kind: "not", child };
  }

  #primary(depth: number): SearchNode {
    const token = this.#current;
    if (token.kind === "LPAREN") {
      if (depth >= MAX_QUERY_DEPTH) {
        throw new SearchFailure(`Query nesting exceeds ${MAX_QUERY_DEPTH} levels`, token.position);
      }
      this.#index++;
      if (this.#kind() === "RPAREN") throw new SearchFailure("Empty group", token.position);
      const node = this.#or(depth + 1);
      if (this.#kind() !== "RPAREN") {
        throw new SearchFailure("Missing closing parenthesis", token.position);
      }
      this.#index++;
      return node;
    }
    if (token.kind !== "TERM") throw new SearchFailure("Expected a search term", token.position);
    this.#index++;
    return parseTerm(token);
  }
}

const STOPS_AND: ReadonlySet<TokenKind> = new Set(["EOF", "RPAREN", "OR"]);

/** Flattens nested nodes of the same kind and drops repeated children, as Flower's `_combine`. */
function combine(kind: "and" | "or", children: SearchNode[]): SearchNode {
  const flat: SearchNode[] = [];
  const seen = new Set<string>();
  for (const child of children) {
    for (const node of child.kind === kind ? child.children : [child]) {
      const key = JSON.stringify(node);
      if (seen.has(key)) continue;
      seen.add(key);
      flat.push(node);
    }
  }
  return flat.length === 1 ? flat[0] : { kind, children: flat };
}
