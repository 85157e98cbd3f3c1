// NetworkSettings.Ports of a container: exposed ports (null) and, while it runs, the host ports bound.
import type { Container } from '../container/store';
import { networkSettingsPorts } from '../network/ports';
import type { PortMap, PortSet } from '../network/types';

export function containerPorts(c: Container) {
  const running = c.state.Status === 'running' || c.state.Status === 'paused';
  const bound: PortMap = {};
  if (running) for (const ep of Object.values(c.state.Networks ?? {})) Object.assign(bound, ep.Ports ?? {});
  return networkSettingsPorts((c.record.config.ExposedPorts ?? {}) as PortSet, bound);
}
