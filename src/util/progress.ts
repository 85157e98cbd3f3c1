// What long operations (load, save, pull, push) report as they go; the CLI
// draws it on a terminal, the API sends it as JSON messages.
export interface Progress {
  start(id: string, action: string, total: number): void;
  update(id: string, done: number): void;
  finish(id: string): void;
}

export const NO_PROGRESS: Progress = { start() {}, update() {}, finish() {} };
