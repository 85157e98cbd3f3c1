// Test kit for the CRI: `stowage system cri` run as a user runs it, on a test's
// own store, and a promise-returning gRPC client of its two services.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { criServices } from '../src/cri/proto';
import { CLI, type TestEnv } from './helpers';

type Call = (req: object) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CriClient {
  rt: Record<string, Call>;
  img: Record<string, Call>;
  close(): void;
}

/** A client of the CRI socket: rt.RunPodSandbox({...}) resolves with the response or rejects with the gRPC error. */
export function criClient(socket: string): CriClient {
  const v1 = (criServices().pkg.runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const make = (ctor: grpc.ServiceClientConstructor) => {
    const client = new ctor(`unix://${socket}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 16 << 20,
    });
    const calls: Record<string, Call> = {};
    for (const name of Object.keys(ctor.service)) {
      calls[name] = (req) =>
        new Promise((resolve, reject) => {
          (
            client as unknown as Record<
              string,
              (r: object, cb: (e: grpc.ServiceError | null, res: unknown) => void) => void
            >
          )[name](req, (err, res) => (err ? reject(err) : resolve(res)));
        });
    }
    return { client, calls };
  };
  const rt = make(v1.RuntimeService as grpc.ServiceClientConstructor);
  const img = make(v1.ImageService as grpc.ServiceClientConstructor);
  return {
    rt: rt.calls,
    img: img.calls,
    close() {
      rt.client.close();
      img.client.close();
    },
  };
}

export interface CriProcess {
  socket: string;
  client: CriClient;
  output(): string;
  /** Removes every pod (a failed test may have left some), then stops the server. */
  stop(): Promise<void>;
  /** Stops the server and leaves its pods running (as the kubelet's runtime restarting would). */
  halt(): Promise<void>;
}

/** Starts `stowage system cri` on the env's store with a configuration file of `toml` (may be empty) and `vars` in its environment. */
export async function startCri(env: TestEnv, toml = '', vars: Record<string, string> = {}): Promise<CriProcess> {
  fs.mkdirSync(env.dir, { recursive: true });
  const socket = path.join(env.dir, 'cri.sock');
  const configFile = path.join(env.dir, 'cri.toml');
  fs.writeFileSync(configFile, toml);
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'system', 'cri', '--config', configFile, `unix://${socket}`],
    { env: { ...env.env, ...vars }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer | string) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer | string) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  for (let i = 0; i < 600 && !out.includes('CRI listening'); i++) {
    if (child.exitCode !== null) throw new Error(`system cri exited ${child.exitCode}: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!out.includes('CRI listening')) throw new Error(`system cri did not start: ${out}`);
  const client = criClient(socket);
  return {
    socket,
    client,
    output: () => out,
    async halt() {
      client.close();
      child.kill('SIGTERM');
      await exited;
    },
    async stop() {
      try {
        const { items } = await client.rt.ListPodSandbox({});
        for (const p of items as Array<{ id: string }>)
          await client.rt.RemovePodSandbox({ pod_sandbox_id: p.id }).catch(() => undefined);
      } finally {
        client.close();
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** A pod config with the CRI's usual metadata. */
export function podConfig(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { name, namespace: 'test-ns', uid: `uid-${name}`, attempt: 1 }, linux: {}, ...extra };
}

export function containerConfig(
  name: string,
  image: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { metadata: { name, attempt: 1 }, image: { image }, linux: {}, ...extra };
}
