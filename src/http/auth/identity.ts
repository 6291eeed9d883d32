/**
 * Who a request comes from, as the auth policy establishes it, and what that caller may do.
 * Roles are ordered: an operator may do what a viewer may, an admin what an operator may.
 */

/** What a caller may do: read (`viewer`), also act on tasks (`operator`), or everything. */
export type Role = "viewer" | "operator" | "admin";

/** Every role, lowest first. */
export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

/** The caller of one request. */
export interface Identity {
  /** The user name, e-mail or token name the credentials carry, or `anonymous`. */
  name: string;
  role: Role;
  /** The provider that vouched for it (`basic`, `token`, `session`), or `anonymous`. */
  via: string;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `identity` holds `role` or a higher one. */
export function hasRole(identity: Identity, role: Role): boolean {
  return RANK[identity.role] >= RANK[role];
}

/** True when `text` names a role. */
export function isRole(text: string): text is Role {
  return Object.hasOwn(RANK, text);
}

/** The caller when no credentials are needed: Flower without auth lets anyone do anything. */
export const OPEN_ACCESS: Identity = { name: "anonymous", role: "admin", via: "anonymous" };

/** The caller of a public path (e.g. `/healthcheck`) when credentials are needed elsewhere. */
export const PUBLIC_VISITOR: Identity = { name: "anonymous", role: "viewer", via: "anonymous" };
