// The image lesson, end to end, on stowage: what an image is (a stack of
// read-only layers, built from a Dockerfile), why it is bigger than the program in it, how it travels
// (save/load), how a container runs on it (one writable layer on top), why an
// image in use cannot be removed, and how a changed container becomes a new
// image (commit) while volume data stays out. Run by scripts/walkthrough.sh;
// test/integration/walkthrough.test.ts runs the same steps.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FRONT_END_PATH, REPO_ROOT } from '../util/paths';
import { capture } from '../util/capture';
import { Lesson } from './runner';
import { linkId, type LinkId } from '../network/host-state';
import { rootlessDefaults } from '../rootless';

export interface WalkthroughOptions {
  root: string;
  runroot: string;
  write: (s: string) => void;
  color: boolean;
}

const LOTTERY_DOCKERFILE = [
  'FROM busybox',
  'COPY index.html /www/index.html',
  'EXPOSE 80',
  'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]',
  '',
].join('\n');
const FAT_DOCKERFILE = [
  'FROM lottery:v1',
  'RUN dd if=/dev/zero of=/www/cache.bin bs=1M count=5',
  'RUN rm /www/cache.bin',
  '',
].join('\n');
const LOTTERY_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Lottery</title></head>
<body><h1>Today's lucky numbers</h1>
<p id="n">...</p>
<script>
  const n = new Set();
  while (n.size < 6) n.add(1 + Math.floor(Math.random() * 49));
  document.getElementById('n').textContent = [...n].sort((a, b) => a - b).join(' · ');
</script>
</body></html>
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** GET http://127.0.0.1:port/path, retried while the server starts. */
async function fetchPage(port: number, p: string): Promise<{ status: number; body: string }> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: p, timeout: 3000 }, (res) => {
            let body = '';
            res.on('data', (d: Buffer | string) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** What the lesson put on the host besides its store: its networks' bridge devices (gone at the end). */
export interface WalkthroughTrace {
  bridges: LinkId[];
}

export async function walkthrough(o: WalkthroughOptions): Promise<WalkthroughTrace> {
  const env = { ...process.env, STOWAGE_ROOT: o.root, STOWAGE_RUNROOT: o.runroot };
  const L = new Lesson({ write: o.write, color: o.color }, env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-lesson-'));
  const trace: WalkthroughTrace = { bridges: [] };
  // a run that was interrupted left things behind: start clean
  await L.sh(['system', 'reset', '-f'], { quiet: true });
  try {
    L.section(
      'A base image from a tarball',
      "An image starts as a root filesystem. Here it is Debian's busybox-static: one small program that",
      'plays ls, sh, httpd and 300 other commands. `import` turns its tarball into an image with exactly',
      "one read-only layer. (The kernel is not in the image: every container uses the host's.)",
    );
    const tarball = path.join(work, 'rootfs.tar');
    execFileSync(path.join(REPO_ROOT, 'scripts', 'base-image.sh'), ['busybox:latest'], {
      env: { ...env, BASE_TARBALL: tarball },
      stdio: 'ignore',
    });
    L.show(
      `scripts/base-image.sh busybox:latest   # builds ${path.basename(tarball)} and imports it`,
      `${tarball}: ${fs.statSync(tarball).size} bytes`,
    );
    await L.sh(['images']);
    const baseLayers = JSON.parse(
      (await L.sh(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'busybox'], { quiet: true })).stdout,
    ) as string[];
    L.check(baseLayers.length === 1, 'busybox:latest has one layer');

    L.section(
      'An application image on top of it',
      'The application is one small web page served by busybox httpd. A Dockerfile says how to make its image:',
      'start FROM busybox, COPY the page in, say which port it serves and what to run. `build` runs each',
      'instruction as a step; COPY adds one layer with the page, the others only change the configuration.',
    );
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'index.html'), LOTTERY_PAGE);
    fs.writeFileSync(path.join(app, 'Dockerfile'), LOTTERY_DOCKERFILE);
    L.show(`cat ${path.basename(app)}/Dockerfile`, LOTTERY_DOCKERFILE);
    await L.sh(['build', '-t', 'lottery:v1', app]);

    L.section(
      'Why an image is bigger than the program in it',
      `The page is ${Buffer.byteLength(LOTTERY_PAGE)} bytes, yet the image is about 2 MB: SIZE counts every layer underneath.`,
      '`history` shows one row per layer: what made it and what it weighs. `inspect` lists the layers',
      '(RootFS.Layers) and the directories overlayfs stacks to show them as one filesystem (GraphDriver).',
    );
    await L.sh(['images']);
    await L.sh(['history', 'lottery:v1']);
    await L.sh(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'lottery:v1']);
    await L.sh(['image', 'inspect', '-f', '{{json .GraphDriver.Data}}', 'lottery:v1']);
    const layers = JSON.parse(
      (await L.sh(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'lottery:v1'], { quiet: true })).stdout,
    ) as string[];
    L.check(
      layers.length === 2 && layers[0] === baseLayers[0],
      'lottery:v1 = the busybox layer + one layer with the page',
    );
    const upper = (
      await L.sh(['image', 'inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', 'lottery:v1'], { quiet: true })
    ).stdout.trim();
    L.check(
      fs.readFileSync(path.join(upper, 'www', 'index.html'), 'utf8') === LOTTERY_PAGE,
      'the top layer is a plain directory holding www/index.html',
    );
    L.note('`image explain` answers the question itself: what each layer adds, what later layers hide, and what');
    L.note(
      'the image shares with other images (so it is stored once). The page is the top layer; busybox is the rest.',
    );
    await L.sh(['image', 'explain', 'lottery:v1']);
    const explained = JSON.parse(
      (await L.sh(['image', 'explain', '--format', 'json', 'lottery:v1'], { quiet: true })).stdout,
    ) as { sharedBytes: number; layers: Array<{ size: number; sharedWith: string[] }> };
    L.check(
      explained.layers[1].size === Buffer.byteLength(LOTTERY_PAGE) &&
        explained.sharedBytes === explained.layers[0].size &&
        explained.layers[0].sharedWith.includes('busybox:latest'),
      `the page's layer holds its ${Buffer.byteLength(LOTTERY_PAGE)} bytes; the busybox layer is shared with busybox:latest`,
    );
    L.note('Deleting a file in a later step does not make an image smaller: the layer that wrote it still ships it,');
    L.note('hidden under a whiteout. Here a step writes 5 MB of "cache" and the next one removes it:');
    const fat = path.join(work, 'fat');
    fs.mkdirSync(fat);
    fs.writeFileSync(path.join(fat, 'Dockerfile'), FAT_DOCKERFILE);
    L.show(`cat ${path.basename(fat)}/Dockerfile`, FAT_DOCKERFILE);
    await L.sh(['build', '-q', '-t', 'lottery:fat', fat]);
    await L.sh(['image', 'explain', 'lottery:fat']);
    const wasted = JSON.parse(
      (await L.sh(['image', 'explain', '--format', 'json', 'lottery:fat'], { quiet: true })).stdout,
    ) as { wastedBytes: number; waste: Array<{ path: string } | undefined> };
    L.check(
      wasted.wastedBytes === 5 << 20 && wasted.waste[0]?.path === '/www/cache.bin',
      'lottery:fat ships 5 MiB that no container sees: /www/cache.bin',
    );
    await L.sh(['rmi', 'lottery:fat'], { quiet: true });

    L.section(
      'An image travels as an archive',
      '`save` writes the image, config and layers, into one tar file that Docker, podman and skopeo read too.',
      'We remove the image and `load` the archive: the very same image (same ID) is back.',
    );
    const archive = path.join(work, 'lottery-v1.tar');
    const id = (await L.sh(['image', 'inspect', '-f', '{{.Id}}', 'lottery:v1'], { quiet: true })).stdout.trim();
    await L.sh(['save', '-o', archive, 'lottery:v1']);
    L.show(`ls -l ${path.basename(archive)}`, `${fs.statSync(archive).size} bytes`);
    await L.sh(['rmi', 'lottery:v1']);
    await L.sh(['load', '-i', archive]);
    const back = (await L.sh(['image', 'inspect', '-f', '{{.Id}}', 'lottery:v1'])).stdout.trim();
    L.check(back === id, `the loaded image has the same ID (${id.slice(7, 19)})`);

    L.section(
      'A container serves the page on a port of the host',
      '`run -id` starts the container in the background; `-p HOST:80` publishes its port 80 on the host.',
      "The container is the image's layers plus one writable layer of its own.",
    );
    const port1 = await freePort();
    await L.sh(['run', '-id', '--name', 'lesson-web', '-p', `${port1}:80`, 'lottery:v1']);
    await L.sh(['ps']);
    const first = await fetchPage(port1, '/');
    L.show(`curl http://127.0.0.1:${port1}/`, first.body.split('\n').slice(0, 4).join('\n'));
    L.check(first.status === 200 && first.body.includes('lucky numbers'), 'the page answers on the host');

    L.section(
      'An image in use cannot be removed',
      '`rmi` refuses while a container (running or stopped) uses the image, and names the container:',
      'removing it would pull the layers out from under the container.',
    );
    const refused = await L.sh(['rmi', 'lottery:v1'], { expect: 1 });
    L.check(
      /container [0-9a-f]{12} is using its referenced image/.test(refused.stderr),
      'rmi was refused and names the container',
    );

    L.section(
      'Change the container, then commit it into a new image',
      '`exec` runs a command inside the running container: we add hello.html. The change lives in the',
      "container's writable layer (`diff` lists it). `commit` turns that layer into one more image layer.",
    );
    await L.sh(['exec', 'lesson-web', 'sh', '-c', 'echo "<h1>hello from the container</h1>" > /www/hello.html']);
    await L.sh(['diff', 'lesson-web']);
    await L.sh(['commit', '-m', 'add hello.html', 'lesson-web', 'lottery:v2']);
    await L.sh(['history', 'lottery:v2']);
    const port2 = await freePort();
    await L.sh(['run', '-d', '--name', 'lesson-web2', '-p', `${port2}:80`, 'lottery:v2']);
    const hello = await fetchPage(port2, '/hello.html');
    L.show(`curl http://127.0.0.1:${port2}/hello.html`, hello.body);
    L.check(hello.status === 200 && hello.body.includes('hello from the container'), 'the new image serves hello.html');

    L.section(
      'Volumes are not part of the image',
      "A volume is storage outside the container's layers. What is written there survives the container,",
      'but `commit` does not take it: the new image has the mount point, not the data.',
    );
    await L.sh(['run', '-id', '--name', 'lesson-data', '-v', 'lesson-data:/www/data', 'lottery:v2']);
    await L.sh(['exec', 'lesson-data', 'sh', '-c', 'echo "kept in the volume" > /www/data/notes.txt']);
    await L.sh(['commit', 'lesson-data', 'lottery:v3']);
    const inImage = await L.sh(['run', '--rm', 'lottery:v3', 'ls', '/www/data'], { expect: 0 });
    L.check(!inImage.stdout.includes('notes.txt'), 'lottery:v3 has /www/data but not notes.txt');
    await L.sh(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'lesson-data']);

    L.section(
      'Save the new image, then clean up',
      'The new image travels like any other. Finally everything the lesson made goes: containers, images,',
      'volumes, and the network bridge and firewall rules that published the ports.',
    );
    const archive2 = path.join(work, 'lottery-v2.tar');
    await L.sh(['save', '-o', archive2, 'lottery:v2']);
    L.show(`tar -tf ${path.basename(archive2)}`, execFileSync('tar', ['-tf', archive2], { encoding: 'utf8' }));
    await L.sh(['rm', '-f', 'lesson-web', 'lesson-web2', 'lesson-data']);
    await L.sh(['rmi', 'lottery:v3', 'lottery:v2', 'lottery:v1', 'busybox:latest']);
    await L.sh(['volume', 'rm', 'lesson-data']);
    await L.sh(['ps', '-a']);
    await L.sh(['images']);
  } finally {
    const nets = await capture(
      FRONT_END_PATH,
      ['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}', 'bridge'],
      { env },
    );
    trace.bridges = nets.stdout
      .split('\n')
      .filter(Boolean)
      .flatMap((name) => linkId(name) ?? []);
    await L.sh(['system', 'reset', '-f'], { quiet: true }).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
  return trace;
}

if (require.main === module) {
  // an ordinary user's lesson store sits beside the user's own (rootless)
  const user = rootlessDefaults();
  const root = process.env.LESSON_ROOT ?? (user ? `${user.root}-lesson` : '/var/lib/stowage-lesson');
  const runroot = process.env.LESSON_RUNROOT ?? (user ? path.join(user.runroot, 'lesson') : '/run/stowage-lesson');
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- isTTY is undefined, not false, when stdout is a pipe
  walkthrough({ root, runroot, write: (s) => process.stdout.write(s), color: !!process.stdout.isTTY }).then(
    () => process.stdout.write('\nThe lesson is over; everything it made has been removed.\n'),
    (e: unknown) => {
      process.stderr.write(`\nThe walkthrough failed: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
