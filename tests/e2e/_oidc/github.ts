/**
 * A small loopback stand-in for GitHub's OAuth app endpoints, as GitHub documents them:
 * `GET /login/oauth/authorize` (here it approves at once, for the user `as(...)` named),
 * `POST /login/oauth/access_token` (form in, JSON out with `Accept: application/json`; a bad
 * code is a 200 with `{"error": "bad_verification_code"}`, as GitHub answers), PKCE S256
 * checked, and the API's `GET /user/emails` under `/api/v3` (GitHub Enterprise's layout).
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One account's e-mails, as `/user/emails` lists them. */
export type GithubEmails = { email: string; verified: boolean; primary: boolean }[];

/** The running stand-in. */
export interface TestGithub {
  url: string;
  as(emails: GithubEmails): void;
  close(): Promise<void>;
}

/** Starts it; `clientId`/`clientSecret` are the only app it knows. */
export async function startGithub(clientId: string, clientSecret: string): Promise<TestGithub> {
  let current: GithubEmails = [];
  const codes = new Map<string, { challenge: string; redirect: string; emails: GithubEmails }>();
  const tokens = new Map<string, GithubEmails>();
  const json = (res: import("node:http").ServerResponse, body: unknown, status = 200) => {
    res.statusCode = status;
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const code = randomUUID();
      codes.set(code, {
        challenge: url.searchParams.get("code_challenge") ?? "",
        redirect: url.searchParams.get("redirect_uri") ?? "",
        emails: current,
      });
      const back = new URL(url.searchParams.get("redirect_uri")!);
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.statusCode = 302;
      res.setHeader("Location", back.toString());
      res.end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const grant = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
        return json(res, { error: "incorrect_client_credentials" });
      }
      if (!grant || grant.redirect !== form.get("redirect_uri") || grant.challenge !== challenge) {
        return json(res, { error: "bad_verification_code" });
      }
      const token = `gho_${randomUUID()}`;
      tokens.set(token, grant.emails);
      return json(res, { access_token: token, token_type: "bearer", scope: "user:email" });
    }
    if (req.method === "GET" && url.pathname === "/api/v3/user/emails") {
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
      const emails = tokens.get(token);
      return emails ? json(res, emails) : json(res, { message: "Bad credentials" }, 401);
    }
    json(res, { message: "Not Found" }, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    as: (emails) => (current = emails),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
