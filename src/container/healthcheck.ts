// A container's healthcheck as Docker defines it (moby's HealthConfig, daemon/health.go):
// the config from the image and the run flags merged, checked as the daemon
// checks it, and what a probe runs. Durations are nanoseconds, as in the JSON.
import { invalidArgument } from '../errdefs';
import { goDuration } from '../util/go-duration';

/** Docker's container.HealthConfig (zero fields left out, as its JSON does). */
export interface HealthConfig {
  /** [] inherit the image's; ["NONE"] off; ["CMD", argv...]; ["CMD-SHELL", command] */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export const HEALTH_DEFAULTS = { interval: 30e9, timeout: 30e9, startPeriod: 0, retries: 3 };
const MINIMUM = 1e6; // container.MinimumDuration: 1ms

/**
 * The run flags' healthcheck (the docker CLI's parse): --no-healthcheck is
 * Test ["NONE"]; any --health-* makes a config (Test empty without --health-cmd:
 * the image's command with these timings); none: undefined.
 */
export function healthFromFlags(f: {
  cmd?: string;
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  retries?: number;
  none?: boolean;
}): HealthConfig | undefined {
  const timings = !!(f.interval || f.timeout || f.startPeriod || f.retries);
  if (f.none) {
    if (f.cmd || timings) throw invalidArgument('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!f.cmd && !timings) return undefined;
  for (const [flag, v] of [
    ['interval', f.interval],
    ['timeout', f.timeout],
    ['retries', f.retries],
    ['start-period', f.startPeriod],
  ] as const) {
    if ((v ?? 0) < 0) throw invalidArgument(`--health-${flag} cannot be negative`);
  }
  return compact({
    Test: f.cmd ? ['CMD-SHELL', f.cmd] : [],
    Interval: f.interval,
    Timeout: f.timeout,
    StartPeriod: f.startPeriod,
    Retries: f.retries,
  });
}

/** The daemon's checks of a create request's healthcheck (verifyContainerSettings). */
export function validateHealthcheck(hc: HealthConfig | undefined): void {
  if (!hc) return;
  const min = goDuration(MINIMUM);
  if (hc.Interval && hc.Interval < MINIMUM) throw invalidArgument(`Interval in Healthcheck cannot be less than ${min}`);
  if (hc.Timeout && hc.Timeout < MINIMUM) throw invalidArgument(`Timeout in Healthcheck cannot be less than ${min}`);
  if ((hc.Retries ?? 0) < 0) throw invalidArgument('Retries in Healthcheck cannot be negative');
  if (hc.StartPeriod && hc.StartPeriod < MINIMUM)
    throw invalidArgument(`StartPeriod in Healthcheck cannot be less than ${min}`);
}

/** The container's healthcheck: its own fields, the image's where it leaves one unset (moby's merge). */
export function mergeHealthcheck(
  user: HealthConfig | undefined,
  image: HealthConfig | undefined | null,
): HealthConfig | undefined {
  if (!user) return image ? compact({ ...image }) : undefined;
  if (!image) return compact(user);
  return compact({
    Test: user.Test?.length ? user.Test : (image.Test ?? []),
    Interval: user.Interval || image.Interval,
    Timeout: user.Timeout || image.Timeout,
    StartPeriod: user.StartPeriod || image.StartPeriod,
    Retries: user.Retries || image.Retries,
  });
}

/** What one probe runs, or undefined when nothing is probed (no test, NONE, an unknown type). */
export function probeCommand(hc: HealthConfig | undefined | null, shell?: string[] | null): string[] | undefined {
  const test = hc?.Test ?? [];
  if (test.length < 2) return undefined;
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return [...(shell?.length ? shell : ['/bin/sh', '-c']), ...test.slice(1)];
  return undefined;
}

/** The probe's timings with Docker's defaults for the unset ones. */
export function probeTimings(hc: HealthConfig): {
  interval: number;
  timeout: number;
  startPeriod: number;
  retries: number;
} {
  return {
    interval: hc.Interval || HEALTH_DEFAULTS.interval,
    timeout: hc.Timeout || HEALTH_DEFAULTS.timeout,
    startPeriod: hc.StartPeriod || HEALTH_DEFAULTS.startPeriod,
    retries: hc.Retries !== undefined && hc.Retries > 0 ? hc.Retries : HEALTH_DEFAULTS.retries,
  };
}

/** Empty and zero fields left out, as HealthConfig's JSON (all omitempty). */
function compact(hc: HealthConfig): HealthConfig {
  const out: HealthConfig = {};
  if (hc.Test?.length) out.Test = hc.Test;
  if (hc.Interval) out.Interval = hc.Interval;
  if (hc.Timeout) out.Timeout = hc.Timeout;
  if (hc.StartPeriod) out.StartPeriod = hc.StartPeriod;
  if (hc.Retries) out.Retries = hc.Retries;
  return out;
}
