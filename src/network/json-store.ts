// Where network definitions live by default: <root>/networks/<id>.json.
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errdefs';
import type { NetworkConfig, NetworkStore } from './types';

/** Network definitions as one JSON file each, written atomically. */
export class JsonNetworkStore implements NetworkStore {
  constructor(readonly dir: string) {}

  list(): NetworkConfig[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    return names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).flatMap((n) => this.read(n));
  }

  /** One definition; none when another process removed it since the directory was read. */
  private read(name: string): NetworkConfig[] {
    try {
      return [JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8')) as NetworkConfig];
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  put(net: NetworkConfig): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `${net.id}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(net, null, 2));
    fs.renameSync(tmp, file);
  }

  delete(id: string): void {
    fs.rmSync(path.join(this.dir, `${id}.json`), { force: true });
  }
}
