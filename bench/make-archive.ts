// Builds a docker-archive (Docker's classic manifest.json layout) from layer
// tarballs, so the same image can be loaded into stowage, Docker and podman.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { encodeHeader, END_OF_ARCHIVE, paddingFor } from '../src/tar/header';

function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return h.digest('hex');
}

export function makeDockerArchive(out: string, layers: string[], tag: string): string {
  const diffIds = layers.map(sha256File);
  const created = '2024-01-01T00:00:00Z';
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created,
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds.map((d) => `sha256:${d}`) },
      history: layers.map((l) => ({ created, created_by: `ADD ${l.split('/').pop()} /` })),
    }),
  );
  const configHex = createHash('sha256').update(config).digest('hex');
  const fd = fs.openSync(out, 'w');
  const write = (b: Buffer) => fs.writeSync(fd, b);
  const file = (name: string, data: Buffer) => {
    write(encodeHeader({ name, type: 'file', mode: 0o644, size: data.length, mtime: 0 }));
    write(data);
    write(Buffer.alloc(paddingFor(data.length)));
  };
  file(`${configHex}.json`, config);
  const buf = Buffer.allocUnsafe(1 << 20);
  layers.forEach((l, i) => {
    const size = fs.statSync(l).size;
    write(encodeHeader({ name: `${diffIds[i]}/layer.tar`, type: 'file', mode: 0o644, size, mtime: 0 }));
    const lfd = fs.openSync(l, 'r');
    for (let n; (n = fs.readSync(lfd, buf, 0, buf.length, null)) > 0;) write(buf.subarray(0, n));
    fs.closeSync(lfd);
    write(Buffer.alloc(paddingFor(size)));
  });
  file(
    'manifest.json',
    Buffer.from(
      JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [tag], Layers: diffIds.map((d) => `${d}/layer.tar`) }]),
    ),
  );
  write(END_OF_ARCHIVE);
  fs.closeSync(fd);
  return `sha256:${configHex}`;
}

if (require.main === module) {
  const [out, tag, ...layers] = process.argv.slice(2);
  console.log(makeDockerArchive(out, layers, tag));
}
