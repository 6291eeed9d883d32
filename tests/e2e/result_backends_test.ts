// The result, apply and abort routes over the result backends Celery teams run besides Redis:
// memcached, and Celery's SQLAlchemy database backend on PostgreSQL, MariaDB and SQLite. One contract per store: real workers write
// with the same backend URL, Stalk reads, on the broker this run uses.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  api,
  type BrokerFixture,
  brokerFixture,
  celeryClient,
  type Stalk,
  startStalk,
  startWorker,
  waitFor,
  waitForTaskState,
  type Worker,
} from "./_harness/mod.ts";
import {
  djangoMigrate,
  djangoWorkerEnv,
  mariadbStore,
  memcachedStore,
  postgresStore,
  type ResultStore,
  sqliteStore,
} from "./_harness/result_stores.ts";

interface TaskReply {
  "task-id": string;
  state: string;
  result?: unknown;
  traceback?: string;
  error?: string;
}

interface Contract {
  /** Makes the store (a database of its own, a file); its URL is the one Stalk gets. */
  store: () => ResultStore | Promise<ResultStore>;
  /** On top of CELERY_RESULT_BACKEND for the worker (result_extended, the serializer). */
  workerEnv?: Record<string, string>;
  /** A Django app's workers: `django-db` and the app's settings instead of the URL. */
  django?: boolean;
}

const CONTRACTS: Record<string, Contract> = {
  "memcached": { store: memcachedStore },
  "memcached, pickle serializer": {
    store: memcachedStore,
    // STARTED is stored, so an abort finds a pickle and answers in kind.
    workerEnv: { STALK_E2E_RESULT_SERIALIZER: "pickle", STALK_E2E_TRACK_STARTED: "1" },
  },
  "PostgreSQL (db+postgresql)": { store: () => postgresStore() },
  "PostgreSQL, extended results": {
    store: () => postgresStore("db+postgresql+psycopg2"),
    workerEnv: { STALK_E2E_RESULT_EXTENDED: "1" },
  },
  "MariaDB (db+mysql)": { store: () => mariadbStore() },
  "SQLite (db+sqlite)": {
    store: () => sqliteStore(),
    workerEnv: { STALK_E2E_RESULT_EXTENDED: "1" },
  },
  "django-celery-results on PostgreSQL": {
    store: () => postgresStore("django-db+postgresql"),
    django: true,
    workerEnv: { STALK_E2E_RESULT_EXTENDED: "1" },
  },
  "django-celery-results on MariaDB": {
    store: () => mariadbStore("django-db+mysql"),
    django: true,
  },
  "django-celery-results on MariaDB, pickle serializer": {
    store: () => mariadbStore("django-db+mysql"),
    django: true,
    workerEnv: { STALK_E2E_RESULT_SERIALIZER: "pickle", STALK_E2E_TRACK_STARTED: "1" },
  },
  "django-celery-results on SQLite": { store: () => sqliteStore("django-db+sqlite"), django: true },
};

const JSON_HEADERS = { "Content-Type": "application/json" };

for (const [title, contract] of Object.entries(CONTRACTS)) {
  describe(`results on ${title}`, () => {
    let broker: BrokerFixture;
    let store: ResultStore;
    let worker: Worker;
    let stalk: Stalk;
    const post = (path: string, body?: unknown) =>
      api<TaskReply>(stalk.url, path, {
        method: "POST",
        headers: JSON_HEADERS,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    /** The Python client sends only; a Django app's backend would need Django set up in it. */
    const clientBackend = () => contract.django ? undefined : store.url;
    const result = (id: string, timeout?: number) =>
      api<TaskReply>(stalk.url, `/api/task/result/${id}${timeout ? `?timeout=${timeout}` : ""}`);

    before(async () => {
      [broker, store] = await Promise.all([brokerFixture(), contract.store()]);
      if (contract.django) await djangoMigrate(store);
      const env = {
        ...(contract.django ? djangoWorkerEnv(store) : { CELERY_RESULT_BACKEND: store.url }),
        ...contract.workerEnv,
      };
      [worker, stalk] = await Promise.all([
        // Ten workers in this file: each boots a second sooner without Mingle, and the
        // wait below is for what the tests need of it.
        startWorker({
          brokerUrl: broker.brokerUrl,
          name: "results",
          concurrency: 2,
          mingle: false,
          env,
        }),
        startStalk({ brokerUrl: broker.brokerUrl, args: [`--result_backend=${store.url}`] }),
      ]);
      // apply and async-apply need the task registered with some worker Stalk has inspected.
      await waitFor(async () => {
        const workers = await api<Record<string, { registered?: string[] }>>(
          stalk.url,
          "/api/workers",
        );
        return workers.json?.[worker.name]?.registered?.includes("tasks.add");
      }, { timeout: 15_000, interval: 200, message: `${worker.name} inspected by Stalk` });
    });

    after(async () => {
      await Promise.all([stalk?.stop(), worker?.stop()]);
      await Promise.all([broker?.remove(), store?.remove()]);
    });

    test("result reads, and waits for, the result of a task a Python client sent", async () => {
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        backend: clientBackend(),
        send: [{ name: "tasks.echo", args: [1, "two"], kwargs: { k: [true, null] } }],
      });
      const [id] = sent.ids;
      const response = await result(id, 20);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, {
        "task-id": id,
        state: "SUCCESS",
        result: { args: [1, "two"], kwargs: { k: [true, null] } },
      });
      const now = await result(id);
      assert.deepEqual(now.json, response.json);
    });

    test("an unknown task is PENDING", async () => {
      const id = crypto.randomUUID();
      assert.deepEqual((await result(id)).json, { "task-id": id, state: "PENDING" });
    });

    test("apply waits for the result of tasks.add", async () => {
      const response = await post("/api/task/apply/tasks.add", { args: [1, 2] });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, {
        "task-id": response.json!["task-id"],
        state: "SUCCESS",
        result: 3,
      });
    });

    test("apply of a failing task answers FAILURE with the exception and its traceback", async () => {
      const response = await post("/api/task/apply/tasks.error", { kwargs: { msg: "boom" } });
      if (contract.workerEnv?.STALK_E2E_RESULT_SERIALIZER === "pickle") {
        // The pickle serializer stores the exception object itself: Stalk refuses to unpickle it.
        assert.equal(response.status, 500, response.text);
        assert.match(response.json!.error ?? "", /Python object '\w+\.ValueError'/);
        return;
      }
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json!.state, "FAILURE");
      assert.equal(response.json!.result, "ValueError('boom')");
      if (contract.django && !contract.workerEnv?.STALK_E2E_RESULT_EXTENDED) {
        // django-celery-results stores the traceback only with result_extended: none to show.
        assert.equal(response.json!.traceback, null);
        return;
      }
      assert.match(response.json!.traceback ?? "", /Traceback[\s\S]*ValueError: boom/);
    });

    test("a datetime result: its text from JSON, a 500 naming it from a pickle", async () => {
      const response = await post("/api/task/apply/tasks.when");
      const pickled = contract.workerEnv?.STALK_E2E_RESULT_SERIALIZER === "pickle" ||
        store.url.startsWith("db+");
      if (pickled) {
        // Celery's database backend pickles every result (SQLAlchemy's PickleType column).
        assert.equal(response.status, 500, response.text);
        assert.match(
          response.json!.error ?? "",
          /Cannot read the result of '[\w-]+': the pickle holds a Python object 'datetime\.datetime'/,
        );
        return;
      }
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json!.result, "2026-01-02T03:04:05");
    });

    test("apply that outlasts its timeout is a 504 with the task id; the result comes later", async () => {
      const response = await post("/api/task/apply/tasks.sleep?timeout=0.5", { args: [1.5] });
      assert.equal(response.status, 504, response.text);
      assert.match(response.json!.error ?? "", /did not finish within 0.5 s/);
      const id = response.json!["task-id"];
      const later = await result(id, 20);
      assert.deepEqual(later.json, { "task-id": id, state: "SUCCESS", result: 1.5 });
    });

    test("result?timeout on a task that never runs is a 504 with PENDING", async () => {
      const id = crypto.randomUUID();
      const response = await result(id, 0.6);
      assert.equal(response.status, 504, response.text);
      assert.equal(response.json!.state, "PENDING");
    });

    test("fifty waiters on one backend all get their results", async () => {
      const sent = await celeryClient({
        broker: broker.brokerUrl,
        backend: clientBackend(),
        send: Array.from({ length: 50 }, (_, i) => ({ name: "tasks.add", args: [i, 1] })),
      });
      const replies = await Promise.all(sent.ids.map((id) => result(id, 30)));
      assert.deepEqual(
        replies.map((reply) => reply.json!.result),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    test("abort makes a running AbortableTask stop", async () => {
      const started = Date.now();
      const sent = await post("/api/task/async-apply/tasks.sleep", { args: [30] });
      const id = sent.json!["task-id"];
      await waitForTaskState(stalk.url, id, "STARTED");
      if (contract.workerEnv?.STALK_E2E_TRACK_STARTED) {
        // The pool process stores STARTED after the task-started event has gone out: an ABORTED
        // stored before it would be overwritten, and the task would never see it.
        await waitFor(async () => (await result(id)).json?.state === "STARTED", {
          timeout: 10_000,
          message: `STARTED stored for ${id}`,
        });
      }
      const aborted = await post(`/api/task/abort/${id}`);
      assert.equal(aborted.status, 200, aborted.text);
      // The task sees ABORTED, returns "aborted", and the worker then stores SUCCESS over it.
      const final = await result(id, 15);
      assert.deepEqual(final.json, { "task-id": id, state: "SUCCESS", result: "aborted" });
      assert.ok(Date.now() - started < 20_000);
    });

    test("abort of a finished task keeps its result", async () => {
      const done = await post("/api/task/apply/tasks.add", { args: [2, 2] });
      const id = done.json!["task-id"];
      assert.equal((await post(`/api/task/abort/${id}`)).status, 200);
      assert.deepEqual((await result(id)).json, { "task-id": id, state: "SUCCESS", result: 4 });
    });
  });
}
