// Engine API routes for exec sessions: create, start (hijacked stream, with or
// without a terminal, or detached), resize, inspect.
import { invalidArgument } from '../errdefs';
import { DEFAULT_DETACH_KEYS, DetachWatcher, parseDetachKeys } from '../util/detach-keys';
import { streamsFor } from './containers';
import { sendJson, type Route } from './server';
import { hijack } from './stream';

interface ExecBody {
  Cmd?: string[];
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  /** (Go reads JSON keys case-blind: docker-py sends this spelling) */
  detachKeys?: string;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Privileged?: boolean;
}

/**
 * The start's body. Its Tty, not the exec's, says whether the output goes out
 * raw or framed (Docker's postContainerExecStart): a terminal exec started
 * with Tty false sends its one stream in stdout frames.
 */
interface StartBody {
  Detach?: boolean;
  Tty?: boolean;
}

export const EXEC_ROUTES: Route[] = [
  {
    method: 'POST',
    re: /^\/containers\/([^/]+)\/exec$/,
    async handler(ctx, r, res) {
      const b = await r.json<ExecBody>();
      if (b.Cmd !== undefined && !Array.isArray(b.Cmd)) throw invalidArgument('Cmd must be a list of strings');
      const id = ctx.execs.create(r.params[0], {
        cmd: b.Cmd ?? [],
        tty: !!b.Tty,
        env: b.Env ?? [],
        workdir: b.WorkingDir || undefined,
        user: b.User || undefined,
        privileged: !!b.Privileged,
        stdin: !!b.AttachStdin,
        stdout: b.AttachStdout !== false,
        stderr: b.AttachStderr !== false,
        detachKeys: b.DetachKeys ?? b.detachKeys,
      });
      sendJson(res, 201, { Id: id });
    },
  },
  {
    method: 'POST',
    re: /^\/exec\/([^/]+)\/start$/,
    // docker exec -d (Detach: true): no stream, the process runs on
    async handler(ctx, r, res) {
      ctx.execs.get(r.params[0]);
      const b = await r.json<StartBody>();
      if (!b.Detach) {
        // a client that neither detaches nor upgrades still gets the output in the body
        const e = ctx.execs.get(r.params[0]);
        const raw = !!b.Tty;
        res.writeHead(200, {
          'Content-Type': raw ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream',
        });
        const io = streamsFor(res as never, raw, { stdin: false, stdout: e.config.stdout, stderr: e.config.stderr });
        await ctx.execs.start(r.params[0], io);
        io.close();
        return;
      }
      await ctx.execs.start(r.params[0], 'detach');
      res.writeHead(200).end();
    },
    async upgrade(ctx, r, socket) {
      const e = ctx.execs.get(r.params[0]);
      const raw = !!(await r.json<StartBody>()).Tty;
      // the detach keys on stdin end the connection and leave the process running, as Docker's exec attach
      const keys = e.config.stdin ? parseDetachKeys(e.config.detachKeys || DEFAULT_DETACH_KEYS) : undefined;
      hijack(socket, !raw);
      const io = streamsFor(socket, raw, { stdin: e.config.stdin, stdout: e.config.stdout, stderr: e.config.stderr });
      if (keys && io.stdin) {
        const watcher = new DetachWatcher(keys);
        watcher.on('detach', () => socket.destroy());
        io.stdin = io.stdin.pipe(watcher);
      }
      await ctx.execs.start(r.params[0], io);
      io.close();
    },
  },
  {
    method: 'POST',
    re: /^\/exec\/([^/]+)\/resize$/,
    async handler(ctx, r, res) {
      const h = Number(r.query.get('h'));
      const w = Number(r.query.get('w'));
      if (!(h > 0 && w > 0)) throw invalidArgument(`invalid terminal size ${r.query.get('h')}x${r.query.get('w')}`);
      ctx.execs.resize(r.params[0], h, w);
      res.writeHead(200).end();
    },
  },
  {
    method: 'GET',
    re: /^\/exec\/([^/]+)\/json$/,
    async handler(ctx, r, res) {
      sendJson(res, 200, ctx.execs.inspect(r.params[0]));
    },
  },
];
