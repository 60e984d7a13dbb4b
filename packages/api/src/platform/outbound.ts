import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ApiError } from './errors';

/**
 * Calls to URLs a merchant typed in (the livestream reply callback, and any callback like it).
 * Such a URL must not turn the API into a way into the network it runs in: only http(s), only
 * public unicast addresses — checked on the address the connection is really made to, after DNS,
 * so a name that resolves (or re-resolves) to 10.x, 127.x, 169.254.169.254 or ::1 is refused —
 * and redirects are never followed (a 3xx is a failed delivery). `allowPrivate` lifts the address
 * rule for loopback connectors in tests and the local demo.
 */
export interface OutboundPolicy {
  allowPrivate: boolean;
}

/** Why a URL may not be called, or null when it may (the address rule is checked again at connect). */
export function outboundUrlProblem(raw: string, policy: OutboundPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'only http and https URLs are called';
  if (url.username || url.password) return 'a URL with credentials in it is not called';
  if (policy.allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'a loopback host is not called';
  if (ipaddr.isValid(host) && !isPublicAddress(host)) return `address ${host} is not public`;
  return null;
}

/** True for a public unicast address (not loopback, private, link-local, CGNAT, multicast, reserved…). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/** A DNS look-up that fails for names resolving to any address that is not public. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as unknown as LookupAddress[];
    const blocked = list.find((a) => !isPublicAddress(a.address));
    if (blocked || list.length === 0) {
      const refusal = Object.assign(new Error(`address ${blocked?.address ?? '(none)'} is not public`), {
        code: 'EBLOCKEDADDRESS',
      });
      return callback(refusal, '', 0);
    }
    if ((options as { all?: boolean }).all)
      return (callback as (e: null, a: LookupAddress[]) => void)(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
};

export interface OutboundAnswer {
  status: number;
}

/**
 * POSTs `body` to `url` under the policy; resolves with the status (3xx included: not followed),
 * rejects on a refused address, a network error, or when the whole exchange passes `timeoutMs`.
 * The answer's body is read and dropped, at most 64 KiB of it.
 */
export function postOutbound(
  url: string,
  options: { headers: Record<string, string>; body: string; timeoutMs: number; policy: OutboundPolicy },
): Promise<OutboundAnswer> {
  const problem = outboundUrlProblem(url, options.policy);
  if (problem) return Promise.reject(new Error(problem));
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OutboundAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, answer?: OutboundAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(answer!);
    };
    const request = send(
      target,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        ...(options.policy.allowPrivate ? {} : { lookup: publicOnlyLookup }),
        // One connection per call: a kept-alive socket would skip the address check next time.
        agent: false,
      },
      (response: IncomingMessage) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 65_536) finish(null, { status: response.statusCode ?? 0 });
        });
        response.on('end', () => finish(null, { status: response.statusCode ?? 0 }));
        response.on('error', (error) => finish(error));
      },
    );
    // The whole exchange, not just the connect: a callback that answers headers and then stalls is cut.
    const deadline = setTimeout(
      () => finish(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on('error', (error) => finish(error));
    request.end(options.body);
  });
}

/** Throws a 422 when a merchant-given callback URL may not be called under the policy. */
export function assertCallableUrl(
  field: string,
  url: string | null | undefined,
  policy: OutboundPolicy,
): void {
  if (url == null) return;
  const problem = outboundUrlProblem(url, policy);
  if (problem) {
    throw new ApiError('validation_failed', `${field} cannot be called: ${problem}.`, [
      { path: [field], message: problem },
    ]);
  }
}
