import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { BROWSER, tokenOf, webApp } from "./_setup.ts";

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const SAME_ORIGIN = { ...FORM, Origin: "http://localhost", "Sec-Fetch-Site": "same-origin" };

test("/ and /workers show each worker with its counts, linked to the filtered tasks", async () => {
  const { app } = webApp();
  for (const path of ["/", "/workers"]) {
    const response = await app.request(path, { headers: BROWSER });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("Content-Type") ?? "", /^text\/html/);
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const page = await response.text();
    assert.match(page, /^<!DOCTYPE html>/);
    assert.match(page, /href="\/worker\/celery%40w1"/);
    assert.match(page, /Online/);
    // t1 and t2 were received by celery@w1; t1 succeeded.
    assert.match(page, /href="\/tasks\?workername=celery%40w1&amp;state=SUCCESS">1</);
    assert.match(page, /href="\/tasks\?workername=celery%40w1">2</);
    assert.match(page, /0\.50 {2}0\.25 {2}0\.13/);
  }
});

test("/tasks lists newest received first, and the URL holds sort, filter and page", async () => {
  const { app } = webApp();
  const rows = async (query: string) => {
    const page = await (await app.request(`/tasks${query}`, { headers: BROWSER })).text();
    return [...page.matchAll(/<tr [^>]*data-key="([^"]+)"/g)].map((m) => m[1]);
  };
  assert.deepEqual(await rows(""), ["t2", "t1", "t3"], "t3 was never received: last");
  assert.deepEqual(await rows("?sort_by=received"), ["t3", "t1", "t2"]);
  assert.deepEqual(await rows("?state=SUCCESS"), ["t1"]);
  assert.deepEqual(await rows("?taskname=tasks.echo&sort_by=name"), ["t3", "t2"].sort());
  assert.deepEqual(await rows("?limit=15&offset=2"), ["t3"]);
  const page = await (await app.request("/tasks?state=SUCCESS", { headers: BROWSER })).text();
  assert.match(page, /Showing 1–1 of 1 tasks/);
  assert.match(page, /href="\/tasks\?state=SUCCESS&amp;sort_by=name"/, "sort links keep filters");
});

test("/tasks's search box runs the API's search, with the filters, sort and page", async () => {
  const { app } = webApp();
  const rows = async (query: string) => {
    const page = await (await app.request(`/tasks${query}`, { headers: BROWSER })).text();
    return [...page.matchAll(/<tr [^>]*data-key="([^"]+)"/g)].map((m) => m[1]);
  };
  const api = async (query: string) =>
    Object.keys(await (await app.request(`/api/tasks${query}`)).json());
  const cases = [
    "state:SUCCESS",
    "name:tasks.add OR name:tasks.echo",
    "-state:SUCCESS",
    "script",
    '"alert(1)"',
    "root:t1",
    "kwargs:k=nothing",
  ];
  for (const search of cases) {
    const q = `?search=${encodeURIComponent(search)}`;
    assert.deepEqual(
      await rows(`${q}&sort_by=received`),
      await api(`${q}&sort_by=received`),
      search,
    );
  }
  assert.deepEqual(
    await rows("?search=tasks.echo&sort_by=-received"),
    ["t2", "t3"],
    "t3: never received",
  );
  assert.deepEqual(await rows("?search=tasks.echo&state=STARTED"), ["t2"]);
  assert.deepEqual(await rows("?search=tasks&limit=15&offset=2&sort_by=received"), ["t2"]);
  const page = await (await app.request("/tasks?search=state%3ASUCCESS", { headers: BROWSER }))
    .text();
  assert.match(page, /name="search" value="state:SUCCESS"/, "the box keeps the query");
  assert.match(page, /Showing 1–1 of 1 tasks/);
  assert.match(page, /href="\/tasks\?search=state%3ASUCCESS&amp;sort_by=name"/, "links keep it");
});

test("/tasks shows a refused search beside the box, in the API's words", async () => {
  const { app } = webApp();
  const query = "name:add AND (state:SUCCESS";
  const api = await app.request(`/api/tasks?search=${encodeURIComponent(query)}`);
  assert.equal(api.status, 400);
  const { error } = await api.json();
  const response = await app.request(`/tasks?search=${encodeURIComponent(query)}`, {
    headers: BROWSER,
  });
  assert.equal(response.status, 200, "a typo is shown on the page, not an error page");
  const page = await response.text();
  assert.match(page, /id="search-error" class="search-error" role="alert"/);
  assert.ok(page.includes(`Search not understood: ${error}`), error);
  assert.match(page, /aria-invalid="true"/);
  assert.match(page, /value="name:add AND \(state:SUCCESS"/);
  assert.match(page, /Correct the search to list tasks\./);
  assert.doesNotMatch(page, /<tr [^>]*data-key=/);
  const fine = await (await app.request("/tasks?search=add", { headers: BROWSER })).text();
  assert.doesNotMatch(fine, /search-error|aria-invalid/);
});

test("/tasks shows the chosen columns and refuses a bad view with a 400 page", async () => {
  const { app } = webApp();
  const page = await (await app.request("/tasks?columns=name&columns=state", { headers: BROWSER }))
    .text();
  assert.match(
    page,
    /<th scope="col" class="col-name"><a href="[^"]*">Name<\/a><\/th><th scope="col" class="col-state">/,
  );
  assert.doesNotMatch(page, /<th[^>]*>[^<]*UUID/);
  for (const query of ["sort_by=uuid", "limit=7", "columns=secret", "received_start=noon"]) {
    const response = await app.request(`/tasks?${query}`, { headers: BROWSER });
    assert.equal(response.status, 400, query);
    assert.match(await response.text(), new RegExp(`Invalid &#39;${query.split("=")[0]}&#39;`));
  }
});

test("/task/<uuid> shows every field escaped, with links to parent and root", async () => {
  const { app } = webApp();
  const response = await app.request("/task/t2", { headers: BROWSER });
  assert.equal(response.status, 200);
  const page = await response.text();
  assert.doesNotMatch(page, /<script>alert/);
  assert.doesNotMatch(page, /<img src=x/);
  assert.doesNotMatch(page, /<\/textarea><b>/);
  assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(page, /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(page, /href="\/task\/t1"/, "parent and root link to t1");
  // Fields with a value have a row; the others are named on the "Not set" line.
  for (const label of ["Worker", "Clock", "Received", "Started", "Parent", "Root"]) {
    assert.match(page, new RegExp(`<dt>${label}</dt>`), label);
  }
  const unset = /<dt>Not set<\/dt><dd class="muted">([^<]*)<\/dd>/.exec(page)?.[1] ?? "";
  for (const label of ["Client", "Children", "Traceback", "Succeeded", "Runtime"]) {
    assert.ok(unset.split(", ").includes(label), `${label} is named as not set: ${unset}`);
  }
  assert.match(page, /name="action" value="revoke"/);
  assert.match(page, /name="action" value="terminate"/);
  assert.match(page, /Workflow/);
});

test("an unknown task, worker page or path is a 404 page in the layout; /api stays JSON", async () => {
  const { app } = webApp();
  const task = await app.request("/task/nope", { headers: BROWSER });
  assert.equal(task.status, 404);
  assert.match(await task.text(), /Unknown task &#39;nope&#39;/);
  const path = await app.request("/nothing/here", { headers: BROWSER });
  assert.equal(path.status, 404);
  assert.match(await path.text(), /<!DOCTYPE html>.*No route for \/nothing\/here/s);
  const api = await app.request("/api/nothing", { headers: BROWSER });
  assert.equal(api.status, 404);
  assert.ok((await api.json()).error);
});

test("revoke and terminate from the task page reach the control service", async () => {
  const { app, calls } = webApp();
  const csrf = await tokenOf(app, "/task/t2");
  const revoke = await app.request("/task/t2", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "X-Stalk-Fetch": "1" },
    body: form({ csrf, action: "revoke" }),
  });
  assert.equal(revoke.status, 200);
  assert.equal(await revoke.text(), "revoke done");
  const terminate = await app.request("/task/t2", {
    method: "POST",
    headers: SAME_ORIGIN,
    body: form({ csrf, action: "terminate", signal: "SIGKILL" }),
  });
  assert.equal(terminate.status, 303, "a plain form goes back to the task page");
  assert.equal(terminate.headers.get("Location"), "/task/t2");
  assert.deepEqual(calls, [
    { method: "revoke", args: ["t2", { terminate: false, signal: "SIGTERM" }] },
    { method: "revoke", args: ["t2", { terminate: true, signal: "SIGKILL" }] },
  ]);
});

test("a cross-site, tokenless or forged action POST is refused before anything is sent", async () => {
  const { app, calls } = webApp();
  const csrf = await tokenOf(app, "/task/t2");
  const attempts: [Record<string, string>, Record<string, string>][] = [
    [{ ...FORM, Origin: "https://evil.example" }, { csrf, action: "revoke" }],
    [{ ...FORM, "Sec-Fetch-Site": "cross-site" }, { csrf, action: "revoke" }],
    [SAME_ORIGIN, { action: "revoke" }],
    [SAME_ORIGIN, { csrf: `${csrf.slice(1)}x`, action: "revoke" }],
  ];
  for (const [headers, fields] of attempts) {
    const response = await app.request("/task/t2", {
      method: "POST",
      headers: { ...headers, "X-Stalk-Fetch": "1" },
      body: form(fields),
    });
    assert.equal(response.status, 403, JSON.stringify(headers));
    assert.match(await response.text(), /Refused/);
  }
  assert.deepEqual(calls, []);
});

test("read-only mode offers no action and refuses a forged POST", async () => {
  const { app, calls } = webApp({ readOnly: true });
  const page = await (await app.request("/task/t2", { headers: BROWSER })).text();
  assert.doesNotMatch(page, /<form method="post"/);
  assert.match(page, /Read-only mode/);
  const response = await app.request("/task/t2", {
    method: "POST",
    headers: SAME_ORIGIN,
    body: form({ action: "revoke" }),
  });
  assert.equal(response.status, 403);
  assert.deepEqual(calls, []);
});

test("without credentials or FLOWER_UNAUTHENTICATED_API, pages offer no action", async () => {
  const { app, calls } = webApp({ open: false });
  const page = await (await app.request("/task/t2", { headers: BROWSER })).text();
  assert.doesNotMatch(page, /<form method="post"/);
  assert.match(page, /Actions need --basic_auth/);
  const response = await app.request("/task/t2", {
    method: "POST",
    headers: SAME_ORIGIN,
    body: form({ action: "revoke" }),
  });
  assert.equal(response.status, 403);
  assert.deepEqual(calls, []);
});

test("with basic auth every page and asset asks for credentials", async () => {
  const { app } = webApp({ basicAuth: ["alice:pw"], open: false });
  for (const path of ["/", "/tasks", "/task/t1", "/broker", "/static/style.css"]) {
    const response = await app.request(path, { headers: BROWSER });
    assert.equal(response.status, 401, path);
    assert.equal(response.headers.get("WWW-Authenticate"), 'Basic realm="stalk"');
  }
  const auth = { Authorization: `Basic ${Buffer.from("alice:pw").toString("base64")}` };
  const ok = await app.request("/task/t1", { headers: { ...BROWSER, ...auth } });
  assert.equal(ok.status, 200);
});

test("under --url_prefix every link, form and asset carries the prefix", async () => {
  const { app } = webApp({ urlPrefix: "flower" });
  const response = await app.request("/flower/task/t2", { headers: BROWSER });
  assert.equal(response.status, 200);
  const page = await response.text();
  const links = [...page.matchAll(/(?:href|src|action)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(links.length > 10);
  for (const link of links) assert.match(link, /^\/flower\//, link);
  assert.equal((await app.request("/tasks", { headers: BROWSER })).status, 404);
  const bare = await app.request("/flower");
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get("Location"), "/flower/");
  assert.equal((await app.request("/flower/api/task/info/t1")).status, 200);
  assert.equal((await app.request("/healthcheck")).status, 200, "probes work at the root");
});

test("/broker shows the masked broker URL and the queues", async () => {
  const { app } = webApp();
  const page = await (await app.request("/broker", { headers: BROWSER })).text();
  assert.match(page, /amqp:\/\/guest:\*\*\*\*@rabbit:5672\/\//);
  assert.match(
    page,
    /<b>celery<\/b><\/td><td class="num">3<\/td><td class="num">N\/A<\/td><td class="num">N\/A<\/td><td class="num">1<\/td>/,
  );
});

test("static files carry a strong ETag, answer 304 to it, and are immutable when versioned", async () => {
  const { app } = webApp();
  const page = await (await app.request("/tasks", { headers: BROWSER })).text();
  const src = /<script src="([^"]+)"/.exec(page)![1];
  const first = await app.request(src);
  assert.equal(first.status, 200);
  assert.match(first.headers.get("Content-Type") ?? "", /javascript/);
  assert.match(first.headers.get("Cache-Control") ?? "", /immutable/);
  const etag = first.headers.get("ETag")!;
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const again = await app.request(src, { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304);
  const unversioned = await app.request("/static/app.js");
  assert.equal(unversioned.headers.get("Cache-Control"), "no-cache");
  assert.equal((await app.request("/static/nope.js")).status, 404);
});

test("/worker/<name> without inspection says so and shows what events know", async () => {
  const { app } = webApp();
  const response = await app.request("/worker/celery%40w1", { headers: BROWSER });
  assert.equal(response.status, 200);
  const page = await response.text();
  assert.match(page, /has not answered inspection/);
  assert.match(page, /Heartbeat every/);
  for (const tab of ["pool", "queues", "tasks", "limits", "config", "system"]) {
    assert.match(page, new RegExp(`tab=${tab}"`), tab);
  }
  assert.equal((await app.request("/worker/nobody", { headers: BROWSER })).status, 404);
});

test("worker actions reach the control service and refuse bad input", async () => {
  const { app, calls } = webApp();
  const csrf = await tokenOf(app, "/task/t2");
  const post = (fields: Record<string, string>) =>
    app.request("/worker/celery%40w1", {
      method: "POST",
      headers: { ...SAME_ORIGIN, "X-Stalk-Fetch": "1" },
      body: form({ csrf, ...fields }),
    });
  assert.equal((await post({ action: "pool_grow", n: "2" })).status, 200);
  assert.equal((await post({ action: "add_consumer", queue: "extra" })).status, 200);
  const bad = await post({ action: "pool_grow", n: "two" });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Invalid 'n'/);
  assert.equal((await post({ action: "explode" })).status, 400);
  assert.deepEqual(calls, [
    { method: "poolGrow", args: ["celery@w1", 2] },
    { method: "addConsumer", args: ["celery@w1", "extra"] },
  ]);
});

test("run again sends the task's name and arguments as a new task and goes to its page", async () => {
  const { app, calls } = webApp();
  const page = await (await app.request("/task/t1", { headers: BROWSER })).text();
  assert.match(page, /name="action" value="rerun"/);
  assert.match(page, /data-confirm="Send tasks\.add\(\[1,2\], \{\}\) again/);
  const csrf = await tokenOf(app, "/task/t1");
  const response = await app.request("/task/t1", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "X-Stalk-Fetch": "1" },
    body: form({ csrf, action: "rerun" }),
  });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "Sent 'tasks.add' again as 'sent-1'");
  assert.equal(response.headers.get("X-Stalk-Location"), "/task/sent-1");
  assert.deepEqual(calls, [{
    method: "send",
    args: ["tasks.add", { args: [1, 2], kwargs: {}, options: { queue: undefined } }],
  }]);
  const plain = await app.request("/task/t2", {
    method: "POST",
    headers: SAME_ORIGIN,
    body: form({ csrf, action: "rerun" }),
  });
  assert.equal(plain.status, 303);
  assert.equal(plain.headers.get("Location"), "/task/sent-2", "a plain form lands on the new task");
  assert.deepEqual(calls[1].args, [
    "tasks.echo",
    {
      args: ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'],
      kwargs: { k: "</textarea><b>x</b>" },
      options: { queue: undefined },
    },
  ]);
});

test("run again is not offered, and refused, when the arguments are not known exactly", async () => {
  const { app, calls } = webApp();
  const page = await (await app.request("/task/t3", { headers: BROWSER })).text();
  assert.doesNotMatch(page, /value="rerun"/);
  assert.match(page, /Run again is not offered: its arguments are not known/);
  const csrf = await tokenOf(app, "/task/t3");
  const response = await app.request("/task/t3", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "X-Stalk-Fetch": "1" },
    body: form({ csrf, action: "rerun" }),
  });
  assert.equal(response.status, 400);
  assert.match(await response.text(), /^Cannot run 't3' again: its arguments are not known/);
  assert.deepEqual(calls, []);
});

test("read-only mode refuses run again", async () => {
  const { app, calls } = webApp({ readOnly: true });
  const page = await (await app.request("/task/t1", { headers: BROWSER })).text();
  assert.doesNotMatch(page, /value="rerun"/);
  const response = await app.request("/task/t1", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "X-Stalk-Fetch": "1" },
    body: form({ action: "rerun" }),
  });
  assert.equal(response.status, 403);
  assert.deepEqual(calls, []);
});
