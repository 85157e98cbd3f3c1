// The Runtime contract (src/runtime/runtime-contract.ts) on the real runtime:
// conmon and runc, a busybox bundle, as root.
import { canRunContainers, makeLab } from '../busybox-fixture';
import { RuncRuntime } from '../../src/runtime/runtime';
import { runtimeContract } from '../../src/runtime/runtime-contract';

runtimeContract(
  'RuncRuntime',
  () => {
    const lab = makeLab();
    return {
      runtime: new RuncRuntime(lab.rt),
      bundle: (cmd) => lab.bundle({ cmd }),
      cleanup: () => lab.cleanup(),
    };
  },
  { skip: canRunContainers() },
);
