import type { LinkCard } from '@threadline/sdk-core/protocol';
import type { AppRow } from '../apps';
import { ApiError } from '../platform/errors';

type AppHosts = Pick<AppRow, 'allowedOrigins' | 'settings'>;

/**
 * A card URL's host as browsers resolve it: lower case, an internationalised name in its xn-- form
 * (`https://shоp.example` with a Cyrillic о is `xn--shp-…`, not `shop.example`), no port. Null when
 * the URL does not parse.
 */
export function cardUrlHost(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

/**
 * The hosts an app's cards may use: the hosts of its `allowedOrigins` (the merchant's own sites)
 * and its follow-up setting `cardHosts` (CDNs, a campaign domain; `*.example` for subdomains).
 */
export function allowedCardHosts(app: AppHosts): string[] {
  const fromOrigins = app.allowedOrigins.map(cardUrlHost).filter((h): h is string => h !== null);
  return [...new Set([...fromOrigins, ...(app.settings.followUps?.cardHosts ?? [])])];
}

const hostMatches = (host: string, allowed: string) =>
  allowed.startsWith('*.')
    ? host.endsWith(allowed.slice(1)) && host.length > allowed.length - 1
    : host === allowed;

/**
 * The card's links that point outside the app's card hosts, as validation issues (empty: all
 * allowed). Why: a card is shown under the shop's name, so an agent account or a rule must not be
 * able to send shoppers to a look-alike site, and a picture from any host would be a tracking
 * beacon that reports the shopper's address and the time they read it.
 */
export function cardHostIssues(
  app: AppHosts,
  card: Pick<LinkCard, 'targetUrl' | 'imageUrl'>,
  path: (string | number)[] = ['card'],
): { path: (string | number)[]; message: string }[] {
  const allowed = allowedCardHosts(app);
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const field of ['targetUrl', 'imageUrl'] as const) {
    const url = card[field];
    if (url === undefined) continue;
    const host = cardUrlHost(url);
    if (host && allowed.some((a) => hostMatches(host, a))) continue;
    issues.push({
      path: [...path, field],
      message: `${host ?? 'This host'} is not one of the app's card hosts (allowedOrigins and the follow-up setting cardHosts).`,
    });
  }
  return issues;
}

/** Throws 400 `card_host_not_allowed` when a card links or shows a picture outside the app's card hosts. */
export function assertCardHostsAllowed(
  app: AppHosts,
  card: Pick<LinkCard, 'targetUrl' | 'imageUrl'>,
  path: (string | number)[] = ['card'],
): void {
  const issues = cardHostIssues(app, card, path);
  if (issues.length > 0)
    throw new ApiError(
      'card_host_not_allowed',
      `A card may only link to the app's own hosts: ${allowedCardHosts(app).join(', ') || 'none set'}. Add a host with PATCH /v1/follow-up-settings cardHosts or PATCH /v1/app allowedOrigins.`,
      issues,
    );
}
