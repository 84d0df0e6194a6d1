import { REQUEST_TYPES, type RequestType } from './request.ts';

// An organization's Privacy Center settings (docs/privacy-center.md "Extras: settings per organization"), checked
// here once for the API and the console: the origins that may embed the widget, and the types that need an
// identity document.

export const MAX_EMBED_ORIGINS = 20;

/** Plain http is for trying the widget on one's own machine only; every real site embeds over https. */
const LOCAL_HOSTS = ['localhost', '127.0.0.1'];
const DEFAULT_PORTS: Record<string, string> = { https: '443', http: '80' };
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Why a value is not an exact origin as a browser sends it in `Origin` (scheme, host, optional port), or null. The
 * comparison with the browser's header is exact, so what it would never send (upper case, a default port, a path)
 * is refused rather than silently never matching.
 */
export function embedOriginProblem(value: string): string | null {
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(value);
  if (!parts) return `"${value}" is not an origin: write the scheme and host, e.g. https://www.example.com`;
  const [, scheme, authority, rest] = parts as unknown as [string, string, string, string];
  if (rest !== '') return `"${value}" must be an origin only (scheme, host, optional port): no path, query or trailing slash`;
  if (authority.includes('*')) return `"${value}": list each site exactly; wildcards are not allowed`;
  if (authority.includes('@')) return `"${value}" must not contain a user name`;
  if (scheme !== scheme.toLowerCase() || authority !== authority.toLowerCase()) return `"${value}" must be written in lower case, as browsers send it`;
  const hostPort = /^([^:]+)(?::([1-9][0-9]{0,4}))?$/.exec(authority);
  if (!hostPort) return `"${value}" has an invalid host or port`;
  const [, host, port] = hostPort as unknown as [string, string, string | undefined];
  if (/[^\x00-\x7f]/.test(host)) return `"${value}": write an international domain name in its ASCII form (xn--...)`;
  if (!HOST.test(host)) return `"${value}" has an invalid host name`;
  if (scheme !== 'https' && !(scheme === 'http' && LOCAL_HOSTS.includes(host))) return `"${value}" must start with https:// (http:// only for localhost and 127.0.0.1)`;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `"${value}" has a port outside 1-65535`;
  if (port !== undefined && DEFAULT_PORTS[scheme] === port) return `"${value}": leave out the default port ${port} (browsers do not send it)`;
  return null;
}

export interface PrivacyCenterExtras {
  embedOrigins: string[];
  identityDocumentTypes: RequestType[];
}

export interface SettingsProblem {
  /** `embedOrigins` (the list), `embedOrigins.N` (one origin, as given), or `identityDocumentTypes`. */
  field: string;
  message: string;
}

/**
 * The settings as stored: origins checked and without repeats (first kept), at most 20; types known, in the
 * usual order. An opt-out of sale is never verified (CCPA 1798.135, 11 CCR 7026: no verifiable request may be
 * demanded), so no identity document may be required for it.
 */
export function checkPrivacyCenterExtras(input: { embedOrigins: readonly string[]; identityDocumentTypes: readonly string[] }): { ok: true; value: PrivacyCenterExtras } | { ok: false; problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  input.embedOrigins.forEach((origin, i) => {
    const problem = embedOriginProblem(origin);
    if (problem) problems.push({ field: `embedOrigins.${i}`, message: problem });
  });
  const origins = [...new Set(input.embedOrigins)];
  if (origins.length > MAX_EMBED_ORIGINS) problems.push({ field: 'embedOrigins', message: `at most ${MAX_EMBED_ORIGINS} origins (${origins.length} given)` });
  for (const type of input.identityDocumentTypes) {
    if (!(REQUEST_TYPES as readonly string[]).includes(type)) problems.push({ field: 'identityDocumentTypes', message: `unknown request type "${type}"; known: ${REQUEST_TYPES.join(', ')}` });
  }
  if (input.identityDocumentTypes.includes('noSale')) problems.push({ field: 'identityDocumentTypes', message: 'an opt-out of sale may not require an identity document (the law forbids verifying it)' });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { embedOrigins: origins, identityDocumentTypes: REQUEST_TYPES.filter((t) => input.identityDocumentTypes.includes(t)) } };
}
