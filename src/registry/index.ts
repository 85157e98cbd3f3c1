// The registry client's public face: pull and push (with their options in one
// object: auth, platform, onProgress, signal), login checks, credentials as the
// docker CLI keeps them, and the registries.conf / daemon.json settings that
// decide where images come from.
export { pullImage, pullAllTags, type PullOptions, type PullResult, type PullAllResult } from './pull';
export { pushImage, pushRegistry, type PushOptions } from './push';
export { checkLogin, loginDomain, type LoginResult } from './login';
export {
  type AuthConfig,
  authConfigFromJson,
  credentialKey,
  convertToHostname,
  decodeRegistryAuthHeader,
  decodeRegistryConfigHeader,
  dockerConfigFile,
  eraseCredentials,
  getCredentials,
  hasCredentials,
  INDEX_SERVER,
  storeCredentials,
} from './credentials';
export { registriesConf, registriesConfPath, parseRegistriesConf, type RegistriesConf } from './registries-conf';
export { daemonRegistryConfig, daemonJsonPath } from './daemon-config';
export { pullSources, originSource, type Source, type SourceConfig } from './sources';
export { parsePlatform, formatPlatform, hostPlatform, type Platform } from './platform';
export type { ProgressMessage, OnProgress } from './progress';
export { RegistryError } from './client';
