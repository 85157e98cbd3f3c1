// Attaching to a container through conmon's attach socket.
//
// The socket is SOCK_SEQPACKET (<bundle>/attach with --full-attach). Every packet
// conmon sends is one read of the container's output, prefixed by one byte naming
// the stream, conmon's stdpipe_t: 2 = stdout, 3 = stderr (1 would be stdin, never
// sent; podman's AttachPipeStdout/AttachPipeStderr). With a tty everything is 2. Every
// packet we send is stdin data, at most 32767 bytes (conmon reads packets into a
// 32 KiB buffer: anything longer would be cut). shutdown(SHUT_WR) tells conmon our
// stdin ended: it then closes the container's stdin, unless the container was
// created with leaveStdinOpen. conmon closes the socket when it exits (after the
// container exited and its output was drained).
//
// Node's net module cannot open SEQPACKET sockets (and refuses an fd of one:
// "Unsupported fd type: UNKNOWN"), so the native addon connects and the fd is
// given to libuv as a pipe handle (pipe_wrap): libuv then reads one packet per
// read(2), so every 'data' chunk is one packet, and writes one packet per write.
// One trap: when the peer has closed (POLLHUP) and the last read was shorter than
// its buffer, libuv reports EOF at once, as right for a byte stream, while more
// packets may still be queued (every packet is a "short read"). conmon closes the
// socket right after writing the container's last output, so that output would be
// lost: on that EOF the rest of the queue is read synchronously from the fd
// (drainQueued), before the handle is closed.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { native } from '../native';
import { errnoCode, StowageError } from '../errdefs';
import type { AttachIO, Attachment } from '../util/attach-io';
import type { ContainerPaths } from './conmon';

/** conmon reads attach packets with recvfrom(buf, 32768 - 1) */
export const MAX_STDIN_PACKET = 32767;
const SUN_PATH_MAX = 107;

/** conmon's stdpipe_t (src/utils.h): NO_PIPE, STDIN_PIPE, STDOUT_PIPE, STDERR_PIPE */
export const STREAM_STDOUT = 2;
export const STREAM_STDERR = 3;

interface PipeBinding {
  Pipe: new (type: number) => { open(fd: number): number };
  constants: { SOCKET: number };
}

/** A connected fd of a stream-like socket as a net.Socket (libuv pipe handle; half-open allowed). */
export function socketFromFd(fd: number): net.Socket {
  const binding = (process as unknown as { binding(name: string): PipeBinding }).binding('pipe_wrap');
  const handle = new binding.Pipe(binding.constants.SOCKET);
  const rc = handle.open(fd);
  if (rc !== 0) {
    fs.closeSync(fd);
    throw new StowageError('internal', `cannot use socket fd ${fd}: libuv error ${rc}`);
  }
  return new net.Socket({ handle, readable: true, writable: true, allowHalfOpen: true } as net.SocketConstructorOpts);
}

/**
 * Connects to a SOCK_SEQPACKET unix socket. Paths longer than sun_path are
 * reached through /proc/self/fd/<dir fd>/<name>, as conmon binds them.
 */
export function connectSeqpacket(socketPath: string): { socket: net.Socket; fd: number } {
  let fd: number;
  if (Buffer.byteLength(socketPath) > SUN_PATH_MAX) {
    const dirFd = fs.openSync(path.dirname(socketPath), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      fd = native.unixSocket(`/proc/self/fd/${dirFd}/${path.basename(socketPath)}`, false, 'seqpacket');
    } finally {
      fs.closeSync(dirFd);
    }
  } else {
    fd = native.unixSocket(socketPath, false, 'seqpacket');
  }
  return { socket: socketFromFd(fd), fd };
}

/**
 * The packets still queued on a SEQPACKET socket whose stream reported EOF (see
 * above): read(2) on the (non-blocking) fd until the real EOF or EAGAIN.
 */
export function drainQueued(fd: number, onPacket: (pkt: Buffer) => void): void {
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if (['EAGAIN', 'EWOULDBLOCK', 'EBADF', 'ECONNRESET'].includes(errnoCode(err) ?? '')) return;
      throw err;
    }
    if (n === 0) return;
    onPacket(Buffer.from(buf.subarray(0, n)));
  }
}

export type { AttachIO, Attachment } from '../util/attach-io';

/**
 * Attaches to the container's stdio through conmon. Attach before runcStart to
 * miss nothing. Throws a failed-precondition error when there is no attach
 * socket to connect to (the container is not running, or conmon is gone).
 */
export function attach(paths: ContainerPaths, io: AttachIO): Attachment {
  let sock: net.Socket;
  let fd: number;
  try {
    ({ socket: sock, fd } = connectSeqpacket(paths.attachSocket));
  } catch (err) {
    if (['ENOENT', 'ECONNREFUSED', 'ENOTDIR'].includes(errnoCode(err) ?? '')) {
      throw new StowageError('failed-precondition', 'cannot attach: the container is not running (no attach socket)', {
        cause: err,
      });
    }
    throw err;
  }

  let finished = false;
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });

  // output: one packet = stream byte + data; pause the socket while a target is full
  const blocked = new Set<NodeJS.WritableStream>();
  const onPacket = (pkt: Buffer) => {
    if (pkt.length < 2) return;
    const target = pkt[0] === STREAM_STDOUT ? io.stdout : pkt[0] === STREAM_STDERR ? io.stderr : undefined;
    if (!target) return;
    if (!target.write(pkt.subarray(1)) && !blocked.has(target)) {
      blocked.add(target);
      sock.pause();
      target.once('drain', () => {
        blocked.delete(target);
        if (blocked.size === 0 && !finished) sock.resume();
      });
    }
  };
  sock.on('data', onPacket);
  sock.on('end', () => {
    // still open here (it is closed after 'end'): take what libuv left queued
    if (!finished) drainQueued(fd, onPacket);
    sock.destroy();
  });

  // input: strictly one write in flight, so libuv never merges writes into an oversized packet
  const stdin = io.stdin;
  let queue: Promise<void> = Promise.resolve();
  const writePacket = (b: Buffer) =>
    new Promise<void>((res, rej) => {
      sock.write(b, (err) => (err ? rej(err) : res()));
    });
  const onStdinData = (chunk: Buffer | string) => {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    stdin?.pause();
    queue = queue
      .then(async () => {
        for (let off = 0; off < buf.length && !finished; off += MAX_STDIN_PACKET) {
          await writePacket(buf.subarray(off, off + MAX_STDIN_PACKET));
        }
        if (!finished) stdin?.resume();
      })
      .catch(() => stopStdin());
  };
  const onStdinEnd = () => {
    queue = queue.then(() => {
      if (!finished && !sock.destroyed) sock.end(); // shutdown(SHUT_WR)
    });
  };
  const stopStdin = () => {
    if (!stdin) return;
    stdin.removeListener('data', onStdinData);
    stdin.removeListener('end', onStdinEnd);
    stdin.pause();
  };
  if (stdin) {
    stdin.on('data', onStdinData);
    stdin.on('end', onStdinEnd);
    stdin.resume();
  }

  const finish = (err?: unknown) => {
    if (finished) return;
    finished = true;
    stopStdin();
    if (err) rejectDone(err);
    else resolveDone();
  };
  sock.on('error', (err) => {
    // the container going away while we write is an ordinary end. (ECONNRESET: conmon
    // exited with stdin we sent still unread; Node has closed the fd by now, so output
    // still queued behind it cannot be drained as on a clean EOF.)
    if (['EPIPE', 'ECONNRESET'].includes(errnoCode(err) ?? '')) return;
    finish(err);
  });
  sock.on('close', () => finish());

  return {
    done,
    detach() {
      finish();
      sock.destroy();
    },
  };
}
