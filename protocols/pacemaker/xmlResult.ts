import { XMLParser } from 'fast-xml-parser';
import { HavocError } from '../../core/errors.js';

/** An XML element as fast-xml-parser gives it: attributes and child arrays under their tag names. */
export type XmlElement = Record<string, unknown>;

// Elements that can repeat: always arrays, so one child and many children look alike.
const REPEATED = new Set([
  'node',
  'resource',
  'clone',
  'group',
  'bundle',
  'replica',
  'failure',
  'resource_history',
  'operation_history',
  'fence_event',
  'attribute',
  'list',
  'item',
  'error',
]);

/**
 * Parses any Pacemaker XML document (a tool's output, the CIB) with
 * attributes as `@name` and the `repeated` elements always arrays.
 */
export function parsePacemakerXml(xml: string, tool: string, repeated: ReadonlySet<string>): XmlElement {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => repeated.has(name),
  });
  try {
    return parser.parse(xml, true) as XmlElement;
  } catch (err) {
    throw new HavocError('pacemaker-parse', `${tool} XML is not well-formed: ${(err as Error).message}`);
  }
}

/**
 * Parses a Pacemaker `--output-as=xml` document and returns its
 * <pacemaker-result> element, after checking the tool's own status.
 */
export function parsePacemakerResult(xml: string, tool: string): XmlElement {
  const doc = parsePacemakerXml(xml, tool, REPEATED);
  const result = doc['pacemaker-result'];
  if (typeof result !== 'object' || result === null) {
    throw new HavocError(
      'pacemaker-parse',
      `${tool}: expected a <pacemaker-result> root element (run it with --output-as=xml), got ${Object.keys(doc).join(', ') || 'nothing'}`,
    );
  }
  const status = child(result as XmlElement, 'status');
  if (status) {
    const code = attr(status, 'code', 'status');
    if (code !== '0') {
      const message = [String(status['@message'] ?? ''), ...resultErrors(result as XmlElement)].join(': ');
      throw new HavocError('pacemaker-status', `${tool} reported status ${code}: ${message}`);
    }
  }
  return result as XmlElement;
}

/**
 * The tool's own error lines (<status><errors><error>). crm_mon reports a CIB
 * it cannot reach there, with status code 0 and no cluster data.
 */
export function resultErrors(result: XmlElement): string[] {
  const errors = child(child(result, 'status') ?? {}, 'errors');
  const list = errors?.error;
  return (Array.isArray(list) ? list : []).filter((e): e is string => typeof e === 'string' && e !== '');
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  const v = el[name];
  if (Array.isArray(v)) return v[0] as XmlElement | undefined;
  return typeof v === 'object' && v !== null ? (v as XmlElement) : undefined;
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  if (!el) return [];
  const v = el[name];
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.filter((x): x is XmlElement => typeof x === 'object' && x !== null);
  // fast-xml-parser turns an empty element such as <nodes/> into "".
  return typeof v === 'object' && v !== null ? [v as XmlElement] : [];
}

export function attr(el: XmlElement, name: string, element: string): string {
  const v = el[`@${name}`];
  if (typeof v !== 'string') {
    throw new HavocError('pacemaker-parse', `<${element}> is missing attribute "${name}"`);
  }
  return v;
}

export function optAttr(el: XmlElement, name: string): string | undefined {
  const v = el[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

export function boolAttr(el: XmlElement, name: string, element: string): boolean {
  const v = attr(el, name, element);
  if (v !== 'true' && v !== 'false') {
    throw new HavocError('pacemaker-parse', `<${element}> attribute ${name}="${v}": expected true or false`);
  }
  return v === 'true';
}

export function optBoolAttr(el: XmlElement, name: string, element: string): boolean | undefined {
  return optAttr(el, name) === undefined ? undefined : boolAttr(el, name, element);
}

export function intAttr(el: XmlElement, name: string, element: string): number {
  const v = attr(el, name, element);
  if (!/^-?\d+$/.test(v))
    throw new HavocError('pacemaker-parse', `<${element}> attribute ${name}="${v}": expected an integer`);
  return Number(v);
}
