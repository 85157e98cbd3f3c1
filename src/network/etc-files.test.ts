import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  customResolvConf,
  filterResolvDNS,
  hostResolvConfPath,
  hostsFile,
  nameservers,
  resolvConf,
  resolverResolvConf,
} from './etc-files';

const DEFAULTS =
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'ff00::0\tip6-mcastprefix\n' +
  'ff02::1\tip6-allnodes\n' +
  'ff02::2\tip6-allrouters\n';

test('/etc/hosts on the default bridge: exactly what Docker 20.10 writes', () => {
  assert.equal(hostsFile({ ip: '172.17.0.2', hostname: '0123456789ab' }), `${DEFAULTS}172.17.0.2\t0123456789ab\n`);
});

test('/etc/hosts: FQDN hostname, domainname, --add-host, no network', () => {
  assert.equal(
    hostsFile({ ip: '10.66.0.2', hostname: 'web.example.com' }),
    `${DEFAULTS}10.66.0.2\tweb.example.com web\n`,
  );
  assert.equal(
    hostsFile({ ip: '10.66.0.2', hostname: 'web', domainname: 'lan' }),
    `${DEFAULTS}10.66.0.2\tweb.lan web\n`,
  );
  assert.equal(
    hostsFile({ ip: '10.66.0.2', hostname: 'h' }, [], [{ ip: '10.1.2.3', hosts: 'db' }]),
    `${DEFAULTS}10.1.2.3\tdb\n10.66.0.2\th\n`,
  );
  assert.equal(hostsFile({ hostname: 'h' }), DEFAULTS);
});

test('/etc/hosts on a user-defined network: own names, then one line per peer', () => {
  const out = hostsFile(
    { ip: '10.70.0.2', hostname: 'aaaaaaaaaaaa', name: 'web', aliases: ['www', 'web', 'aaaaaaaaaaaa'] },
    [
      { ip: '10.70.0.3', name: 'db', aliases: ['database'] },
      { ip: '10.70.0.4', name: 'cache' },
    ],
  );
  assert.equal(
    out,
    `${DEFAULTS}10.70.0.2\taaaaaaaaaaaa\n10.70.0.2\tweb www\n10.70.0.3\tdb database\n10.70.0.4\tcache\n`,
  );
});

test('resolv.conf: host copied, localhost nameservers dropped', () => {
  const host = '# managed\nsearch example.com\nnameserver 127.0.0.53\nnameserver 10.255.255.53\noptions edns0\n';
  assert.equal(resolvConf(host), '# managed\nsearch example.com\nnameserver 10.255.255.53\noptions edns0\n');
  assert.deepEqual(nameservers(resolvConf(host)), ['10.255.255.53']);
});

test('resolv.conf: nothing left gives Google DNS (IPv4 only on an IPv4 network)', () => {
  assert.equal(
    resolvConf('nameserver 127.0.0.53\noptions edns0 trust-ad\n'),
    'options edns0 trust-ad\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n',
  );
  assert.equal(resolvConf(''), '\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  // IPv6 nameservers go on an IPv4-only network; ::1 always goes
  assert.equal(resolvConf('nameserver 2001:db8::1\nnameserver 192.0.2.53\n'), 'nameserver 192.0.2.53\n');
  assert.equal(filterResolvDNS('nameserver ::1\nnameserver 2001:db8::1\n', true), 'nameserver 2001:db8::1\n');
  assert.equal(
    filterResolvDNS('nameserver 127.0.0.1\n', true),
    '\nnameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844',
  );
});

test('systemd-resolved stub: the real resolv.conf is used', () => {
  const files: Record<string, string> = { '/etc/resolv.conf': 'nameserver 127.0.0.53\n' };
  assert.equal(
    hostResolvConfPath((p) => files[p]),
    '/run/systemd/resolve/resolv.conf',
  );
  files['/etc/resolv.conf'] = 'nameserver 10.0.0.1\n';
  assert.equal(
    hostResolvConfPath((p) => files[p]),
    '/etc/resolv.conf',
  );
});

test("--dns, --dns-search and --dns-option replace the host's own, as resolvconf.Build writes them", () => {
  const host = '# from the host\nsearch lan corp.example\nnameserver 10.0.0.2\nnameserver 127.0.0.53\noptions edns0\n';
  assert.equal(
    customResolvConf(host, ['9.9.9.9'], [], []),
    'search lan corp.example\nnameserver 9.9.9.9\noptions edns0\n',
  );
  assert.equal(
    customResolvConf(host, [], ['example.com'], ['ndots:2']),
    'search example.com\nnameserver 10.0.0.2\nnameserver 127.0.0.53\noptions ndots:2\n',
  );
  assert.equal(
    customResolvConf('', ['1.1.1.1', '2606:4700::1111'], ['.'], []),
    'nameserver 1.1.1.1\nnameserver 2606:4700::1111\n',
    'search "." means none',
  );
});

test("resolverResolvConf: the network's resolver, the host's search and options, ndots:0 (Docker 20.10's user-defined network)", () => {
  const host = 'search corp.example\nnameserver 127.0.0.53\noptions edns0 trust-ad\n';
  // what dockerd 20.10 wrote here for `run --network NET` (the host's resolv.conf had no search or options)
  assert.equal(
    resolverResolvConf('nameserver 10.255.255.53\n', '10.9.0.1', [], []),
    'nameserver 10.9.0.1\noptions ndots:0\n',
  );
  // and for --dns 10.213.250.77 --dns-search ex.com --dns-option timeout:3
  assert.equal(
    resolverResolvConf('nameserver 10.255.255.53\n', '10.9.0.1', ['ex.com'], ['timeout:3']),
    'search ex.com\nnameserver 10.9.0.1\noptions timeout:3 ndots:0\n',
  );
  assert.equal(
    resolverResolvConf(host, '10.9.0.1', [], []),
    'search corp.example\nnameserver 10.9.0.1\noptions edns0 trust-ad ndots:0\n',
  );
  // an ndots of the user's stays, alone
  assert.equal(
    resolverResolvConf(host, '10.9.0.1', [], ['ndots:2']),
    'search corp.example\nnameserver 10.9.0.1\noptions ndots:2\n',
  );
});
