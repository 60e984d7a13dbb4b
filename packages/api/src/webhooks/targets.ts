import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { ApiError } from '../platform/errors';

/**
 * Where webhooks may go. A webhook URL is chosen by whoever holds an app's secret key, and the
 * API POSTs to it from inside the operator's network: without these checks it is a way to reach
 * the operator's own services (SSRF) — cloud metadata at 169.254.169.254, an admin port on
 * 127.0.0.1, a database on 10.0.0.5. So, unless the server is configured for development
 * (`allowPrivateTargets`):
 * - at subscription time: http(s) only, https required, no credentials or fragment in the URL,
 *   no literal private/loopback/link-local/reserved address (in any spelling the URL parser
 *   accepts: 0x7f.1, 2130706433, [::ffff:127.0.0.1] all normalise to the same address), no
 *   local-only names (localhost, *.local, *.internal, single-label names);
 * - at delivery time: the name is resolved once, every address it resolves to is checked, and the
 *   connection goes to the address that was checked (no second look-up a rebinding DNS server
 *   could answer differently); redirects are never followed.
 */

const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  privateRanges.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  // The unspecified and loopback addresses, and the deprecated IPv4-compatible ::a.b.c.d (::7f00:1).
  ['::', 96],
  // IPv4-translated (SIIT) ::ffff:0:a.b.c.d: an IPv4 address by another spelling.
  ['::ffff:0:0:0', 96],
  // NAT64, 6to4 and Teredo embed an IPv4 address that may be private: refused whole.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  privateRanges.addSubnet(network, prefix, 'ipv6');

/**
 * True for loopback, private, link-local, shared, documentation, multicast and reserved addresses.
 * IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is checked as the IPv4 address it maps.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return true; // not an address at all: never a safe target
  if (family === 6) {
    const mapped = /^::ffff:(?:0+:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    if (mapped) return privateRanges.check(mapped[1]!, 'ipv4');
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
    if (hexMapped) {
      const hi = Number.parseInt(hexMapped[1]!, 16);
      const lo = Number.parseInt(hexMapped[2]!, 16);
      return privateRanges.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
    }
    return privateRanges.check(bare, 'ipv6');
  }
  return privateRanges.check(bare, 'ipv4');
}

const loopbackRanges = new BlockList();
loopbackRanges.addSubnet('127.0.0.0', 8, 'ipv4');
loopbackRanges.addAddress('::1', 'ipv6');

/** True for 127.0.0.0/8 and ::1 (also as ::ffff:127.x.y.z): this machine and nothing else. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return loopbackRanges.check(bare, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return loopbackRanges.check(mapped[1]!, 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (hexMapped) return Number.parseInt(hexMapped[1]!, 16) >> 8 === 127;
  return loopbackRanges.check(bare, 'ipv6');
}

const LOCAL_NAMES = /(^|\.)(localhost|local|localdomain|internal|intranet|lan|home\.arpa|corp)$/;
const LOOPBACK_NAMES = /(^|\.)localhost$/;

export interface TargetPolicy {
  /** Development on a shared network: allow http and every private/loopback target. Never in production. */
  allowPrivateTargets: boolean;
  /**
   * Tests and the local demo: allow http to this machine only — 127.0.0.0/8, ::1 and `localhost`
   * (whose look-up must give loopback addresses). Private networks, link-local (cloud metadata at
   * 169.254.169.254) and every other reserved range stay refused. Default false.
   */
  allowLoopbackTargets?: boolean;
}

/** The policy a server's webhook settings give (`THREADLINE_WEBHOOKS_ALLOW_PRIVATE` / `_ALLOW_LOOPBACK`). */
export const targetPolicyOf = (
  settings: { allowPrivateTargets?: boolean; allowLoopbackTargets?: boolean } = {},
) => ({
  allowPrivateTargets: settings.allowPrivateTargets === true,
  allowLoopbackTargets: settings.allowLoopbackTargets === true,
});

/** Whether the policy lets an address that `isPrivateAddress` flags through. */
const allowedPrivate = (policy: TargetPolicy, address: string) =>
  policy.allowPrivateTargets || (policy.allowLoopbackTargets === true && isLoopbackAddress(address));

/** Whether a resolved or literal address may be connected to under the policy. */
export const addressAllowed = (policy: TargetPolicy, address: string) =>
  !isPrivateAddress(address) || allowedPrivate(policy, address);

/**
 * Checks a webhook URL when it is set and returns it normalised (the URL parser's spelling).
 * Throws `invalid_webhook_url` for malformed URLs and `webhook_target_refused` for targets the
 * policy forbids, each with a message saying which rule.
 */
export function checkWebhookUrl(raw: string, policy: TargetPolicy): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError('invalid_webhook_url', 'The webhook URL is not an absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ApiError('invalid_webhook_url', 'A webhook URL must use https (or http in development).');
  if (url.username || url.password)
    throw new ApiError(
      'invalid_webhook_url',
      'A webhook URL must not carry credentials; verify deliveries with the signing secret instead.',
    );
  if (url.hash || raw.includes('#'))
    throw new ApiError('invalid_webhook_url', 'A webhook URL must not have a fragment.');
  if (!url.hostname) throw new ApiError('invalid_webhook_url', 'A webhook URL needs a host.');
  if (policy.allowPrivateTargets) return url.href;
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  // The loopback switch: http to this machine only (a name is checked again when resolved).
  if (policy.allowLoopbackTargets && (isIP(host) !== 0 ? isLoopbackAddress(host) : LOOPBACK_NAMES.test(host)))
    return url.href;

  if (url.protocol !== 'https:')
    throw new ApiError(
      'webhook_target_refused',
      'Webhook URLs must use https: deliveries carry customer data.',
    );
  if (isIP(host) !== 0) {
    if (isPrivateAddress(host))
      throw new ApiError(
        'webhook_target_refused',
        'The webhook URL points at a private, loopback, link-local or reserved address.',
      );
    return url.href;
  }
  if (!host.includes('.') || LOCAL_NAMES.test(host))
    throw new ApiError('webhook_target_refused', 'The webhook URL names a local-only host.');
  return url.href;
}

export type LookupFunction = (
  hostname: string,
  options: { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export const systemLookup: LookupFunction = (hostname, options, callback) =>
  dnsLookup(hostname, options, callback);

/** Raised (and logged on the delivery) when a name resolves to an address the policy forbids. */
export class TargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

/**
 * A `lookup` for node:http(s) that resolves once and refuses the connection when any address is
 * private — the socket then connects to exactly the address checked here.
 */
export function guardedLookup(resolve: LookupFunction, policy: TargetPolicy) {
  return (
    hostname: string,
    options: { family?: number; all?: boolean },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    resolve(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const usable = addresses.filter((a) => !options.family || a.family === options.family);
      if (usable.length === 0)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if (usable.some((a) => !addressAllowed(policy, a.address)))
        return callback(
          new TargetRefusedError(`${hostname} resolves to a private or reserved address; not delivered.`),
          '',
          0,
        );
      if (options.all) return callback(null, usable);
      const first = usable[0]!;
      callback(null, first.address, first.family);
    });
  };
}
