/** What a save writes and a restore reads back: a consistent copy of everything Stalk learned. */
import type { WorkerInfo } from "../control/inspector.ts";
import type { MetricsImage } from "../metrics/celery_metrics.ts";
import type { ImageColumns, TaskImage } from "../state/task_image.ts";
import type { WorkerRecord } from "../state/worker_table.ts";

/** The parts other than the tasks, read at the moment the task copy completes. */
export interface SnapshotExtras {
  /** Workers, least recently updated first. */
  workers: WorkerRecord[];
  /** The receiver's Lamport clock. */
  clock: number;
  /** The series of Flower's metrics that events feed. */
  metrics: MetricsImage;
  /** The inspect cache behind `/api/workers`. */
  inspector: Record<string, WorkerInfo>;
}

/** A whole snapshot. */
export interface StateSnapshot<C extends ImageColumns = ImageColumns> extends SnapshotExtras {
  tasks: TaskImage<C>;
  /** Epoch seconds of the copy. */
  savedAt: number;
}
