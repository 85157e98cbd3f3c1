// The NetworkBackend contract (backend-contract.ts) on the in-memory fake;
// NetworkManager runs it as root in test/integration/network-contract.test.ts.
import { networkBackendContract } from './backend-contract';
import { FakeNetworks } from './fake-networks';

networkBackendContract('FakeNetworks', () => ({
  networks: new FakeNetworks(),
  netns: async (name) => `/fake/netns/${name}`,
  cleanup: async () => {},
}));
