/**
 * Which broker the e2e suite runs against, from STALK_E2E_BROKER: `amqp` (default) or `redis`.
 * The suite is one contract; this is the seam where each broker's fixture is chosen.
 */

import { type BrokerFixture, rabbitVhost } from "./rabbit.ts";
import { redisDatabase } from "./redis_db.ts";

/** The brokers the suite can run against. */
export type BrokerKind = "amqp" | "redis";

/** The broker kind this run uses. */
export function brokerKind(): BrokerKind {
  const kind = process.env.STALK_E2E_BROKER ?? "amqp";
  if (kind === "amqp" || kind === "redis") return kind;
  throw new Error(`Unknown STALK_E2E_BROKER '${kind}': expected 'amqp' or 'redis'`);
}

/** A fresh, isolated broker namespace of this run's kind. */
export async function brokerFixture(kind: BrokerKind = brokerKind()): Promise<BrokerFixture> {
  switch (kind) {
    case "amqp":
      return await rabbitVhost();
    case "redis": {
      // Broker and result backend share the claimed database, as many Celery deployments do.
      const database = await redisDatabase();
      return {
        name: `redis-db-${database.db}`,
        brokerUrl: database.url,
        backendUrl: database.url,
        remove: database.remove,
      };
    }
  }
}
