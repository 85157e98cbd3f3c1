// The network layer's public face.
export * from './types';
export {
  PROTOCOLS,
  parsePortSpec,
  parsePublish,
  parseExpose,
  toStandardNotation,
  validatePortBindings,
  effectiveBindings,
  networkSettingsPorts,
  apiPorts,
  formatPsPorts,
  formatPortCommand,
  splitProtoPort,
  parsePortRange,
  sortPorts,
} from './ports';
export { hostsFile, resolvConf, filterResolvDNS, nameservers, hostResolvConfPath } from './etc-files';
export type { HostsSelf, HostsPeer, HostRecord } from './etc-files';
export { createNetns, removeNetns, netnsPath, netnsDir, isNetns } from './netns';
export { CniRuntime, CniError, CNI_VERSION, DEFAULT_CNI_PATH } from './cni';
export type { CniResult, NetConfList, PluginConf, RuntimeConf } from './cni';
export { NetworkManager, JsonNetworkStore, DEFAULT_BRIDGE_POOLS, USER_NETWORK_POOLS } from './manager';
export type { NetworkManagerOptions, CreateNetworkOptions } from './manager';
export { snapshotHostState, relevantTo, diffHostState } from './host-state';
export type { HostState } from './host-state';
