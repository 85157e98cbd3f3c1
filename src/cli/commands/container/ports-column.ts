// The PORTS column of `ps`: published ports of a running container.
import type { Container } from '../../../container/store';

export function formatPortsColumn(c: Container): string {
  if (c.state.Status !== 'running' && c.state.Status !== 'paused') return '';
  const parts: string[] = [];
  for (const [port, bindings] of Object.entries(c.record.hostConfig.PortBindings ?? {})) {
    for (const b of bindings) parts.push(`${b.HostIp || '0.0.0.0'}:${b.HostPort}->${port}`);
  }
  return parts.join(', ');
}
