// Runs the lesson's steps: each shows the real stowage command, its real output,
// and checks the outcome, so the same steps serve the reader and the test.
import { capture, type Captured } from '../util/capture';
import { FRONT_END_PATH } from '../util/paths';
import { internal } from '../errdefs';

export type CommandResult = Captured;

export interface LessonIO {
  write(s: string): void;
  color: boolean;
}

export class Lesson {
  private step = 0;

  constructor(
    private readonly io: LessonIO,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  private style(code: string, s: string): string {
    return this.io.color ? `\x1b[${code}m${s}\x1b[0m` : s;
  }

  /** A numbered heading and a few plain sentences for the learner. */
  section(title: string, ...explain: string[]): void {
    this.step++;
    this.io.write(`\n${this.style('1;36', `── ${this.step}. ${title} ──`)}\n`);
    for (const line of explain) this.io.write(`${line}\n`);
  }

  note(s: string): void {
    this.io.write(`${this.style('33', s)}\n`);
  }

  /** Runs `stowage ARGS`, echoing the command and its output; fails unless the exit status is `expect`. */
  async sh(args: string[], opts: { expect?: number; input?: string; quiet?: boolean } = {}): Promise<CommandResult> {
    this.io.write(`${this.style('1', `$ stowage ${args.map(quote).join(' ')}`)}\n`);
    const r = await capture(FRONT_END_PATH, args, { env: this.env, input: opts.input });
    if (!opts.quiet) {
      if (r.stdout) this.io.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
      if (r.stderr) this.io.write(this.style('31', r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`));
    }
    const expect = opts.expect ?? 0;
    if (r.code !== expect)
      throw internal(
        `step ${this.step}: "stowage ${args.join(' ')}" exited ${r.code}, expected ${expect}\n${r.stderr}`,
      );
    return r;
  }

  /** Shows a check made on the host (such as fetching a page) and its result. */
  show(command: string, output: string): void {
    this.io.write(`${this.style('1', `$ ${command}`)}\n${output.endsWith('\n') ? output : `${output}\n`}`);
  }

  check(ok: boolean, what: string): void {
    if (!ok) throw internal(`step ${this.step}: ${what}`);
    this.io.write(`${this.style('32', `✔ ${what}`)}\n`);
  }
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
