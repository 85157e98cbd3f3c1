// The streaming server the URLs of Exec, Attach and PortForward point at, as
// the kubelet's (k8s.io/kubelet/pkg/cri/streaming) serves them: each request
// gets a one-time token (valid a minute); the client POSTs (or GETs) the URL
// with an upgrade to SPDY/3.1 and the sub-protocols it speaks, and the session
// runs over the SPDY streams it then opens.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { SpdyConnection } from './spdy';

export const REMOTECOMMAND_PROTOCOLS = [
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
];
export const PORTFORWARD_PROTOCOLS = ['portforward.k8s.io'];

const TOKEN_TTL_MS = 60_000;

export type SessionKind = 'exec' | 'attach' | 'portforward';

/** Runs a session over an upgraded connection, in the protocol agreed. */
export type SessionHandler = (conn: SpdyConnection, protocol: string) => Promise<void>;

/** The sub-protocol of the upgrade: the client's first that the server speaks. */
export function negotiate(clientHeader: string | string[] | undefined, server: string[]): string | undefined {
  const client = (Array.isArray(clientHeader) ? clientHeader : [clientHeader ?? ''])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return client.find((p) => server.includes(p));
}

export class StreamingServer {
  private readonly server: http.Server;
  private readonly pending = new Map<string, { kind: SessionKind; handler: SessionHandler; expires: number }>();
  private readonly live = new Set<SpdyConnection>();
  private base = '';

  constructor(
    private readonly address: string,
    private readonly port: number,
  ) {
    this.server = http.createServer((req, res) => {
      // a plain request (no upgrade): what the kubelet answers
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('Upgrade request required\n');
      void req.resume();
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) =>
      this.server.listen(this.port, this.address, resolve).once('error', reject),
    );
    const a = this.server.address() as net.AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    this.base = `http://${host}:${a.port}`;
    return this.base;
  }

  /** A one-time URL for a session. */
  url(kind: SessionKind, handler: SessionHandler): string {
    const now = Date.now();
    for (const [t, p] of this.pending) if (p.expires < now) this.pending.delete(t);
    const token = randomBytes(6).toString('base64url');
    this.pending.set(token, { kind, handler, expires: now + TOKEN_TTL_MS });
    return `${this.base}/${kind}/${token}`;
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const fail = (code: number, text: string) => {
      socket.end(
        `HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    socket.on('error', () => socket.destroy());
    const m = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const session = m ? this.pending.get(m[2]) : undefined;
    if (!m || !session || session.kind !== m[1] || session.expires < Date.now()) {
      fail(404, 'session not found\n');
      return;
    }
    if (!/^spdy\/3\.1$/i.test(req.headers.upgrade ?? '')) {
      fail(
        400,
        `unable to upgrade: the upgrade must be to SPDY/3.1, not ${JSON.stringify(req.headers.upgrade ?? '')}\n`,
      );
      return;
    }
    const protocol = negotiate(
      req.headers['x-stream-protocol-version'],
      session.kind === 'portforward' ? PORTFORWARD_PROTOCOLS : REMOTECOMMAND_PROTOCOLS,
    );
    if (!protocol) {
      fail(
        403,
        'unable to upgrade: unable to negotiate protocol: client does not speak any protocol this server speaks\n',
      );
      return;
    }
    this.pending.delete(m[2]); // one use
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
    );
    const conn = new SpdyConnection(socket, head);
    this.live.add(conn);
    conn.once('close', () => this.live.delete(conn));
    session.handler(conn, protocol).then(
      () => conn.close(),
      () => conn.destroy(),
    );
  }

  async close(): Promise<void> {
    for (const c of this.live) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
