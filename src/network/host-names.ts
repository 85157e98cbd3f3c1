// Names stowage writes into containers' /etc/hostname, /etc/hosts and
// /etc/resolv.conf, checked before a container is recorded. Other containers
// read some of them (a peer's hosts file lists this container's hostname and
// aliases), so a newline or a space in a name would add lines or names to
// files that are not its own.
import { invalidArgument } from '../errdefs';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const RFC1123 = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
// aliases and --add-host names: Docker takes underscores there (compose names services so)
const NAME_LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?';
const HOSTS_NAME = new RegExp(`^(?:${NAME_LABEL}\\.)*${NAME_LABEL}$`);
// resolv.conf words (search domains, options): anything but blanks and control characters
const WORD = /^[^\s\p{Cc}#;]+$/u;

/** A container's hostname: RFC 1123 labels, at most 63 bytes (what Docker checked before it dropped the check). */
export function checkHostname(h: string): void {
  if (Buffer.byteLength(h) > 63 || !RFC1123.test(h))
    throw invalidArgument(`invalid hostname format: ${JSON.stringify(h)}`);
}

/** Another name of a line of /etc/hosts (a network alias, an --add-host name): labels of letters, digits, "-" and "_". */
export function checkHostsName(name: string, what: string): void {
  if (name.length > 253 || !HOSTS_NAME.test(name))
    throw invalidArgument(`invalid ${what}: ${JSON.stringify(name)} is not a valid host name`);
}

/** A search domain or an option of /etc/resolv.conf: one word. */
export function checkResolvWord(word: string, what: string): void {
  if (!WORD.test(word)) throw invalidArgument(`invalid ${what}: ${JSON.stringify(word)}`);
}
