/** The e2e harness: real broker, real Celery workers, Stalk from source or as a binary. */

export { api, type ApiResponse, basicAuth } from "./api.ts";
export {
  celeryClient,
  type ClientInput,
  type ClientOutput,
  type ClientResult,
  type TaskToSend,
} from "./client.ts";
export { brokerFixture, type BrokerKind, brokerKind } from "./env.ts";
export { killAll } from "./process.ts";
export { type BrokerFixture, rabbitmqctl, rabbitVhost } from "./rabbit.ts";
export { redisCli, type RedisDatabase, redisDatabase } from "./redis_db.ts";
export { type Stalk, type StalkOptions, startStalk } from "./stalk.ts";
export { sleep, waitFor, type WaitOptions } from "./wait.ts";
export { startWorker, type Worker, type WorkerOptions } from "./worker.ts";
export { publishRaw, type RawMessage } from "./amqp_raw.ts";
export { publishRawEvents, type RawEnvelope } from "./raw_events.ts";
export { withBrokerDown } from "./broker_restart.ts";
export {
  listTasks,
  taskInfo,
  type TaskView,
  waitForTaskState,
  waitForTaskStates,
  workerStatus,
} from "./stalk_api.ts";
export { CONTROL_BEFORE_HEART, HEART_BEFORE_CONTROL } from "./boot_order.ts";
export { ping, pingWorker } from "./ping.ts";
export { type EventStream, type SentEvent, startEventStream } from "./event_stream.ts";
