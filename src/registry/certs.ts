// TLS material for a registry from a certs.d directory, as Docker and
// containers/image read it: <dir>/<host[:port]>/*.crt are certificate
// authorities added to the system's, and a client.cert with its client.key
// (any NAME.cert with NAME.key) is the client certificate. The directories are
// /etc/docker/certs.d and /etc/containers/certs.d, or the colon-separated list
// in $STOWAGE_CERTS_D.
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument } from '../errdefs';

export const DEFAULT_CERTS_DIRS = ['/etc/docker/certs.d', '/etc/containers/certs.d'];

export function certsDirs(): string[] {
  const env = process.env.STOWAGE_CERTS_D;
  return env !== undefined ? env.split(':').filter(Boolean) : DEFAULT_CERTS_DIRS;
}

export interface HostCerts {
  /** extra certificate authorities (PEM) */
  ca: Buffer[];
  /** the client certificate and its key (PEM) */
  cert?: Buffer;
  key?: Buffer;
}

/** What certs.d holds for `host` (host[:port], as references name it). */
export function hostCerts(host: string, dirs = certsDirs()): HostCerts {
  const out: HostCerts = { ca: [] };
  if (host.includes('/') || host.startsWith('.')) return out; // never a path
  for (const base of dirs) {
    const dir = path.join(base, host);
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      // most hosts have no certs.d directory (this also skips one that cannot be read)
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      if (name.endsWith('.crt')) out.ca.push(fs.readFileSync(file));
      else if (name.endsWith('.cert')) {
        const key = `${name.slice(0, -5)}.key`;
        if (!names.includes(key))
          throw invalidArgument(
            `missing key ${key} for client certificate ${name}. CA certificates must use the extension .crt`,
          );
        if (!out.cert) {
          out.cert = fs.readFileSync(file);
          out.key = fs.readFileSync(path.join(dir, key));
        }
      } else if (name.endsWith('.key')) {
        const cert = `${name.slice(0, -4)}.cert`;
        if (!names.includes(cert)) throw invalidArgument(`missing client certificate ${cert} for key ${name}`);
      }
    }
  }
  return out;
}
