// A certificate authority of a test's own, made with openssl: server
// certificates for 127.0.0.1 and localhost, client certificates, and PEM files
// laid out as certs.d wants them (HOST/ca.crt, client.cert, client.key).
//
//   const ca = makeCa(dir, 'test CA');
//   const server = ca.issue('registry', { server: true });
//   writeCertsD(certsD, reg.host, ca, ca.issue('client', { client: true }));
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Issued {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
}

export interface Ca extends Issued {
  name: string;
  issue(name: string, opts: { server?: boolean; client?: boolean; days?: number }): Issued;
}

const openssl = (args: string[], cwd: string) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export function makeCa(dir: string, name: string): Ca {
  const d = path.join(dir, name.replace(/\W+/g, '-'));
  fs.mkdirSync(d, { recursive: true });
  const key = path.join(d, 'ca.key');
  const cert = path.join(d, 'ca.crt');
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '30',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      key,
      '-out',
      cert,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    d,
  );
  let serial = 1;
  return {
    name,
    cert,
    key,
    certPem: fs.readFileSync(cert, 'utf8'),
    keyPem: fs.readFileSync(key, 'utf8'),
    issue(leaf, opts) {
      const base = path.join(d, leaf.replace(/\W+/g, '-'));
      const ext = path.join(`${base}.ext`);
      const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
      const usages = [opts.server ? 'serverAuth' : '', opts.client ? 'clientAuth' : ''].filter(Boolean);
      if (usages.length) lines.push(`extendedKeyUsage=${usages.join(',')}`);
      if (opts.server) lines.push('subjectAltName=IP:127.0.0.1,DNS:localhost');
      fs.writeFileSync(ext, `${lines.join('\n')}\n`);
      openssl(
        [
          'req',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-sha256',
          '-subj',
          `/CN=${leaf}`,
          '-keyout',
          `${base}.key`,
          '-out',
          `${base}.csr`,
        ],
        d,
      );
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${base}.csr`,
          '-CA',
          cert,
          '-CAkey',
          key,
          '-set_serial',
          String(serial++),
          '-days',
          String(opts.days ?? 30),
          '-sha256',
          '-extfile',
          ext,
          '-out',
          `${base}.crt`,
        ],
        d,
      );
      return {
        cert: `${base}.crt`,
        key: `${base}.key`,
        certPem: fs.readFileSync(`${base}.crt`, 'utf8'),
        keyPem: fs.readFileSync(`${base}.key`, 'utf8'),
      };
    },
  };
}

/** certs.d/HOST/ with the CA (ca.crt) and, if given, a client certificate (client.cert, client.key). */
export function writeCertsD(certsD: string, host: string, ca: Ca | undefined, client?: Issued): string {
  const d = path.join(certsD, host);
  fs.mkdirSync(d, { recursive: true });
  if (ca) fs.copyFileSync(ca.cert, path.join(d, 'ca.crt'));
  if (client) {
    fs.copyFileSync(client.cert, path.join(d, 'client.cert'));
    fs.copyFileSync(client.key, path.join(d, 'client.key'));
  }
  return d;
}
