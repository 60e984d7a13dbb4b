import { z } from 'zod';
import { channelSlug } from './common';
import { voiceSettingsBody, voiceSettingsView } from './voice';

// Schemes that run or embed content rather than name a site: never an origin or a link base.
const SCRIPT_SCHEMES = /^(javascript|data|vbscript|file|blob|about):/i;

// Host names as they appear in an Origin: dot-separated labels of letters, digits and inner hyphens
// (IDNs in their xn-- form); a final dot is a different, valid name.
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?$/;

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443', ws: '80', wss: '443' };
// A host of digits and dots is an IPv4 address, which browsers write as four plain decimal numbers.
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * True when a browser could send exactly this in an Origin header: a real host, a port from 1 to
 * 65535 and not the scheme's default (`https://x:443` arrives as `https://x`), an IPv4 address in
 * its plain form — so no entry is accepted that can never match. (Written without `URL`, which
 * some SDK hosts lack.)
 */
function isSendableOrigin(value: string): boolean {
  const parts = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[^:/[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!parts) return false;
  const [, scheme, host, port] = parts as unknown as [string, string, string, string | undefined];
  if (port !== undefined) {
    if (port.startsWith('0') || Number(port) > 65_535) return false;
    if (Object.hasOwn(DEFAULT_PORTS, scheme) && DEFAULT_PORTS[scheme] === port) return false;
  }
  if (host.startsWith('[')) return true;
  if (/^[\d.]+$/.test(host)) return IPV4.test(host);
  return HOST_NAME.test(host);
}

/**
 * A browser origin exactly as browsers send it in the Origin header: `scheme://host[:port]`, no
 * path, no trailing slash, lowercase, no default port. App schemes (capacitor://localhost) are
 * fine; script-like schemes are not.
 */
export const appOrigin = z
  .string()
  .max(200)
  .regex(
    /^[a-z][a-z0-9+.-]*:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/,
    'An origin is scheme://host[:port] in lowercase, with no path or trailing slash (e.g. https://shop.example).',
  )
  .refine((value) => !SCRIPT_SCHEMES.test(value), 'This scheme cannot be an origin.')
  .refine(
    isSendableOrigin,
    'No browser sends this origin: leave out default ports (:443 for https, :80 for http) and use a real host name and a port from 1 to 65535.',
  );

/** A link base for handoff QR codes: an absolute http(s) URL. */
export const linkBase = z
  .url({ protocol: /^https?$/, error: 'The link base must be an http(s) URL.' })
  .max(500);

const perWindow = (max: number) => z.number().int().min(1).max(max);

/**
 * Rate limits an app may tune (each omitted one keeps its default; see docs/security.md). Windows
 * are fixed: per minute, per hour, or concurrent.
 */
export const rateLimitSettings = z
  .object({
    sessionsPerIpPerMinute: perWindow(100_000),
    sessionsPerAppPerMinute: perWindow(1_000_000),
    messagesPerSessionPerMinute: perWindow(10_000),
    messagesPerIpPerMinute: perWindow(100_000),
    messagesPerAppPerMinute: perWindow(1_000_000),
    trackPerSessionPerMinute: perWindow(10_000),
    trackPerIpPerMinute: perWindow(100_000),
    handoffsPerSessionPerHour: perWindow(10_000),
    handoffsPerIpPerHour: perWindow(100_000),
    handoffsPerAppPerHour: perWindow(1_000_000),
    streamsPerSession: perWindow(1_000),
    streamsPerIp: perWindow(100_000),
    handoffClaimFailuresPerIpPerMinute: perWindow(10_000),
    handoffClaimFailuresPerDevicePerHour: perWindow(10_000),
  })
  .strict();
export type RateLimitSettings = z.infer<typeof rateLimitSettings>;

/** A BCP 47 language tag (en-US, zh-CN, zh-Hant-TW): the shop's language, wherever it is set. */
export const languageTag = z
  .string()
  .regex(/^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8}){0,3}$/, 'A BCP 47 language tag, e.g. en-US or zh-CN');

/** What a merchant may change about its app with the secret key. Omitted fields stay as they are. */
export const updateAppBody = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    /** Browser origins allowed to start sessions with the publishable key; [] allows any. */
    allowedOrigins: z.array(appOrigin).max(50).optional(),
    /** Channel slugs beyond the 12 defaults (e.g. a kuaishou_live). */
    extraChannels: z.array(channelSlug).max(50).optional(),
    identityTokenMaxLifetimeSec: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .optional(),
    handoffTtlSec: z
      .number()
      .int()
      .min(60)
      .max(24 * 3600)
      .optional(),
    /** Link base for handoff QR codes, e.g. https://shop.example/continue → …?handoff=CODE */
    handoffUrlBase: linkBase.nullable().optional(),
    /** Region (ISO 3166 alpha-2) for phone numbers written without a country code. Default CN. */
    phoneRegion: z
      .string()
      .regex(/^[A-Z]{2}$/, 'Two capital letters, e.g. CN')
      .optional(),
    /**
     * The app's IANA time zone (default Asia/Shanghai): insights count days, weeks and months in it,
     * and follow-up quiet hours are read in it unless follow-ups override it.
     */
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .refine(
        (zone) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: zone });
            return true;
          } catch {
            return false;
          }
        },
        { message: 'An IANA time zone, e.g. Asia/Shanghai' },
      )
      .optional(),
    /**
     * The shop's language (BCP 47, e.g. en-US, zh-CN): the web widget speaks it unless the page sets
     * `lang` itself; it comes before the page's `<html lang>` and the browser's. null clears it.
     */
    language: languageTag.nullable().optional(),
    /** Limits to change; null restores every default. */
    rateLimits: rateLimitSettings.partial().nullable().optional(),
    /**
     * Delete messages (and the event log's copies) older than this many days, on every channel;
     * null keeps them until erased. Applied by the server's hourly sweep.
     */
    messageRetentionDays: z.number().int().min(1).max(3650).nullable().optional(),
    /** The mini-program's appid and secret for jscode2session; null removes them. */
    wechat: z
      .object({ appId: z.string().min(1).max(64), secret: z.string().min(1).max(128) })
      .nullable()
      .optional(),
    /** The phone line's voice bot and the brand voices; null clears every voice setting. */
    voice: voiceSettingsBody.nullable().optional(),
  })
  .strict();
export type UpdateAppBody = z.infer<typeof updateAppBody>;

export const appAnswer = z.object({
  app: z.object({
    id: z.string(),
    name: z.string(),
    allowedOrigins: z.array(z.string()),
    channels: z.array(z.string()),
    identityTokenMaxLifetimeSec: z.number(),
    handoffTtlSec: z.number(),
    handoffUrlBase: z.string().nullable(),
    phoneRegion: z.string(),
    /** The limits in force, defaults included. */
    rateLimits: rateLimitSettings,
    wechat: z.object({ appId: z.string() }).nullable(),
    voice: voiceSettingsView,
    /** Messages older than this many days are deleted; null keeps them. */
    messageRetentionDays: z.number().int().nullable(),
    /** The app's time zone (canonical IANA name): insights periods, follow-up quiet hours. */
    timeZone: z.string(),
    /** The shop's language for the web widget (BCP 47); null: the page and browser decide. */
    language: z.string().nullable(),
  }),
});
export type AppAnswer = z.infer<typeof appAnswer>;

/**
 * Rotates one credential: the new one is shown once; the old one keeps working for the overlap.
 * `identity` is the secret the merchant backend signs identity tokens with.
 */
export const rotateKeyBody = z
  .object({
    kind: z.enum(['publishable', 'secret', 'agent', 'identity']),
    /** With kind `agent`: whose token. */
    agentId: z.string().max(64).optional(),
    /** How long the old credential keeps working, seconds (0 ends it now). Default one day. */
    overlapSec: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3600)
      .optional(),
  })
  .strict()
  .refine((body) => body.kind !== 'agent' || body.agentId, {
    message: 'kind agent needs agentId',
    path: ['agentId'],
  });
export type RotateKeyBody = z.infer<typeof rotateKeyBody>;

export const rotateKeyAnswer = z.object({
  kind: z.enum(['publishable', 'secret', 'agent', 'identity']),
  /** The new credential, shown once. */
  key: z.string(),
  prefix: z.string(),
  /** When the credentials it replaces stop working. */
  previousValidUntil: z.string(),
});
export type RotateKeyAnswer = z.infer<typeof rotateKeyAnswer>;

export const revokedAnswer = z.object({ revoked: z.number().int() });
export type RevokedAnswer = z.infer<typeof revokedAnswer>;

/**
 * The shop's language alone (`PUT /v1/app/language`): what a supervisor may change from the console
 * without the secret key, which also holds origins, keys and limits. null: the page and browser decide.
 */
export const appLanguageBody = z.object({ language: languageTag.nullable() }).strict();
export type AppLanguageBody = z.infer<typeof appLanguageBody>;

export const appLanguageAnswer = z.object({
  /** BCP 47, or null when the page and the browser decide. */
  language: z.string().nullable(),
});
export type AppLanguageAnswer = z.infer<typeof appLanguageAnswer>;
