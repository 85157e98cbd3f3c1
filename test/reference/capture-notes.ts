// Regenerates test/reference/NOTES.md (and notes-captures.json, the exact bytes)
// from a private real Docker 20.10 daemon driven by the docker CLI:
//
//   npx tsc -p . && node dist/test/reference/capture-notes.js --write
//
// Without --write it does nothing, so `node --test dist/` (which loads every
// file under dist/test/) never starts a daemon through it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, baseTarball } from '../helpers';
import { buildTar } from '../tar-builder';
import { startDockerDaemon, type DockerDaemon, type DockerResult } from './docker-daemon';

interface Capture {
  section: string;
  title: string;
  command: string;
  stdout: string;
  stderr: string;
  code: number;
  note?: string;
}

const captures: Capture[] = [];
let section = '';
let docker: DockerDaemon;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Quotes an argument for display as a shell word. */
function shq(a: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

async function rec(
  title: string,
  args: string[],
  opts: { input?: string | Buffer; display?: string; note?: string } = {},
): Promise<DockerResult> {
  const r = await docker.docker(args, { input: opts.input });
  captures.push({
    section,
    title,
    command: opts.display ?? `docker ${args.map(shq).join(' ')}`,
    stdout: r.stdout,
    stderr: r.stderr,
    code: r.code,
    note: opts.note,
  });
  return r;
}

/** Runs the CLI with stdout (and stdin) on a pseudo-terminal, stderr on a pipe. */
function recTty(title: string, args: string[], note?: string): void {
  const py = `
import os, pty, subprocess, sys, json
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=subprocess.PIPE)
os.close(slave)
out = b''
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
err = p.stderr.read()
code = p.wait()
print(json.dumps({'stdout': out.decode('utf8', 'replace'), 'stderr': err.decode('utf8', 'replace'), 'code': code}))
`;
  const r = spawnSync('python3', ['-c', py, docker.cli, ...args], {
    env: docker.cliEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`pty capture failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { stdout: string; stderr: string; code: number };
  captures.push({
    section,
    title,
    command: `docker ${args.map(shq).join(' ')}`,
    stdout: j.stdout,
    stderr: j.stderr,
    code: j.code,
    note: note ?? 'stdin and stdout are a terminal (pty), stderr a pipe',
  });
}

async function ok(args: string[], input?: string | Buffer): Promise<string> {
  return (await docker.ok(args, { input })).trim();
}

function block(label: string, text: string): string {
  if (text === '') return `--- ${label}: (empty)\n`;
  const trailing = text
    .split('\n')
    .map((l, i) => (/[ \t]+$/.test(l) ? i + 1 : 0))
    .filter(Boolean);
  let head = `--- ${label}`;
  const marks: string[] = [];
  if (!text.endsWith('\n')) marks.push('no final newline');
  if (trailing.length) marks.push(`trailing spaces on line${trailing.length > 1 ? 's' : ''} ${trailing.join(',')}`);
  if (text.includes('\r')) marks.push('contains \\r');
  if (marks.length) head += ` (${marks.join('; ')})`;
  return `${head}\n${text.replace(/\r/g, '')}${text.endsWith('\n') ? '' : '\n'}`;
}

const FACTS = `
## Facts worth knowing (read from the captures below)

- **Two CLI layers of errors.** Errors the daemon returns are printed as \`Error response from daemon: …\`;
  errors the CLI finds itself have other prefixes or none: \`Error parsing reference: "Bad:Tag" is not a valid
  repository/tag: invalid reference format: repository name (library/Bad) must be lowercase\` (tag), \`invalid
  reference format: repository name (library/UPPER) must be lowercase\` (import target, no prefix at all),
  \`failed to save image: cannot write to a character device file\` (save -o /dev/null, checked before the image
  is even looked up), \`Error: No such object: X\` (generic \`inspect\`), \`open FILE: no such file or directory\`.
  Wrong argument count: \`docker: 'docker tag' requires 2 arguments\` + blank + \`Usage:  docker tag …\` + blank +
  \`Run 'docker tag --help' for more information\`, exit 1 (CLI 28 wording; CLI 20.10 said "requires exactly" and "See").
- **Row order in \`images\`.** The daemon sorts images by Created (whole seconds), newest first; equal seconds come
  out in no fixed order. The CLI then expands one image into rows per repository by iterating a Go map, so the
  rows of one image tagged in two repositories (tiny:latest, other:v1) change order from run to run. Tags of
  the same repository keep the daemon's (sorted) order.
- **Sizes.** \`{{.Size}}\` is HumanSizeWithPrecision(…, 3) ("1.99MB"); \`{{.VirtualSize}}\`, \`{{.SharedSize}}\`,
  \`{{.UniqueSize}}\` use HumanSize (4 significant digits: "1.986MB"); \`{{.VirtualSize}}\`'s table header is
  "SIZE", not "VIRTUAL SIZE". In \`images\` SharedSize/UniqueSize/Containers are "N/A"; \`system df -v\` has real
  numbers. \`system df\` prints its SIZE and RECLAIMABLE with 4 digits ("1.986MB (100%)").
- **\`--format json\`** (images, history, system df): one object per line, keys sorted alphabetically, \`<\`/\`>\`
  escaped as \\u003c/\\u003e. history's CreatedAt is RFC 3339 to the second ("2026-11-30T01:21:37Z"); images'
  CreatedAt is Go's time.String ("2026-11-30 01:21:37 +0000 UTC").
- **Templates.** \`-f\` runs on the CLI's typed struct: null slices print \`[]\`, null maps \`map[]\`, a missing
  key of a real map (\`{{.GraphDriver.Data.LowerDir}}\`) \`<no value>\`, \`{{.Metadata}}\` \`{2026-11-30
  01:23:24.625267981 +0000 UTC}\` (Go struct printing), \`{{json .Config.Env}}\` \`null\`. An unknown
  field (\`{{.Nope}}\`) makes it retry on the raw JSON map with missingkey=error: stdout gets an empty line,
  stderr \`template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"\`,
  exit 1.
- **Lookups.** A short hex string is first a repository name: an *ambiguous* one-char ID prefix gives
  \`No such image: P:latest\` for prefix P (rmi, tag, history, image inspect) or \`No such object: P\` (inspect), never a
  "multiple IDs" message; a *unique* one-char prefix finds the image. \`sha256:<prefix>\` works too.
  \`images 'a b'\` and \`images UPPER\` are not errors: empty table, exit 0. \`image inspect UPPER\`:
  \`no such image: UPPER: invalid reference format: repository name must be lowercase\`.
- **rmi.** \`rmi -f nonexist\` prints the error but exits **0**. Deleting prints \`Untagged:\` lines, then
  \`Deleted:\` for the image ID and for each layer removed (by ChainID). An ID with two tags needs -f
  ("image is referenced in multiple repositories"). Stopped container: by tag \`unable to remove repository
  reference "img:stopped" (must force) - container C is using its referenced image I\`, by ID \`unable to delete I
  (must be forced) - image is being used by stopped container C\`; with -f (tag or ID) the image is **deleted**
  and the container keeps the dangling ID. Running container: by ID even -f fails \`(cannot be forced) - image is
  being used by running container C\`; \`rmi -f TAG\` only untags (the image stays as <none>). Several
  arguments: each is processed, errors on stderr, exit 1 if any failed.
- **prune.** \`Deleted Images:\` then lowercase \`untagged: \`/\`deleted: \` lines, a blank line, \`Total reclaimed
  space: 6B\`; space counts only layers actually removed (0B when the pruned image's layer is shared). Nothing to
  prune: just the total line. Without -f the prompt ends \`[y/N] \` with no newline; answering n exits 0 silently.
- **import.** \`-c 'RUN x'\` → \`run is not a valid change command\` (instruction lowercased). An empty file imports
  fine (layer sha256:e3b0c442…, 0B). Garbage: \`Error processing tar file(exit status 1): archive/tar: invalid tar
  header\`. The comment of a file import is "Imported from -" (the CLI streams the file as the body).
- **load.** Garbage: \`Error processing tar file(exit status 1): archive/tar: invalid tar header\` (no "Error response
  from daemon" prefix: it arrives in the JSON stream). Empty stdin: a daemon-side
  \`open <data-root>/tmp/docker-import-NNN/repositories: no such file or directory\`. stdin a terminal:
  \`requested load from stdin, but stdin is empty\`. save to a terminal: \`cowardly refusing to save to a
  terminal. Use the -o flag or redirect\`.
`;

function render(serverVersion: string, clientVersion: string): string {
  const out: string[] = [];
  out.push(`# Reference: Docker ${serverVersion} daemon, docker CLI ${clientVersion}

Captured by \`test/reference/capture-notes.ts\` (regenerate: \`npx tsc -p . && node dist/test/reference/capture-notes.js --write\`)
from a private \`dockerd\` started by \`test/reference/docker-daemon.ts\` (overlay2, \`--bridge=none\`, cgroupfs).
The exact bytes of every capture are in \`notes-captures.json\` next to this file.

Each block: the command, then stdout, stderr and the exit code. IDs, times and temp paths differ on every
run; the wording, layout, streams and exit codes are the facts to match. A line "--- stdout (trailing spaces
on lines …)" means those lines end in spaces (tabwriter padding before an empty last cell).
`);
  out.push(FACTS);
  let cur = '';
  for (const c of captures) {
    if (c.section !== cur) {
      cur = c.section;
      out.push(`\n## ${cur}\n`);
    }
    out.push(`### ${c.title}\n`);
    if (c.note) out.push(`${c.note}\n`);
    out.push('```');
    out.push(`$ ${c.command}`);
    out.push(block('stdout', c.stdout) + block('stderr', c.stderr) + `--- exit code: ${c.code}`);
    out.push('```\n');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  if (!process.argv.includes('--write')) return;
  const outDir = path.join(REPO, 'test', 'reference');
  docker = await startDockerDaemon();
  const work = fs.mkdtempSync('/tmp/stowage-notes-');
  try {
    const base = baseTarball();
    const small = path.join(work, 'small.tar');
    fs.writeFileSync(
      small,
      buildTar([
        { name: 'hello.txt', data: 'hello\n' },
        { name: 'dir/', type: 'directory' },
      ]),
    );
    const garbage = path.join(work, 'garbage.txt');
    fs.writeFileSync(garbage, 'this is not a tar archive, just some text\n'.repeat(30));
    const clientVersion = await ok(['version', '--format', '{{.Client.Version}}']);

    section = 'Versions';
    await rec('docker version', ['version']);

    // ---------------------------------------------------------------- images
    section = 'Listing images';
    const img = 'tiny:latest';
    // a second apart: the daemon sorts by Created (whole seconds), ties come out in no fixed order
    const imgId = await ok(['import', base, img]);
    await ok(['tag', img, 'other:v1']);
    await sleep(1100);
    const dangling = await ok(['import', small]);
    captures.push({
      section,
      title: 'Setup',
      command: `docker import ${base} tiny:latest && docker tag tiny:latest other:v1 && docker import small.tar`,
      stdout: `${imgId}\n${dangling}\n`,
      stderr: '',
      code: 0,
      note: 'busybox base rootfs imported with two tags (tiny:latest, other:v1); one second later, a 2-entry tarball imported without a name (untagged).',
    });
    await rec('images', ['images']);
    await rec('images -a', ['images', '-a']);
    await rec('images -q', ['images', '-q']);
    await rec('images --no-trunc', ['images', '--no-trunc']);
    await rec('images --digests', ['images', '--digests']);
    await rec('images --format json', ['images', '--format', 'json']);
    await rec('images --filter dangling=true', ['images', '--filter', 'dangling=true']);
    await rec('images --filter dangling=false', ['images', '--filter', 'dangling=false']);
    await rec("images --filter reference='t*'", ['images', '--filter', 'reference=t*']);
    await rec('images REPOSITORY argument', ['images', 'tiny']);
    await rec('images with an unknown filter', ['images', '--filter', 'foo=bar']);
    await rec(
      'images --format with the deprecated VirtualSize and other fields',
      [
        'images',
        '--format',
        'table {{.Repository}}\t{{.Size}}\t{{.VirtualSize}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}\t{{.CreatedAt}}',
      ],
      {
        note: 'CLI 28: Size uses 3 significant digits, VirtualSize/SharedSize/UniqueSize use HumanSize (4); VirtualSize\'s header is "SIZE".',
      },
    );
    await rec('images -q of an image with two tags (one line per tag)', ['images', '-q', '--filter', 'dangling=false']);

    // --------------------------------------------------------------- history
    section = 'History';
    await rec('history IMG', ['history', img]);
    await rec('history --no-trunc IMG', ['history', '--no-trunc', img]);
    await rec('history -q IMG', ['history', '-q', img]);
    await rec('history --format json IMG', ['history', '--format', 'json', img]);
    await rec('history of an import with -m and -c', [
      'history',
      await ok(['import', '-m', 'my message', '-c', 'ENV A=1', '-c', 'CMD ["sh"]', small, 'withmsg:1']),
    ]);
    await rec('history of a nonexistent image', ['history', 'nonexist']);

    // ------------------------------------------------------------------- tag
    section = 'tag errors';
    await rec('tag nonexist x', ['tag', 'nonexist', 'x']);
    await rec('tag IMG Bad:Tag', ['tag', img, 'Bad:Tag']);
    await rec('tag IMG UPPER', ['tag', img, 'UPPER']);
    await rec('tag IMG with an invalid tag part', ['tag', img, 'x:bad/tag']);
    await rec('tag with one argument', ['tag', img]);

    // ------------------------------------------------------------- inspect
    section = 'inspect errors';
    await rec('inspect nonexist', ['inspect', 'nonexist']);
    await rec('image inspect nonexist', ['image', 'inspect', 'nonexist']);
    await rec('image inspect of one good and one missing image', [
      'image',
      'inspect',
      '-f',
      '{{.Id}}',
      img,
      'nonexist',
    ]);
    await rec("inspect -f '{{.Nope}}' IMG", ['inspect', '-f', '{{.Nope}}', img]);
    await rec("image inspect -f '{{.Nope}}' IMG", ['image', 'inspect', '-f', '{{.Nope}}', img]);
    await rec("inspect -f '{{.Config.Nope}}' IMG", ['inspect', '-f', '{{.Config.Nope}}', img]);
    await rec("inspect -f '{{json .RootFS}}' IMG", ['inspect', '-f', '{{json .RootFS}}', img]);
    await rec(
      'image inspect -f of fields that are null or absent',
      [
        'image',
        'inspect',
        '-f',
        '{{.Config.Env}}|{{.Config.Labels}}|{{.Config.Volumes}}|{{.Config.Entrypoint}}|{{.Container}}|{{.RepoDigests}}|{{.GraphDriver.Data.LowerDir}}|{{.Metadata}}',
        img,
      ],
      {
        note: 'The CLI runs the template on its typed struct first: null slices print [], null maps map[]; only when that fails does it retry on the raw JSON map (where a missing key is an error).',
      },
    );
    await rec('image inspect -f json of null fields', [
      'image',
      'inspect',
      '-f',
      '{{json .Config.Env}} {{json .Config.Labels}} {{json .ContainerConfig.Cmd}}',
      img,
    ]);
    await rec('inspect --type image nonexist', ['inspect', '--type', 'image', 'nonexist']);

    // ---------------------------------------------------- invalid references
    section = 'Invalid references';
    await rec("images 'a b'", ['images', 'a b']);
    await rec('images UPPER', ['images', 'UPPER']);
    await rec('image inspect UPPER', ['image', 'inspect', 'UPPER']);
    await rec('rmi UPPER', ['rmi', 'UPPER']);
    await rec("rmi 'a b'", ['rmi', 'a b']);
    await rec('history UPPER', ['history', 'UPPER']);
    await rec('import into an invalid reference', ['import', small, 'UPPER:1']);

    // ---------------------------------------------------------------- import
    section = 'import';
    await rec("import -c 'RUN x'", ['import', '-c', 'RUN x', small, 'bad:run']);
    await rec("import -c 'FOO x' (unknown instruction)", ['import', '-c', 'FOO x', small, 'bad:foo']);
    await rec('import of a non-tar file', ['import', garbage, 'bad:garbage']);
    await rec('import of an empty file', ['import', '/dev/null', 'bad:empty']);
    await rec('import of a missing file', ['import', '/nonexistent/file.tar', 'bad:missing']);
    await rec('import from stdin with a message', ['import', '-m', 'from stdin', '-', 'stdin:1'], {
      input: fs.readFileSync(small),
      display: "docker import -m 'from stdin' - stdin:1 < small.tar",
    });
    await rec('image inspect of that import (Comment = message)', [
      'image',
      'inspect',
      '-f',
      '{{.Comment}}|{{.Config.Cmd}}|{{.Config.Env}}',
      'stdin:1',
    ]);

    // ----------------------------------------------------- ambiguous prefixes
    section = 'Ambiguous ID prefix';
    const ids = new Map<string, string>();
    let prefix = '';
    for (let i = 0; i < 40 && !prefix; i++) {
      const f = path.join(work, `amb${i}.tar`);
      fs.writeFileSync(f, buildTar([{ name: `file${i}`, data: `${i}\n` }]));
      const id = (await ok(['import', f, `amb:${i}`])).slice(7);
      const others = [...ids.values()].filter((o) => o[0] === id[0]);
      if (others.length) prefix = id[0];
      ids.set(`amb:${i}`, id);
    }
    const sameFirst = [...ids.entries()].filter(([, id]) => id[0] === prefix);
    captures.push({
      section,
      title: 'Setup',
      command: 'docker import ambN.tar amb:N   (repeated until two image IDs share their first hex digit)',
      stdout: sameFirst.map(([r, id]) => `${r} sha256:${id}\n`).join(''),
      stderr: '',
      code: 0,
      note: `Prefix "${prefix}" matches ${sameFirst.length} images (no tag or repository is named "${prefix}").`,
    });
    await rec('rmi with an ambiguous one-char prefix', ['rmi', prefix]);
    await rec('inspect with an ambiguous one-char prefix', ['inspect', prefix]);
    await rec('image inspect with an ambiguous one-char prefix', ['image', 'inspect', prefix]);
    await rec('history with an ambiguous one-char prefix', ['history', prefix]);
    await rec('tag with an ambiguous one-char prefix', ['tag', prefix, 'x:1']);
    const all = (await ok(['images', '-q', '--no-trunc'])).split('\n').map((s) => s.slice(7));
    const unique = [...ids.values()]
      .map((id) => id.slice(0, 4))
      .find((p4) => all.filter((a) => a.startsWith(p4)).length === 1);
    if (unique) await rec('inspect -f with a unique 4-char prefix', ['inspect', '-f', '{{.Id}}', unique]);
    const one = '0123456789abcdef'.split('').find((ch) => all.filter((a) => a.startsWith(ch)).length === 1);
    if (one) {
      await rec('image inspect -f with a unique one-char prefix', ['image', 'inspect', '-f', '{{.Id}}', one]);
      await rec('history -q with a unique one-char prefix', ['history', '-q', one]);
    }
    await rec('inspect with a prefix of the sha256: form', [
      'inspect',
      '-f',
      '{{.Id}}',
      `sha256:${imgId.slice(7, 12)}`,
    ]);
    await ok(['rmi', ...ids.keys()]);

    // ------------------------------------------------------------------- rmi
    section = 'rmi';
    await rec('rmi nonexist', ['rmi', 'nonexist']);
    await rec('rmi -f nonexist', ['rmi', '-f', 'nonexist']);
    await rec('rmi of a missing and an existing image', ['rmi', 'nonexist', 'withmsg:1']);
    const short = imgId.slice(7, 19);
    await rec('rmi ID with two tags (no -f)', ['rmi', short], { note: `ID ${short} is tiny:latest and other:v1` });
    await rec('rmi by one of two tags', ['rmi', 'other:v1']);
    await ok(['tag', img, 'other:v1']);
    await rec('rmi -f ID with two tags', ['rmi', '-f', short]);

    // stopped container
    const sId = await ok(['import', base, 'img:stopped']);
    const stopped = await ok(['create', '--name', 'stopped', 'img:stopped', 'sh']);
    captures.push({
      section,
      title: 'Setup: an image used by a stopped container',
      command: `docker import ${base} img:stopped && docker create --name stopped img:stopped sh`,
      stdout: `${sId}\n${stopped}\n`,
      stderr: '',
      code: 0,
    });
    await rec('rmi TAG of an image used by a stopped container', ['rmi', 'img:stopped']);
    await rec('rmi ID of an image used by a stopped container', ['rmi', sId.slice(7, 19)]);
    await ok(['tag', 'img:stopped', 'img:stopped2']);
    await rec('rmi one of two TAGs of an image used by a stopped container', ['rmi', 'img:stopped2']);
    await rec('rmi -f TAG of an image used by a stopped container', ['rmi', '-f', 'img:stopped']);
    await rec('images -a after that', ['images', '-a']);
    const s2Id = await ok(['import', base, 'img:stopped']);
    const stopped2 = await ok(['create', '--name', 'stopped2', 'img:stopped', 'sh']);
    captures.push({
      section,
      title: 'Setup: another image used by a stopped container',
      command: `docker import ${base} img:stopped && docker create --name stopped2 img:stopped sh`,
      stdout: `${s2Id}\n${stopped2}\n`,
      stderr: '',
      code: 0,
    });
    await rec('rmi -f ID of an image used by a stopped container', ['rmi', '-f', s2Id.slice(7, 19)]);
    await rec('containers after that (they keep the deleted image ID)', ['ps', '-a']);

    // running container
    const rId = await ok(['import', base, 'img:running']);
    const running = await ok(['run', '-d', '--network', 'none', '--name', 'running', 'img:running', 'sleep', '100']);
    captures.push({
      section,
      title: 'Setup: an image used by a running container',
      command: `docker import ${base} img:running && docker run -d --network none --name running img:running sleep 100`,
      stdout: `${rId}\n${running}\n`,
      stderr: '',
      code: 0,
    });
    await rec('rmi TAG of an image used by a running container', ['rmi', 'img:running']);
    await rec('rmi ID of an image used by a running container', ['rmi', rId.slice(7, 19)]);
    await rec('rmi -f ID of an image used by a running container', ['rmi', '-f', rId.slice(7, 19)]);
    await rec('rmi -f TAG of an image used by a running container', ['rmi', '-f', 'img:running']);
    await rec('images after that', ['images', '-a']);

    // ------------------------------------------------------------- system df
    section = 'system df';
    const busyImg = await ok(['import', base, 'img:unused']);
    captures.push({
      section,
      title: 'State',
      command: 'docker images -a; docker ps -a',
      stdout: `${await ok(['images', '-a'])}\n\n${await ok(['ps', '-a'])}\n`,
      stderr: '',
      code: 0,
      note: `img:unused (${busyImg.slice(7, 19)}) is used by nothing; the untagged images are used by the containers "stopped" and "running", or by nothing.`,
    });
    await rec('system df', ['system', 'df']);
    await rec('system df -v', ['system', 'df', '-v']);
    await rec('system df --format json', ['system', 'df', '--format', 'json']);

    // ----------------------------------------------------------------- prune
    section = 'image prune';
    await rec('image prune -f', ['image', 'prune', '-f']);
    await rec('image prune -f when nothing is left to prune', ['image', 'prune', '-f']);
    await rec('image prune -a -f', ['image', 'prune', '-a', '-f']);
    await rec('images after prune -a', ['images', '-a']);
    await rec('image prune without -f, stdin not a terminal, answer "n"', ['image', 'prune'], { input: 'n\n' });

    // ------------------------------------------------------------ save / load
    section = 'save and load';
    await ok(['import', base, img]);
    await rec('save -o /dev/null IMG', ['save', '-o', '/dev/null', img]);
    recTty('save IMG to a terminal', ['save', img]);
    await rec('save of a nonexistent image to /dev/null', ['save', '-o', '/dev/null', 'nonexist']);
    await rec('load -i garbage', ['load', '-i', garbage]);
    await rec('load garbage from stdin', ['load'], {
      input: fs.readFileSync(garbage),
      display: 'docker load < garbage.txt',
    });
    await rec('load of an empty stdin (not a terminal)', ['load'], { input: '', display: 'docker load < /dev/null' });
    recTty('load with stdin a terminal', ['load']);
    await rec('load -i of a missing file', ['load', '-i', '/nonexistent.tar']);

    fs.writeFileSync(
      path.join(outDir, 'notes-captures.json'),
      `${JSON.stringify({ server: docker.serverVersion, client: clientVersion, captures }, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(outDir, 'NOTES.md'), render(docker.serverVersion, clientVersion));
    console.log(`wrote ${captures.length} captures to ${outDir}/NOTES.md and notes-captures.json`);
  } finally {
    await docker.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
