// The Runtime contract (runtime-contract.ts) on the in-memory fake; RuncRuntime
// runs it as root in test/integration/runtime-contract.test.ts.
import { containerPaths } from './conmon';
import { FakeRuntime } from './fake-runtime';
import { runtimeContract } from './runtime-contract';

let n = 0;
runtimeContract('FakeRuntime', () => ({
  runtime: new FakeRuntime(),
  bundle: () => {
    const id = `fake${n++}`;
    return { id, paths: containerPaths(`/nonexistent/${id}`, { exitDir: '/nonexistent/exits' }) };
  },
  cleanup: async () => {},
}));
