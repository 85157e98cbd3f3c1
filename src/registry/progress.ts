// What pull and push report as they go: Docker's JSON messages (status, id,
// progressDetail), which the Engine API sends as they are and the CLI shows
// as Docker's CLI does (cli/output/json-messages.ts).

export interface ProgressMessage {
  /** a layer's short ID, or the tag being pulled */
  id?: string;
  status: string;
  /** bytes done of total (a progress bar on a terminal) */
  progressDetail?: { current?: number; total?: number };
}

export type OnProgress = (m: ProgressMessage) => void;

export const NO_PROGRESS: OnProgress = () => {};

/** Progress of one item at most every `ms`, the last one always. */
export function throttled(
  emit: OnProgress,
  id: string,
  status: string,
  total: number,
  ms = 100,
): (current: number, final?: boolean) => void {
  let last = 0;
  return (current, final = false) => {
    const now = Date.now();
    if (!final && now - last < ms) return;
    last = now;
    emit({ id, status, progressDetail: { current, total } });
  };
}

/** Runs at most `limit` of the given jobs at a time, in the order they ask. */
export class Slots {
  private free: number;
  private readonly queue: Array<() => void> = [];

  constructor(limit: number) {
    this.free = limit;
  }

  /** Whether a job asking now would wait. */
  get busy(): boolean {
    return this.free === 0;
  }

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.queue.push(r));
  }

  give(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}
