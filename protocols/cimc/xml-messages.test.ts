import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { aaaLogin, escapeAttribute, parseResponse, responseError, setAdminPower } from './xml-messages.js';

const SRC = '(messages from the Cisco IMC XML API guide and CiscoUcs/imcsdk)';

describe(`CIMC XML messages ${SRC}`, () => {
  it('escapes every character that could end or corrupt an attribute', () => {
    expect(escapeAttribute(`a"b&c<d>e'f\tg\nh\ri`)).toBe('a&quot;b&amp;c&lt;d&gt;e&apos;f&#9;g&#10;h&#13;i');
  });

  it('a password with " & < survives a round trip through an XML parser unchanged', () => {
    const password = `p"w&<x>'\n y`;
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true }).parse(
      aaaLogin('admin', password),
    ) as { aaaLogin: { inName: string; inPassword: string } };
    expect(doc.aaaLogin).toEqual({ inName: 'admin', inPassword: password });
  });

  it('builds configConfMo on computeRackUnit as the guide and imcsdk do', () => {
    expect(setAdminPower('1574355909/7b8b0746', 'sys/rack-unit-1', 'down')).toBe(
      '<configConfMo cookie="1574355909/7b8b0746" dn="sys/rack-unit-1" inHierarchical="false">' +
        '<inConfig><computeRackUnit dn="sys/rack-unit-1" adminPower="down" status="modified"/></inConfig></configConfMo>',
    );
    // adminPower values of imcsdk mometa/compute/ComputeRackUnit.py: the NMI host-crash sends.
    expect(setAdminPower('c', 'sys/rack-unit-1', 'diagnostic-interrupt')).toContain(
      '<computeRackUnit dn="sys/rack-unit-1" adminPower="diagnostic-interrupt" status="modified"/>',
    );
  });

  it('reads outCookie from an aaaLogin answer (shape of ansible/ansible#65169)', () => {
    const res = parseResponse(
      '<aaaLogin cookie="" response="yes" outCookie="1574355909/7b8b0746-97de-17de-8006-e44f02735d00" outRefreshPeriod="600" outPriv="admin" outSessionId="8" outVersion="3.2(6.20180817145819)"> </aaaLogin>',
    );
    expect(res.method).toBe('aaaLogin');
    expect(res.attrs['outCookie']).toBe('1574355909/7b8b0746-97de-17de-8006-e44f02735d00');
    expect(responseError(res)).toBeUndefined();
  });

  it('reads computeRackUnit objects out of outConfigs (imcsdk test_imcfromxml.py)', () => {
    const res = parseResponse(
      '<configResolveClass cookie="c" response="yes" classId="computeRackUnit"><outConfigs>' +
        '<computeRackUnit dn="sys/rack-unit-1" adminPower="policy" model="UCSC-C240-M3L" operPower="on" serial="FCH1752V07Z">' +
        '<networkAdapterUnit slot="L" model="Intel Onboard 1Gbps Ethernet Adapter"/></computeRackUnit></outConfigs></configResolveClass>',
    );
    expect(res.objects).toEqual([
      {
        className: 'computeRackUnit',
        attrs: {
          dn: 'sys/rack-unit-1',
          adminPower: 'policy',
          model: 'UCSC-C240-M3L',
          operPower: 'on',
          serial: 'FCH1752V07Z',
        },
      },
    ]);
  });

  it('surfaces errorCode, errorDescr and invocationResult on the method element (guide: failed login)', () => {
    const res = parseResponse(
      '<aaaLogin response="yes" cookie="" errorCode="551" invocationResult="unidentified-fail" errorDescr="Authentication failed"> </aaaLogin>',
    );
    expect(responseError(res)).toEqual({
      errorCode: '551',
      errorDescr: 'Authentication failed',
      invocationResult: 'unidentified-fail',
    });
  });

  it('surfaces a bare <error> root (imcsdk imcxmlcodec.py from_xml_str)', () => {
    const res = parseResponse(
      '<error cookie="" response="yes" errorCode="ERR-xml-parse-error" invocationResult="594" errorDescr="XML PARSING ERROR: unknown attribute" />',
    );
    expect(responseError(res)).toMatchObject({ errorCode: 'ERR-xml-parse-error', invocationResult: '594' });
  });

  it('refuses malformed or empty answers with a reason, and strips NUL padding', () => {
    expect(() => parseResponse('')).toThrow('empty response body');
    expect(() => parseResponse('<aaaLogin outCookie="x>')).toThrow(/malformed XML/);
    expect(parseResponse('<aaaLogout response="yes" outStatus="success"/>\0\0').attrs['outStatus']).toBe(
      'success',
    );
  });
});
