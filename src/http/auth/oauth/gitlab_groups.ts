/**
 * GitLab's group restriction, as Flower's `GitLabLoginHandler` applies it: with
 * `FLOWER_GITLAB_AUTH_ALLOWED_GROUPS`, a user must belong to one of those groups (full paths)
 * with at least `FLOWER_GITLAB_MIN_ACCESS_LEVEL`, asked of GitLab's `/api/v4/groups` with the
 * user's own access token (scope `read_api`).
 */
import * as v from "valibot";
import type { LoginResult } from "./oidc_client.ts";
import { loginFailed } from "./oidc_client.ts";

const Groups = v.array(v.looseObject({ full_path: v.string() }));

/** A check that throws a 403 unless the user is in one of `allowed`. */
export function gitlabGroupCheck(
  base: string,
  allowed: string[],
  minAccessLevel: number,
): (result: LoginResult) => Promise<void> {
  return async (result) => {
    const url = new URL(`${base.replace(/\/+$/, "")}/api/v4/groups`);
    url.searchParams.set("min_access_level", String(minAccessLevel));
    url.searchParams.set("per_page", "100");
    let groups;
    try {
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${result.accessToken}`, Accept: "application/json" },
      });
      if (!response.ok) throw new Error(`GitLab answered ${response.status}`);
      groups = v.parse(Groups, await response.json());
    } catch (error) {
      throw loginFailed(`cannot read the GitLab groups of '${result.email}'`, error);
    }
    if (!groups.some((group) => allowed.includes(group.full_path))) {
      throw loginFailed(`'${result.email}' is in none of the allowed GitLab groups`);
    }
  };
}
