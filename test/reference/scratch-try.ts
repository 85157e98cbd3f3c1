import { startDockerDaemon } from './docker-daemon';
import { baseTarball, TestEnv } from '../helpers';
import { buildTar } from '../tar-builder';
import fs from 'node:fs';
(async () => {
  const d = await startDockerDaemon();
  const env = new TestEnv();
  const small = env.dir + '/small.tar';
  fs.writeFileSync(small, buildTar([
    { name: 'dir/', type: 'directory' },
    { name: 'dir/file', data: 'hello world\n' },
    { name: 'dir/hard', type: 'link', linkname: 'dir/file' },
    { name: 'dir/sym', type: 'symlink', linkname: 'file' },
    { name: 'empty', data: '' },
  ]));
  try {
    for (const f of [baseTarball(), small]) {
      for (const [name, run] of [['docker', (a: string[]) => d.docker(a)], ['stowage', (a: string[]) => env.run(a)]] as const) {
        console.log('=====', name, f);
        for (const a of [['import', f, 't:1'], ['images'], ['history', 't:1'], ['image', 'inspect', 't:1']]) {
          const r = await run(a);
          console.log('$', a.join(' '), r.code); console.log(r.stdout + r.stderr);
        }
        await run(['rmi', 't:1']);
      }
    }
  } finally { await d.stop(); env.cleanup(); }
})();
