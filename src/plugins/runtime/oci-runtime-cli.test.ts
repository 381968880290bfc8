
import { runtimeConformanceSuite } from '../../core/runtime/testsuite.js';
import { bindFreeControllersToV1, removeCgroupPath } from './cgroups.js';
import { createOciRuntimeCli } from './oci-runtime-cli.js';

// crun refuses hybrid hosts whose cgroup2 still offers a controller; see bindFreeControllersToV1.
await bindFreeControllersToV1();

for (const binary of ['runc', 'crun']) {
  runtimeConformanceSuite({
    name: binary,
    makeRuntime: (stateDir) => createOciRuntimeCli({ binary, root: stateDir }),
    removeCgroup: (p) => removeCgroupPath(p),
  });
}

// The adapter's overhead over the bare runtime CLI is measured in bench/containers.mjs, not
// asserted here: the house rule is no timed assertions in tests.
