// docker-py's own integration suite (the tests of docker-py 5.0.3, Debian's
// python3-docker) run against Docker 20.10 and against `stowage system
// service` on this machine, and the tests that pass on Docker but not on
// stowage listed. The suite's source cannot come from the npm or Debian
// registries (Debian ships no source tarball here), so it is given as a
// directory: a checkout of github.com/docker/docker-py at tag 5.0.3.
//
//   node dist/tools/docker-py-suite.js --src /path/to/docker-py [--engine both|stowage|docker] [-k EXPR]
//     [--docker-log FILE]   (Docker's verdicts from an earlier run's log, /tmp/docker-py-docker.log, instead of running it again)
//
// Swarm, plugin, secret, config and service tests are left out (no swarm
// here); tests that need Docker Hub fail on both engines and so count for
// neither. The suite's test images (alpine:3.10, alpine:latest, busybox) are
// the busybox base image under those names on both engines.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capture } from '../src/util/capture';
import { baseTarball, startService, TestEnv } from '../test/helpers';
import { startDockerDaemon } from '../test/reference/docker-daemon';

const LEFT_OUT = [
  'api_swarm_test.py',
  'models_swarm_test.py',
  'api_service_test.py',
  'models_services_test.py',
  'api_secret_test.py',
  'api_config_test.py',
  'models_nodes_test.py',
  'api_plugin_test.py',
];
/** Single tests that need swarm too (they call init_swarm first), each with why. */
const LEFT_OUT_TESTS: Record<string, string> = {
  'api_network_test.py::TestNetworks::test_create_network_attachable': 'swarm: init_swarm, then an overlay network',
  'api_network_test.py::TestNetworks::test_create_network_ingress':
    'swarm: init_swarm, then an ingress overlay network',
  'api_network_test.py::TestNetworks::test_create_inspect_network_with_scope':
    'swarm: init_swarm, then a swarm-scoped network',
};
/** The names the suite's tests run (it would pull them from Docker Hub): the busybox base image under each. */
const TEST_IMAGES = ['alpine:3.10', 'alpine:latest', 'busybox:latest'];
const IMPORT = [
  '-m',
  'busybox-static base image',
  '-c',
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  '-c',
  'CMD ["sh"]',
];

function arg(name: string, dflt?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

/** pytest's verdict per test id, from its -rA summary lines. */
function verdicts(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const v = /^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (tests\/\S+)/.exec(line);
    if (v) m.set(v[2], v[1]);
  }
  return m;
}

/**
 * The suite's conftest makes every warning an error; on Python 3.11 its own
 * distutils use then fails every test at setup (on any engine). This plugin
 * keeps DeprecationWarning a warning, for both engines alike.
 */
const SHIM = `import warnings
_simplefilter = warnings.simplefilter
def simplefilter(action, *args, **kwargs):
    _simplefilter(action, *args, **kwargs)
    if action == 'error':
        warnings.filterwarnings('ignore', category=DeprecationWarning)
warnings.simplefilter = simplefilter
`;

async function runSuite(src: string, dockerHost: string, tag: string, k?: string): Promise<Map<string, string>> {
  const ignore = [
    ...LEFT_OUT.flatMap((f) => ['--ignore', `tests/integration/${f}`]),
    ...Object.keys(LEFT_OUT_TESTS).flatMap((t) => ['--deselect', `tests/integration/${t}`]),
  ];
  const shimDir = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-py-shim-'));
  fs.writeFileSync(path.join(shimDir, 'stowage_warnings_shim.py'), SHIM);
  // docker-py keeps contexts beside the docker config it finds (else in ./contexts of the checkout):
  // a config directory of each run's own, so no run sees another's contexts
  const configDir = path.join(shimDir, 'docker-config');
  fs.mkdirSync(configDir);
  fs.writeFileSync(path.join(configDir, 'config.json'), '{}');
  fs.rmSync(path.join(src, 'contexts'), { recursive: true, force: true });
  const args = [
    '-m',
    'pytest',
    '-p',
    'stowage_warnings_shim',
    '-p',
    'no:cacheprovider',
    '--timeout',
    '120',
    '-rA',
    '-q',
    '--tb=line',
    ...ignore,
    ...(k ? ['-k', k] : []),
    'tests/integration',
  ];
  console.error(`[${tag}] python3 ${args.join(' ')}`);
  const r = await capture('/usr/bin/python3', args, {
    cwd: src,
    env: {
      ...process.env,
      DOCKER_HOST: dockerHost,
      DOCKER_TEST_API_VERSION: '1.41',
      DOCKER_CONFIG: configDir,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONPATH: shimDir,
    },
    timeoutMs: 3 * 3600_000,
  });
  fs.writeFileSync(path.join(os.tmpdir(), `docker-py-${tag}.log`), r.stdout + r.stderr);
  return verdicts(r.stdout);
}

async function main(): Promise<void> {
  const src = arg('--src');
  if (!src || !fs.existsSync(path.join(src, 'tests', 'integration')))
    throw new Error('--src must be a docker-py checkout (tag 5.0.3) with tests/integration');
  const engine = arg('--engine', 'both');
  const k = arg('-k');
  if (spawnSync('/usr/bin/python3', ['-c', 'import pytest, pytest_timeout, docker, paramiko']).status !== 0)
    throw new Error("needs Debian's python3-pytest, python3-pytest-timeout, python3-docker and python3-paramiko");
  const results: Record<string, Map<string, string>> = {};
  const dockerLog = arg('--docker-log');
  if (dockerLog) results.docker = verdicts(fs.readFileSync(dockerLog, 'utf8'));
  else if (engine === 'both' || engine === 'docker') {
    const d = await startDockerDaemon({
      bridge: true,
      extraArgs: ['--default-address-pool', 'base=10.216.0.0/16,size=24'],
    });
    try {
      for (const t of TEST_IMAGES) await d.docker(['import', ...IMPORT, baseTarball(), t]);
      results.docker = await runSuite(src, d.host, 'docker', k);
    } finally {
      await d.stop();
    }
  }
  if (engine === 'both' || engine === 'stowage') {
    const env = new TestEnv('stowage-docker-py-');
    try {
      await env.baseImage('alpine:3.10');
      for (const t of TEST_IMAGES.slice(1)) await env.ok(['tag', 'alpine:3.10', t]);
      const api = await startService(env);
      try {
        results.stowage = await runSuite(src, `unix://${api.socket}`, 'stowage', k);
      } finally {
        await api.stop();
      }
    } finally {
      env.cleanup();
    }
  }
  const count = (m: Map<string, string>, v: string) => [...m.values()].filter((x) => x === v).length;
  for (const [name, m] of Object.entries(results)) {
    const log = path.join(os.tmpdir(), `docker-py-${name}.log`);
    if (m.size === 0) throw new Error(`no test ran against ${name}: see ${log}`);
  }
  for (const [name, m] of Object.entries(results))
    console.log(
      `${name}: ${count(m, 'PASSED')} passed, ${count(m, 'FAILED') + count(m, 'ERROR')} failed, ${count(m, 'SKIPPED')} skipped`,
    );
  if (results.docker && results.stowage) {
    // with -k only the tests that ran on stowage are compared
    const leftOut = (id: string) => Object.keys(LEFT_OUT_TESTS).some((t) => id === `tests/integration/${t}`);
    const missing = [...results.docker]
      .filter(
        ([id, v]) =>
          v === 'PASSED' && !leftOut(id) && results.stowage.get(id) !== 'PASSED' && (!k || results.stowage.has(id)),
      )
      .map(([id]) => id);
    console.log(`passing on Docker 20.10 but not on stowage: ${missing.length}`);
    for (const id of missing) console.log(`  ${id} (${results.stowage.get(id) ?? 'not run'})`);
    process.exitCode = missing.length ? 1 : 0;
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
