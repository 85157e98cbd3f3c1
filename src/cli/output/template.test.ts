import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTAINER_INSPECT, IMAGE_INSPECT, NETWORK_INSPECT, VOLUME_INSPECT } from './docker-types';
import { formatGoTime, INT, ptr, STRING, STRING_MAP, STRINGS, struct } from './gotype';
import { renderTemplate } from './template';

const data = {
  ID: 'abc',
  Names: ['a', 'b'],
  State: { Status: 'running', Pid: 42 },
  Labels: { x: '1', y: '2' },
  Empty: '',
};

test('fields, nested fields and functions', () => {
  assert.equal(renderTemplate('{{.ID}} {{.State.Status}} {{.State.Pid}}', data), 'abc running 42');
  assert.equal(renderTemplate('{{json .Names}}', data), '["a","b"]');
  assert.equal(renderTemplate('{{join .Names ","}}', data), 'a,b');
  assert.equal(renderTemplate('{{.Names}}', data), '[a b]');
  assert.equal(renderTemplate('{{.Labels}}', data), 'map[x:1 y:2]');
  assert.equal(renderTemplate('{{index .Labels "y"}}', data), '2');
  assert.equal(renderTemplate('{{upper .ID | lower}}', data), 'abc');
  assert.equal(renderTemplate('{{json .}}', { a: '<b>' }), '{"a":"\\u003cb\\u003e"}');
});

test('if, else, range, with and variables', () => {
  assert.equal(renderTemplate('{{if .Empty}}yes{{else}}no{{end}}', data), 'no');
  assert.equal(renderTemplate('{{if eq .ID "abc"}}yes{{end}}', data), 'yes');
  assert.equal(renderTemplate('{{range .Names}}[{{.}}]{{end}}', data), '[a][b]');
  assert.equal(renderTemplate('{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', data), 'x=1;y=2;');
  assert.equal(renderTemplate('{{with .State}}{{.Status}}{{end}}', data), 'running');
  assert.equal(renderTemplate('{{if .Empty}}a{{else if .ID}}b{{else}}c{{end}}', data), 'b');
  assert.equal(renderTemplate('{{- " x " -}}  {{.ID}}', data), ' x abc');
  assert.equal(renderTemplate('{{range .Names}}{{println .}}{{end}}', data), 'a\nb\n');
});

test('missing fields: errors for formatters; for inspect, the typed run then the JSON fallback, as the docker CLI', () => {
  assert.throws(() => renderTemplate('{{.Nope}}', data), /can't evaluate field Nope/);
  assert.equal(renderTemplate('{{.Nope}}', data, { lenient: true }), '<no value>');
  const type = struct(
    ['ID', STRING],
    ['Names', STRINGS],
    ['State', ptr(struct(['Status', STRING], ['Pid', INT]))],
    ['Labels', STRING_MAP],
    ['Empty', STRING],
  );
  // a map's missing key is <no value>; a struct's unknown field fails the typed run, and the JSON run says so, with Go's position
  assert.equal(renderTemplate('{{.Labels.none}}', data, { type }), '<no value>');
  assert.equal(renderTemplate('{{with .Labels}}{{.none}}{{end}}', data, { type }), '<no value>');
  assert.throws(
    () => renderTemplate('{{.Nope}}', data, { type }),
    /^Error: template: :1:2: executing "" at <\.Nope>: map has no entry for key "Nope"$/,
  );
  assert.throws(
    () => renderTemplate('{{.State.Nope}}', data, { type }),
    /template: :1:8: executing "" at <\.State\.Nope>: map has no entry for key "Nope"/,
  );
  // the JSON's own key names work through the fallback, which prints structs as maps
  assert.equal(renderTemplate('{{.ID}} {{.State}}', data, { type }), 'abc {running 42}');
  assert.equal(
    renderTemplate('{{.Id}} {{.State}}', { ...data, Id: 'abc' }, { type }),
    'abc map[Pid:42 Status:running]',
  );
  assert.throws(() => renderTemplate('{{if .ID}}', data), /unexpected EOF/);
  assert.throws(() => renderTemplate('{{nofunc .ID}}', data), /function "nofunc" not defined/);
});

test("null maps and slices print as Go's typed nils: map[] and [], json still null; the JSON fallback prints <no value>", () => {
  const obj = { Config: { Env: null, Labels: null, Cmd: ['sh'] }, Healthcheck: null, RepoDigests: [] };
  const type = struct(
    ['Config', ptr(struct(['Env', STRINGS], ['Labels', STRING_MAP], ['Cmd', STRINGS]))],
    ['Healthcheck', ptr(INT)],
    ['RepoDigests', STRINGS],
  );
  const opts = { type };
  assert.equal(
    renderTemplate('{{.Config.Env}}|{{.Config.Labels}}|{{.Config.Cmd}}|{{.RepoDigests}}|{{.Healthcheck}}', obj, opts),
    '[]|map[]|[sh]|[]|<nil>',
  );
  assert.equal(
    renderTemplate('{{json .Config.Env}} {{json .Config.Labels}} {{len .Config.Env}}', obj, opts),
    'null null 0',
  );
  assert.equal(
    renderTemplate('{{if .Config.Env}}x{{else}}empty{{end}}{{range .Config.Labels}}y{{end}}', obj, opts),
    'empty',
  );
  assert.equal(renderTemplate('{{with .Config}}{{.Env}}{{end}} {{$e := .Config.Labels}}{{$e}}', obj, opts), '[] map[]');
  assert.equal(renderTemplate('{{.Config.Env}} {{.Nope}}', { ...obj, Nope: 1 }, opts), '<no value> 1');
});

test('a field chain after a parenthesized pipeline, and printf as Go', () => {
  const ports = { Ports: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18099' }], '9/udp': null } };
  assert.equal(
    renderTemplate('{{range $p, $conf := .Ports}}{{$p}} -> {{(index $conf 0).HostPort}} {{end}}', {
      Ports: { '80/tcp': ports.Ports['80/tcp'] },
    }),
    '80/tcp -> 18099 ',
  );
  assert.equal(renderTemplate('{{(index .Ports "80/tcp" 0).HostIp}}', ports), '127.0.0.1');
  assert.equal(renderTemplate('{{ (index .Ports "80/tcp" 0) }}', ports), 'map[HostIp:127.0.0.1 HostPort:18099]');
  // captured from the docker CLI: printf "%.12s|%5s|%-5s|%05d|%x|%q|%v|%t" "/web" "ab" "cd" 42 255 "q" 1.5 true
  assert.equal(
    renderTemplate('{{printf "%.12s|%5s|%-5s|%05d|%x|%q|%v|%t" .N "ab" "cd" 42 255 "q" 1.5 true}}', { N: '/web' }),
    '/web|   ab|cd   |00042|ff|"q"|1.5|true',
  );
  assert.equal(renderTemplate('{{printf "%.12s" .Id}}', { Id: 'fabeb8e2d22c365d5eb8' }), 'fabeb8e2d22c');
  assert.equal(renderTemplate('{{printf "%s %s" .A}}', { A: 'x' }), 'x %!s(MISSING)');
  assert.equal(renderTemplate('{{printf "%+d|%6.2f|%X|%%" 5 3.14159 255}}', {}), '+5|  3.14|FF|%');
});

// What the docker CLI 28 printed for a container, an image, a volume and a network
// of a dockerd 20.10 (`inspect -f '{{.State}}'` ...), and the JSON that daemon sent.
test("inspect's types print structs, nil values, times and nested pointers as the docker CLI does", () => {
  const container = {
    Id: '1973ee636abaf75630f9d481b4f1b0c276255ff960491f87cf94c2a54f7e0e2d',
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 13619,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-11-30T04:08:51.786710953Z',
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    Name: '/web',
    ExecIDs: null,
    HostConfig: {
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18099' }] },
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      LogConfig: { Type: 'json-file', Config: {} },
    },
    Mounts: [
      {
        Type: 'volume',
        Name: 'vol1',
        Source: '/d/volumes/vol1/_data',
        Destination: '/data',
        Driver: 'local',
        Mode: 'z',
        RW: true,
        Propagation: '',
      },
    ],
    Config: {
      Hostname: '51bef5e3c5a5',
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: { '80/tcp': {} },
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: null,
      Cmd: ['httpd', '-f', '-p', '80'],
      Image: 'bb',
      Volumes: { '/data': {} },
      WorkingDir: '',
      Entrypoint: null,
      OnBuild: null,
      Labels: { a: 'b' },
    },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '1d1c4157249c',
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      Ports: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18099' }] },
      SandboxKey: '/x/netns/1d1c4157249c',
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: '9aa6',
      Gateway: '10.213.45.1',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: '10.213.45.2',
      IPPrefixLen: 24,
      IPv6Gateway: '',
      MacAddress: '02:42:0a:d5:2d:02',
      Networks: {
        bridge: {
          IPAMConfig: null,
          Links: null,
          Aliases: null,
          NetworkID: 'e8c2',
          EndpointID: '9aa6',
          Gateway: '10.213.45.1',
          IPAddress: '10.213.45.2',
          IPPrefixLen: 24,
          IPv6Gateway: '',
          GlobalIPv6Address: '',
          GlobalIPv6PrefixLen: 0,
          MacAddress: '02:42:0a:d5:2d:02',
          DriverOpts: null,
        },
      },
    },
  };
  const c = (f: string) => renderTemplate(f, container, { type: CONTAINER_INSPECT });
  assert.equal(
    c('{{.State}}'),
    '{running true false false false false 13619 0  2026-11-30T04:08:51.786710953Z 0001-01-01T00:00:00Z <nil>}',
  );
  assert.equal(
    c('{{.NetworkSettings.Ports}}|{{.HostConfig.PortBindings}}'),
    'map[80/tcp:[{127.0.0.1 18099}]]|map[80/tcp:[{127.0.0.1 18099}]]',
  );
  assert.equal(c('{{.Mounts}}'), '[{volume vol1 /d/volumes/vol1/_data /data local z true }]');
  assert.equal(
    c('{{.HostConfig.RestartPolicy}}|{{.HostConfig.LogConfig}}|{{.Config.ExposedPorts}}|{{.Config.Volumes}}'),
    '{on-failure 3}|{json-file map[]}|map[80/tcp:{}]|map[/data:{}]',
  );
  assert.equal(
    c('{{.Config}}'),
    '{51bef5e3c5a5   false false false map[80/tcp:{}] false false false [] [httpd -f -p 80] <nil> false bb map[/data:{}]  [] false  [] map[a:b]  <nil> []}',
  );
  assert.match(c('{{.NetworkSettings.Networks}}'), /^map\[bridge:0xc[0-9a-f]+\]$/);
  assert.equal(
    c('{{range .NetworkSettings.Networks}}{{.}}{{end}}'),
    '{<nil> [] [] 02:42:0a:d5:2d:02 map[] 0 e8c2 9aa6 10.213.45.1 10.213.45.2 24   0 []}',
  );
  assert.equal(
    c('{{.NetworkSettings}}').replace(/0xc[0-9a-f]+/, 'PTR'),
    '{{ 1d1c4157249c /x/netns/1d1c4157249c map[80/tcp:[{127.0.0.1 18099}]] false  0 [] []} {9aa6 10.213.45.1  0 10.213.45.2 24  02:42:0a:d5:2d:02} map[bridge:PTR]}',
  );
  assert.equal(
    c(
      '{{.ID}}|{{.SizeRw}}|{{.Platform}}|{{.Config.StopTimeout}}|{{.HostConfig.Init}}|{{.State.Health}}|{{json .State.Health}}',
    ),
    `${container.Id}|<nil>||<nil>|<nil>|<nil>|null`,
  );
  assert.equal(c('{{if .State}}y{{end}}{{with .Config}}{{.Image}}{{end}}'), 'ybb');
  // `.Id` is the JSON's key, not the Go field (ID): the JSON fallback runs and prints maps and <no value>
  assert.equal(
    c('{{.Id}}|{{.State.Pid}}|{{.ExecIDs}}|{{.State}}'),
    `${container.Id}|13619|<no value>|map[Dead:false Error: ExitCode:0 FinishedAt:0001-01-01T00:00:00Z OOMKilled:false Paused:false Pid:13619 Restarting:false Running:true StartedAt:2026-11-30T04:08:51.786710953Z Status:running]`,
  );

  const image = {
    Id: 'sha256:e68e',
    RepoTags: ['bb:latest'],
    RepoDigests: [],
    Parent: '',
    Comment: 'Imported from -',
    Created: '2026-11-30T04:08:51.437495891Z',
    Container: '',
    ContainerConfig: {
      Hostname: '',
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: null,
      Cmd: null,
      Image: '',
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      OnBuild: null,
      Labels: null,
    },
    DockerVersion: '20.10.24+dfsg1',
    Author: '',
    Config: { Env: null, Cmd: null, ExposedPorts: { '80/tcp': {} }, Volumes: { '/data': {} }, Labels: { a: 'b' } },
    Architecture: 'amd64',
    Os: 'linux',
    Size: 1985580,
    VirtualSize: 1985580,
    GraphDriver: { Data: { MergedDir: '/m', UpperDir: '/u', WorkDir: '/w' }, Name: 'overlay2' },
    RootFS: { Type: 'layers', Layers: ['sha256:4c98'] },
    Metadata: { LastTagTime: '2026-11-30T04:08:51.440687102Z' },
  };
  const i = (f: string) => renderTemplate(f, image, { type: IMAGE_INSPECT });
  assert.equal(
    i('{{.RootFS}}|{{.Metadata}}|{{.GraphDriver}}'),
    '{layers [sha256:4c98]}|{2026-11-30 04:08:51.440687102 +0000 UTC}|{map[MergedDir:/m UpperDir:/u WorkDir:/w] overlay2}',
  );
  assert.equal(
    i('{{.Config}}|{{.Config.ExposedPorts}}'),
    '{{ map[80/tcp:{}] [] [] [] map[/data:{}]  map[a:b]  false} {<nil> [] []}}|map[80/tcp:{}]',
  );
  assert.equal(
    i('{{.ContainerConfig}}'),
    '{   false false false map[] false false false [] [] <nil> false  map[]  [] false  [] map[]  <nil> []}',
  );
  assert.equal(
    i('{{.}}').replace(/0xc[0-9a-f]+/g, 'PTR'),
    '{sha256:e68e [bb:latest] []  Imported from - 2026-11-30T04:08:51.437495891Z  PTR 20.10.24+dfsg1  PTR amd64  linux  1985580 1985580 {map[MergedDir:/m UpperDir:/u WorkDir:/w] overlay2} {layers [sha256:4c98]} {2026-11-30 04:08:51.440687102 +0000 UTC} <nil> []}',
  );
  assert.equal(
    i('{{.Id}} {{.Size}}|{{.RootFS}}|{{.Metadata}}|{{.Config.Env}}|{{.Config.Volumes}}'),
    'sha256:e68e 1985580|map[Layers:[sha256:4c98] Type:layers]|map[LastTagTime:2026-11-30T04:08:51.440687102Z]|<no value>|map[/data:map[]]',
  );

  const volume = {
    CreatedAt: '2026-11-30T04:08:51Z',
    Driver: 'local',
    Labels: null,
    Mountpoint: '/v/vol1/_data',
    Name: 'vol1',
    Options: null,
    Scope: 'local',
  };
  assert.equal(
    renderTemplate('{{.}}|{{.Options}}|{{.Labels}}|{{.UsageData}}', volume, { type: VOLUME_INSPECT }),
    '{<nil> 2026-11-30T04:08:51Z local map[] /v/vol1/_data vol1 map[] local map[] <nil>}|map[]|map[]|<nil>',
  );

  const network = {
    Name: 'bridge',
    Id: 'e8c2',
    Created: '2026-11-30T04:08:49.629441331Z',
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.213.45.0/24', Gateway: '10.213.45.1' }] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {
      '51be': {
        Name: 'web',
        EndpointID: '9aa6',
        MacAddress: '02:42:0a:d5:2d:02',
        IPv4Address: '10.213.45.2/24',
        IPv6Address: '',
      },
    },
    Options: { 'com.docker.network.bridge.name': 'br0' },
    Labels: {},
  };
  assert.equal(
    renderTemplate('{{.}}|{{.IPAM}}|{{.ConfigFrom}}|{{.Created}}', network, { type: NETWORK_INSPECT }),
    '{bridge e8c2 2026-11-30 04:08:49.629441331 +0000 UTC local bridge false false {default map[] [{10.213.45.0/24  10.213.45.1 map[]}]} false false false {} false map[51be:{web 9aa6 02:42:0a:d5:2d:02 10.213.45.2/24 }] map[com.docker.network.bridge.name:br0] map[] [] map[]}|{default map[] [{10.213.45.0/24  10.213.45.1 map[]}]}|{}|2026-11-30 04:08:49.629441331 +0000 UTC',
  );
});

test("Go's time.Time String()", () => {
  assert.equal(formatGoTime('2026-11-30T04:08:51.440687102Z'), '2026-11-30 04:08:51.440687102 +0000 UTC');
  assert.equal(formatGoTime('2026-11-30T04:08:51.4406Z'), '2026-11-30 04:08:51.4406 +0000 UTC');
  assert.equal(formatGoTime('2026-11-30T04:08:51.000Z'), '2026-11-30 04:08:51 +0000 UTC');
  assert.equal(formatGoTime('0001-01-01T00:00:00Z'), '0001-01-01 00:00:00 +0000 UTC');
  assert.equal(formatGoTime('2026-11-30T05:08:51+01:00'), '2026-11-30 05:08:51 +0100 +0100');
});
