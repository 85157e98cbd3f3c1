// Which scheme and TLS settings a registry host gets. HTTPS with verified
// certificates (the system's authorities plus certs.d's) by default. A host
// configured insecure (daemon.json's insecure-registries by name or network,
// registries.conf's `insecure = true`) is spoken to over HTTPS without
// verification, or plain HTTP when it does not speak TLS, as Docker does. A
// host whose every address is loopback may also be spoken to in plain HTTP
// when it does not speak TLS; when it does, its certificate is verified.
// Loopback is judged by the addresses the name resolves to, never by the
// name, and the connection goes to those same addresses.
import { certsDirs, hostCerts } from './certs';
import {
  cidrContains,
  daemonRegistryConfig,
  ipBytes,
  isLoopbackAddress,
  type DaemonRegistryConfig,
} from './daemon-config';
import { lookupHost, NetworkError, type HostRoute } from './http';

export interface HostPolicy {
  loopback: boolean;
  insecure: boolean;
}

type Addresses = HostRoute['addresses'];

export class RegistryHosts {
  private readonly addresses = new Map<string, Promise<Addresses>>();
  /** scheme found per registry host (https unless it proved to speak plain HTTP) */
  private readonly schemes = new Map<string, 'http' | 'https'>();
  /** hosts configured insecure elsewhere (registries.conf), and hosts given as http:// mirrors */
  private readonly extraInsecure = new Set<string>();
  private readonly plainHttpAllowed = new Set<string>();

  constructor(
    private readonly daemon: DaemonRegistryConfig = daemonRegistryConfig(),
    private readonly lookup: (hostname: string) => Promise<Addresses> = lookupHost,
  ) {}

  /** Marks a host insecure (registries.conf `insecure = true`). */
  markInsecure(host: string): void {
    this.extraInsecure.add(host.toLowerCase());
  }

  /** A mirror written as http://host: plain HTTP is what it was configured with. */
  allowPlainHttp(host: string): void {
    this.plainHttpAllowed.add(host.toLowerCase());
    this.schemes.set(host.toLowerCase(), 'http');
  }

  resolve(hostname: string): Promise<Addresses> {
    const key = hostname.toLowerCase();
    let p = this.addresses.get(key);
    if (!p) {
      p = this.lookup(hostname);
      this.addresses.set(key, p);
      p.catch(() => this.addresses.delete(key));
    }
    return p;
  }

  /** Whether `host` (host[:port]) is loopback by its addresses, and whether it is configured insecure. */
  async policy(host: string, hostname: string): Promise<HostPolicy & { addresses: Addresses }> {
    const addresses = await this.resolve(hostname);
    const loopback = addresses.every((a) => isLoopbackAddress(a.address));
    const key = host.toLowerCase();
    const insecure =
      this.daemon.insecureHosts.has(key) ||
      this.extraInsecure.has(key) ||
      addresses.some((a) => {
        const b = ipBytes(a.address);
        return !!b && this.daemon.insecureCidrs.some((c) => cidrContains(c, b));
      });
    return { loopback, insecure, addresses };
  }

  /**
   * How to reach `url`: refused when it is plain HTTP to a host that is neither
   * loopback nor configured insecure (a redirect or a token realm included).
   */
  async routeFor(url: URL): Promise<HostRoute> {
    const host = url.host.toLowerCase();
    const p = await this.policy(host, url.hostname);
    if (url.protocol === 'http:') {
      if (!p.loopback && !p.insecure && !this.plainHttpAllowed.has(host)) {
        throw new NetworkError(
          `refusing plain HTTP to ${host}: it is neither on this machine's loopback nor configured as an insecure registry`,
          undefined,
          false,
          'list it in insecure-registries of /etc/stowage/daemon.json ($STOWAGE_DAEMON_JSON) to allow it',
        );
      }
      return { scheme: 'http', host, addresses: p.addresses };
    }
    const certs = hostCerts(host, certsDirs());
    return { scheme: 'https', host, addresses: p.addresses, tls: { ...certs, verify: !p.insecure } };
  }

  /** The scheme already found for a registry host, if any. */
  knownScheme(host: string): 'http' | 'https' | undefined {
    return this.schemes.get(host.toLowerCase());
  }

  setScheme(host: string, scheme: 'http' | 'https'): void {
    this.schemes.set(host.toLowerCase(), scheme);
  }

  /** Whether a registry that answered HTTPS with a plain-HTTP answer may be retried in plain HTTP. */
  async mayFallBackToHttp(host: string): Promise<boolean> {
    const hostname = new URL(`http://${host}`).hostname;
    const p = await this.policy(host, hostname);
    return p.loopback || p.insecure || this.plainHttpAllowed.has(host.toLowerCase());
  }
}
