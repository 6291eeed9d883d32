import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBackendUrl } from "../../../src/celery/backend_url.ts";

test("redis:// gives host, port, password and db", () => {
  assert.deepEqual(parseBackendUrl("redis://:s3cret@cache:6380/4"), {
    kind: "redis",
    tls: false,
    hostname: "cache",
    port: 6380,
    username: undefined,
    password: "s3cret",
    db: 4,
    verifyCertificate: true,
    caFile: undefined,
    certFile: undefined,
    keyFile: undefined,
  });
});

test("defaults are localhost:6379, db 0", () => {
  const url = parseBackendUrl("redis://");
  assert.equal(url.kind, "redis");
  if (url.kind !== "redis") return;
  assert.equal(url.hostname, "localhost");
  assert.equal(url.port, 6379);
  assert.equal(url.db, 0);
});

test("rediss:// reads ssl_cert_reqs and the certificate files", () => {
  const url = parseBackendUrl("rediss://h:6379/1?ssl_cert_reqs=CERT_NONE&ssl_ca_certs=/ca.pem");
  assert.ok(url.kind === "redis" && url.tls);
  assert.equal(url.verifyCertificate, false);
  assert.equal(url.caFile, "/ca.pem");
  assert.throws(() => parseBackendUrl("rediss://h/0?ssl_cert_reqs=maybe"), /ssl_cert_reqs must be/);
});

test("rpc:// ignores the rest of the URL", () => {
  assert.deepEqual(parseBackendUrl("rpc://"), { kind: "rpc" });
  assert.deepEqual(parseBackendUrl("rpc://guest@host//"), { kind: "rpc" });
});

test("other backends and bad URLs are refused with a reason", () => {
  assert.throws(() => parseBackendUrl("db+oracle://h/db"), /unsupported database 'oracle'/);
  assert.throws(() => parseBackendUrl("db+sqlite://"), /in-memory SQLite/);
  assert.throws(() => parseBackendUrl("db+postgresql://h"), /names no database/);
  assert.throws(() => parseBackendUrl("django-db://"), /django-db\+postgresql:\/\//);
  assert.throws(() => parseBackendUrl("amqp://h//"), /unsupported result backend 'amqp:\/\/'/);
  assert.throws(() => parseBackendUrl("cache+memory://"), /inside each worker process/);
  assert.throws(() => parseBackendUrl("cache+redis://h/"), /unsupported cache backend/);
  assert.throws(() => parseBackendUrl("cache+memcached://h:99999/"), /out of range/);
  assert.throws(() => parseBackendUrl("redis://h/zero"), /database must be a number/);
  assert.throws(() => parseBackendUrl("localhost"), /expected a result backend URL/);
});

test("a sentinel:// result backend lists its sentinels; the first URL gives password and db", () => {
  const url = parseBackendUrl("sentinel://:pw@s1:26379/2;sentinel://s2:26380/2;sentinel://s3");
  assert.equal(url.kind, "sentinel");
  if (url.kind !== "sentinel") return;
  assert.deepEqual(url.sentinels, [
    { host: "s1", port: 26379 },
    { host: "s2", port: 26380 },
    // Celery reads each chunk as a Redis URL: 6379 when no port is given.
    { host: "s3", port: 6379 },
  ]);
  assert.deepEqual([url.master.password, url.master.db], ["pw", 2]);
  assert.throws(() => parseBackendUrl("sentinel://s1;redis://s2"), /must be sentinel:\/\//);
});

test("cache+memcached:// lists its servers as Celery splits them, 11211 by default", () => {
  assert.deepEqual(parseBackendUrl("cache+memcached://127.0.0.1:11211/"), {
    kind: "memcached",
    servers: [{ host: "127.0.0.1", port: 11211 }],
  });
  assert.deepEqual(parseBackendUrl("cache+pylibmc://a;b:11212;[::1]:11213/"), {
    kind: "memcached",
    servers: [{ host: "a", port: 11211 }, { host: "b", port: 11212 }, { host: "::1", port: 11213 }],
  });
});

test("db+ URLs are SQLAlchemy's: the driver is ignored, ports default per server", () => {
  assert.deepEqual(
    parseBackendUrl("db+postgresql+psycopg2://u:p%40ss@db.local/results?sslmode=require"),
    {
      kind: "database",
      tables: "celery",
      dialect: "postgresql",
      host: "db.local",
      port: 5432,
      user: "u",
      password: "p@ss",
      database: "results",
      tls: true,
      file: "",
    },
  );
  const mysql = parseBackendUrl("db+mysql+pymysql://root@127.0.0.1:3307/celery");
  assert.equal(
    mysql.kind === "database" && `${mysql.dialect}:${mysql.port}:${mysql.tls}`,
    "mysql:3307:false",
  );
  const django = parseBackendUrl("django-db+mariadb://root@h/app");
  assert.equal(django.kind === "database" && `${django.tables}:${django.dialect}`, "django:mysql");
});

test("db+sqlite:/// names a file as SQLAlchemy does: three slashes relative, four absolute", () => {
  const relative = parseBackendUrl("db+sqlite:///results.sqlite3");
  const absolute = parseBackendUrl("django-db+sqlite:////var/lib/app/db.sqlite3");
  assert.equal(relative.kind === "database" && relative.file, "results.sqlite3");
  assert.equal(absolute.kind === "database" && absolute.file, "/var/lib/app/db.sqlite3");
});
