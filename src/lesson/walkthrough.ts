// The image lesson, end to end, on stowage: what an image is (layers), how it
// travels (save/load), how a container runs on it (a writable layer on top),
// and why an image in use cannot be removed. Run by scripts/walkthrough.sh.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Lesson } from './runner';

export interface WalkthroughOptions {
  root: string;
  runroot: string;
  write: (s: string) => void;
  color: boolean;
}

const REPO = path.resolve(__dirname, '..', '..', '..');

export async function walkthrough(o: WalkthroughOptions): Promise<void> {
  const env = { ...process.env, STOWAGE_ROOT: o.root, STOWAGE_RUNROOT: o.runroot };
  const L = new Lesson({ write: o.write, color: o.color }, env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-lesson-'));
  try {
    L.section(
      'A base image from a tarball',
      'An image starts as a root filesystem: here, Debian\'s busybox-static and its command links.',
      '`import` turns a tarball into an image with exactly one read-only layer.',
    );
    const tarball = path.join(work, 'rootfs.tar');
    execFileSync(path.join(REPO, 'scripts', 'base-image.sh'), ['busybox:latest'], { env: { ...env, BASE_TARBALL: tarball }, stdio: 'ignore' });
    L.show(`ls -l ${path.basename(tarball)}   # made by scripts/base-image.sh`, `${fs.statSync(tarball).size} bytes`);
    await L.sh(['images']);
    const base = await L.sh(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'busybox'], { quiet: true });
    L.check(JSON.parse(base.stdout).length === 1, 'busybox has one layer');

    L.section(
      'Layers you can see',
      '`history` lists one row per layer: what made it and how big it is.',
      '`inspect` shows the layer digests (RootFS.Layers) and where overlayfs finds them on disk (GraphDriver).',
    );
    await L.sh(['history', 'busybox']);
    await L.sh(['image', 'inspect', '-f', '{{json .RootFS}}', 'busybox']);
    const upper = (await L.sh(['image', 'inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', 'busybox'])).stdout.trim();
    L.check(fs.existsSync(path.join(upper, 'bin', 'busybox')), 'the layer is an ordinary directory holding bin/busybox');

    L.section(
      'An image travels as an archive',
      '`save` writes the image (config + layers) to a tar file that Docker, podman and skopeo also read.',
      'Remove the image, `load` the archive, and the very same image (same ID) is back.',
    );
    const archive = path.join(work, 'busybox.tar');
    const id = (await L.sh(['image', 'inspect', '-f', '{{.Id}}', 'busybox'], { quiet: true })).stdout.trim();
    await L.sh(['save', '-o', archive, 'busybox:latest']);
    await L.sh(['rmi', 'busybox:latest']);
    await L.sh(['load', '-i', archive]);
    const back = (await L.sh(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
    L.check(back === id, `the loaded image has the same ID (${id.slice(7, 19)})`);

    L.section(
      'A container is the image plus one writable layer',
      '`run -id` starts a shell that stays up in the background; `exec` runs more commands inside it.',
      'What the container writes lands in its own writable layer, never in the image.',
    );
    await L.sh(['run', '-id', '--name', 'lesson-box', 'busybox']);
    await L.sh(['exec', 'lesson-box', 'sh', '-c', 'echo written in the container > /tmp/note.txt']);
    await L.sh(['exec', 'lesson-box', 'cat', '/tmp/note.txt']);
    const rw = (await L.sh(['inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', 'lesson-box'])).stdout.trim();
    L.check(fs.existsSync(path.join(rw, 'tmp', 'note.txt')), 'the file is in the container\'s writable layer (UpperDir)');
    L.check(!fs.existsSync(path.join(upper, 'tmp', 'note.txt')), 'and not in the image\'s layer');

    L.section(
      'An image in use cannot be removed',
      '`rmi` refuses while a container (running or stopped) uses the image, and names the container.',
      'Remove the container first (`rm -f` stops it too), then the image goes.',
    );
    const refused = await L.sh(['rmi', 'busybox'], { expect: 1 });
    L.check(/container [0-9a-f]{12} is using its referenced image/.test(refused.stderr), 'rmi was refused and names the container');
    await L.sh(['rm', '-f', 'lesson-box']);
    await L.sh(['rmi', 'busybox']);
    await L.sh(['images']);
  } finally {
    await cleanup(L);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Leaves the machine as it was: every container and image the lesson made goes. */
async function cleanup(L: Lesson): Promise<void> {
  const q = async (args: string[]) => (await L.sh(args, { quiet: true, expect: undefined }).catch(() => ({ stdout: '' }))).stdout.trim();
  const containers = (await q(['ps', '-aq'])).split('\n').filter(Boolean);
  if (containers.length) await L.sh(['rm', '-f', ...containers], { quiet: true }).catch(() => {});
  const images = (await q(['images', '-aq'])).split('\n').filter(Boolean);
  if (images.length) await L.sh(['rmi', '-f', ...new Set(images)], { quiet: true }).catch(() => {});
}

if (require.main === module) {
  const root = process.env.LESSON_ROOT ?? '/var/lib/stowage-lesson';
  const runroot = process.env.LESSON_RUNROOT ?? '/run/stowage-lesson';
  walkthrough({ root, runroot, write: (s) => process.stdout.write(s), color: !!process.stdout.isTTY }).then(
    () => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(runroot, { recursive: true, force: true });
      process.stdout.write('\nThe lesson is over; everything it made has been removed.\n');
    },
    (e) => {
      process.stderr.write(`\nThe walkthrough failed: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
