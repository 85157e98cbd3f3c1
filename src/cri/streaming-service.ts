// Exec, Attach and PortForward: checked as containerd and the kubelet's
// streaming library check them, answered with a one-time URL of the streaming
// server, and served there when the client comes.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Duplex, Writable } from 'node:stream';
import { invalidArgument } from '../errdefs';
import { attach } from '../runtime/attach';
import { resize } from '../runtime/conmon';
import type { Containers } from './containers';
import { execProcess, runExec, startTtyExec, type TtyExec } from './exec';
import type { Handlers } from './grpc-server';
import type { Sandboxes } from './sandboxes';
import { unknown } from './status';
import { portForward } from './streaming/portforward';
import { ExitCodeError, readResizes, remoteCommand, type RemoteCommandOptions } from './streaming/remotecommand';
import type { StreamingServer } from './streaming/server';
import type { Tasks } from './tasks';

/** Debian's busybox (busybox-static also provides it): its nc connects inside pods' namespaces. */
const BUSYBOX = '/bin/busybox';

export interface StreamingDeps {
  server: StreamingServer;
  containers: Containers;
  sandboxes: Sandboxes;
  tasks: Tasks;
}

/** The kubelet's validateExecRequest / validateAttachRequest. */
function checkStreams(id: string, opts: RemoteCommandOptions): void {
  if (!id) throw invalidArgument('missing required container_id');
  if (opts.tty && opts.stderr) throw invalidArgument('tty and stderr cannot both be true');
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw invalidArgument('one of stdin, stdout, or stderr must be set');
}

/** How long a terminal exec waits for the client's first size (crictl and the kubelet send it at once). */
const FIRST_SIZE_WAIT_MS = 1000;

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

/** 127.0.0.1:port of this host (a pod on the host's network). */
function dialLocal(port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/**
 * 127.0.0.1:port in a network namespace: Node cannot enter one, so busybox's nc
 * connects from inside it (`nsenter --net`), as dockershim's socat did. Its
 * failure ("can't connect...") comes as the connection's error.
 */
function dialInNetns(netns: string, port: number): Promise<Duplex> {
  const child = spawn('nsenter', [`--net=${netns}`, BUSYBOX, 'nc', '127.0.0.1', String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let answered = false;
  child.stderr.on('data', (x: Buffer) => (stderr += x.toString()));
  child.stdout.once('data', () => (answered = true));
  const conn = Duplex.from({ readable: child.stdout, writable: child.stdin });
  child.on('exit', (code) => {
    // a connection that never came about (nc's "can't connect"); a later exit is the end of it
    if (code && !answered) conn.destroy(new Error(stderr.trim().replace(/^nc: /, '') || `nc exited ${code}`));
  });
  child.on('error', (e) => conn.destroy(e));
  conn.on('close', () => child.kill('SIGKILL'));
  return Promise.resolve(conn);
}

export function streamingHandlers(d: StreamingDeps): Handlers {
  return {
    async Exec(req: {
      container_id: string;
      cmd: string[];
      tty: boolean;
      stdin: boolean;
      stdout: boolean;
      stderr: boolean;
    }) {
      const opts = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty };
      const c = d.containers.running(req.container_id);
      checkStreams(req.container_id, opts);
      if (req.cmd.length === 0) throw invalidArgument('missing required cmd');
      const id = c.record.id;
      const url = d.server.url('exec', (conn, protocol) =>
        remoteCommand(conn, protocol, opts, async (s) => {
          const proc = execProcess(d.tasks, id, req.cmd, req.tty);
          let code: number;
          if (req.tty) {
            // the client sends the terminal's size as soon as the streams exist: the first one
            // sizes the pty before the process runs (runc's consoleSize), later ones resize it
            let t: TtyExec | undefined;
            let latest: { width: number; height: number } | undefined;
            let gotFirst: () => void = () => undefined;
            const first = new Promise<void>((resolve) => {
              gotFirst = resolve;
              setTimeout(resolve, FIRST_SIZE_WAIT_MS).unref();
            });
            readResizes(s.resize, (size) => {
              latest = size;
              if (t) t.resize(size.height, size.width);
              else gotFirst();
            });
            if (s.resize) await first;
            const initial = latest;
            if (initial) proc.consoleSize = { height: initial.height, width: initial.width };
            t = await startTtyExec(d.tasks, id, proc, { stdin: s.stdin, stdout: s.stdout ?? discard() });
            if (latest && latest !== initial) t.resize(latest.height, latest.width);
            code = await t.done;
          } else {
            code = await runExec(d.tasks, id, proc, { stdin: s.stdin, stdout: s.stdout, stderr: s.stderr });
          }
          if (code !== 0) throw new ExitCodeError(code, req.cmd);
        }),
      );
      return { url };
    },

    async Attach(req: { container_id: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }) {
      const opts = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty };
      const c = d.containers.running(req.container_id);
      checkStreams(req.container_id, opts);
      const paths = d.tasks.layout.paths(c.record.id, c.record.logPath);
      const url = d.server.url('attach', (conn, protocol) =>
        remoteCommand(conn, protocol, opts, async (s) => {
          const out = s.stdout ?? discard();
          const attachment = attach(paths, {
            stdin: c.record.config.stdin ? s.stdin : undefined,
            stdout: out,
            stderr: s.stderr ?? out,
          });
          s.stdin?.resume();
          readResizes(s.resize, ({ width, height }) => resize(paths, height, width));
          conn.once('close', () => attachment.detach());
          await attachment.done;
        }),
      );
      return { url };
    },

    async PortForward(req: { pod_sandbox_id: string; port: number[] }) {
      if (!req.pod_sandbox_id) throw invalidArgument('missing required pod_sandbox_id');
      const pod = d.sandboxes.find(req.pod_sandbox_id);
      if (pod.state.status !== 'ready') throw unknown('sandbox container is not running');
      const { record } = pod;
      // localhost in the pod's network namespace, as the kubelet's runtimes connect
      const dial = (port: number) => (record.hostNetwork ? dialLocal(port) : dialInNetns(record.netnsPath, port));
      const url = d.server.url('portforward', (conn) =>
        portForward(
          conn,
          dial,
          () => `${record.config.metadata?.name ?? record.id}, uid ${record.config.metadata?.uid ?? ''}`,
        ),
      );
      return { url };
    },
  };
}
