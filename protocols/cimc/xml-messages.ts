import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The Cisco IMC XML API messages havoc sends and reads, as pure functions
 * (Cisco UCS Rack-Mount Servers CIMC XML API Programmer's Guide, "Method
 * Descriptions": aaaLogin, aaaLogout, configConfMo, configResolveDn,
 * configResolveClass; request shapes as imcsdk/imcmethodfactory.py builds
 * them). Every attribute value is escaped: fence_cisco_ucs concatenates the
 * password into the XML, so a `"` or `&` in it breaks the login.
 */

/** Escapes a string for a double-quoted XML attribute, keeping tabs and newlines (XML 1.0 3.3.3). */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"'\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}

function element(name: string, attrs: Record<string, string>, inner = ''): string {
  const text = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`)
    .join('');
  return inner === '' ? `<${name}${text}/>` : `<${name}${text}>${inner}</${name}>`;
}

export function aaaLogin(user: string, password: string): string {
  return element('aaaLogin', { inName: user, inPassword: password });
}

export function aaaLogout(cookie: string): string {
  return element('aaaLogout', { inCookie: cookie });
}

export function configResolveDn(cookie: string, dn: string): string {
  return element('configResolveDn', { cookie, dn, inHierarchical: 'false' });
}

export function configResolveClass(cookie: string, classId: string): string {
  return element('configResolveClass', { cookie, classId, inHierarchical: 'false' });
}

/** computeRackUnit adminPower values (imcsdk/mometa/compute/ComputeRackUnit.py). */
export type AdminPower =
  | 'up'
  | 'down'
  | 'soft-shut-down'
  | 'cycle-immediate'
  | 'hard-reset-immediate'
  | 'diagnostic-interrupt';

export function setAdminPower(cookie: string, dn: string, adminPower: AdminPower): string {
  const mo = element('computeRackUnit', { dn, adminPower, status: 'modified' });
  return element('configConfMo', { cookie, dn, inHierarchical: 'false' }, `<inConfig>${mo}</inConfig>`);
}

/** A parsed answer: the method element's attributes, and the managed objects under outConfig(s). */
export interface XmlApiResponse {
  method: string;
  attrs: Record<string, string>;
  objects: { className: string; attrs: Record<string, string> }[];
}

/** The error attributes every method response may carry (guide: "Failed Requests"). */
export interface XmlApiError {
  errorCode: string;
  errorDescr: string;
  invocationResult?: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  htmlEntities: true,
  // Keep every managed object as a list, whatever its count.
  isArray: (_name, jpath) => typeof jpath === 'string' && /\.(outConfig|outConfigs)\.[^.]+$/.test(jpath),
});

/** Parses one response document; throws a plain Error naming what is wrong (the caller adds the target). */
export function parseResponse(text: string): XmlApiResponse {
  // imcsdk strips NUL bytes some CIMC firmware appends (imcxmlcodec.py from_xml_str).
  const xml = text.replace(/\0/g, '').trim();
  if (xml === '') throw new Error('empty response body');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`malformed XML (${valid.err.msg}, line ${valid.err.line})`);
  const doc = parser.parse(xml) as Record<string, unknown>;
  const names = Object.keys(doc).filter((k) => k !== '?xml');
  if (names.length !== 1) throw new Error(`expected one root element, got ${names.length}`);
  const method = names[0]!;
  const root = doc[method];
  const rootObj = root && typeof root === 'object' ? (root as Record<string, unknown>) : {};
  const attrs: Record<string, string> = {};
  const objects: XmlApiResponse['objects'] = [];
  for (const [key, value] of Object.entries(rootObj)) {
    if (typeof value === 'string') attrs[key] = value;
    else if ((key === 'outConfig' || key === 'outConfigs') && value && typeof value === 'object') {
      for (const [className, list] of Object.entries(value as Record<string, unknown>)) {
        for (const mo of Array.isArray(list) ? list : [list]) {
          if (!mo || typeof mo !== 'object') continue;
          const moAttrs: Record<string, string> = {};
          for (const [k, v] of Object.entries(mo as Record<string, unknown>))
            if (typeof v === 'string') moAttrs[k] = v;
          objects.push({ className, attrs: moAttrs });
        }
      }
    }
  }
  return { method, attrs, objects };
}

/**
 * The error carried by a response, if any: either errorCode/errorDescr on the
 * method element (guide: "Unsuccessful Responses") or a bare `<error>` root
 * (imcsdk/imcxmlcodec.py from_xml_str).
 */
export function responseError(res: XmlApiResponse): XmlApiError | undefined {
  const code = res.attrs['errorCode'];
  if ((code === undefined || code === '' || code === '0') && res.method !== 'error') return undefined;
  const err: XmlApiError = { errorCode: code ?? '', errorDescr: res.attrs['errorDescr'] ?? '' };
  if (res.attrs['invocationResult']) err.invocationResult = res.attrs['invocationResult'];
  return err;
}
