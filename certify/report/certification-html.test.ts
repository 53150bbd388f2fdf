import { describe, expect, it } from 'vitest';
import { goWithWaiversCertification, noGoCertification } from '../../test/support/certification-fixture.js';
import { SECTION_TITLES } from '../certification.js';
import { renderCertificationHtml } from './certification-html.js';
import { folderHref } from './evidence-html.js';
import { sectionParts, shownStatus } from './shown-status.js';
import { differingPackages } from './versions-table.js';

/*
 * The report as text, without a browser: every line is in it once, in its
 * section, in SECTION_TITLES order; statuses, waivers and versions are shown
 * as the verdict rule and the data say; text from the cluster or a user's
 * file never becomes markup. The browser and the PDF are tested in
 * certification-report.integration.test.ts.
 */

function attrs(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

describe('renderCertificationHtml', () => {
  it('holds every line once, grouped by section in SECTION_TITLES order', () => {
    for (const cert of [goWithWaiversCertification(), noGoCertification()]) {
      const html = renderCertificationHtml(cert);
      const ids = [...html.matchAll(/<tr class="line" id="[^"]*" data-id="([^"]*)"/g)].map((m) => m[1]!);
      const order = Object.keys(SECTION_TITLES);
      const expected = [...cert.lines]
        .sort((a, b) => order.indexOf(a.section) - order.indexOf(b.section))
        .map((l) => l.id);
      expect(ids).toEqual(expected);
      expect([...html.matchAll(/<h2 id="section-([^"]+)">/g)].map((m) => m[1])).toEqual(order);
      expect(html).toContain(`<span id="verdict">${cert.verdict}</span>`);
      expect(html).toContain(cert.inventory.sha256);
    }
  });

  it('counts waived lines as waived, and lines whose waiver expired as blocking with the date', () => {
    const nogo = noGoCertification();
    const live = sectionParts(nogo.lines).find((p) => p.section === 'live-checks')!;
    expect(live.counts).toEqual({
      pass: 2,
      warning: 1,
      fail: 2,
      error: 1,
      inconclusive: 0,
      waived: 0,
      'not-applicable': 0,
    });
    const html = renderCertificationHtml(nogo);
    expect(html).toMatch(/data-id="live\.corosync\.links" data-status="warning" data-shown="warning"/);
    expect(html).toContain('Waiver expired on 2026-12-05');
    const fencing = sectionParts(nogo.lines).find((p) => p.section === 'fencing')!;
    expect(fencing.counts.inconclusive).toBe(2);

    const go = goWithWaiversCertification();
    expect(go.lines.filter((l) => shownStatus(l) === 'waived').map((l) => l.id)).toEqual([
      'preflight.redundancy.single-link.host1',
      'preflight.redundancy.single-link.host2',
      'live.corosync.links',
      'suite.nightly.power-off.restartedWithin',
    ]);
    const goHtml = renderCertificationHtml(go);
    expect(goHtml).toMatch(/data-id="live\.corosync\.links" data-status="warning" data-shown="waived"/);
    expect(goHtml).toContain('by Lee Marchetti (VM owner) until 2027-01-15');
  });

  it('draws one bar per section whose segments add up to its lines', () => {
    const cert = noGoCertification();
    const html = renderCertificationHtml(cert);
    const bars = [
      ...html.matchAll(
        /<g class="bar" data-section="([^"]+)" data-total="(\d+)">(.*?)<\/g><text class="chart-counts"/g,
      ),
    ];
    expect(bars.map((b) => b[1])).toEqual(Object.keys(SECTION_TITLES));
    for (const [, section, total, body] of bars) {
      expect(Number(total)).toBe(cert.lines.filter((l) => l.section === section).length);
      const segs = [...body!.matchAll(/data-count="(\d+)"/g)].map((m) => Number(m[1]));
      expect(segs.reduce((a, b) => a + b, 0)).toBe(Number(total));
    }
    // Every status has a letter and a word in the legend, for a black and white print.
    expect(html).toMatch(/<text[^>]*>F fail<\/text>/);
    expect(html).toMatch(/<text[^>]*>V waived<\/text>/);
  });

  it('cuts a long list of reasons on the cover and gives it in full on the next page', () => {
    const nogo = noGoCertification();
    expect(nogo.verdictReasons.length).toBe(9);
    const html = renderCertificationHtml(nogo);
    expect(html).toContain('and 1 more, listed in full on the next page');
    expect(html).toContain('Deciding reasons (all 9)');
    expect(renderCertificationHtml(goWithWaiversCertification())).not.toContain('Deciding reasons (all');
  });

  it('highlights a package whose version differs between hosts', () => {
    const nogo = noGoCertification();
    expect([...differingPackages(nogo.versions)]).toEqual(['pacemaker']);
    const html = renderCertificationHtml(nogo);
    expect(attrs(html, 'data-package').length).toBe(Object.keys(nogo.versions.host1!).length);
    expect(html).toMatch(/<tr class="version differs" data-package="pacemaker">/);
    expect(html).not.toMatch(/<tr class="version differs" data-package="corosync">/);
    expect(differingPackages(goWithWaiversCertification().versions).size).toBe(0);
  });

  it('says so when the verdict does not agree with the lines', () => {
    const cert = noGoCertification();
    cert.verdict = 'GO';
    expect(renderCertificationHtml(cert)).toContain('the lines do not agree with this verdict');
    expect(renderCertificationHtml(noGoCertification())).not.toContain('do not agree');
  });

  it('keeps hostile text as text: no element, attribute or script comes from the data', () => {
    const cert = goWithWaiversCertification();
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\'';
    cert.cluster = hostile;
    cert.verdictReasons.push(hostile);
    cert.waiverProblems.push(hostile);
    cert.notRun.push(hostile);
    cert.versions.host1!['<b>pkg</b>'] = hostile;
    const line = cert.lines[0]!;
    Object.assign(line, {
      id: hostile,
      title: hostile,
      message: hostile,
      measured: hostile,
      target: hostile,
      remediation: hostile,
      references: [hostile],
      evidence: [
        { label: hostile, text: hostile },
        { label: 'a file', file: 'evidence/<script>"x".txt' },
        { label: 'a scheme', file: 'javascript:alert(3)' },
      ],
    });
    line.waiver = {
      id: hostile,
      reason: hostile,
      by: hostile,
      expires: hostile,
      source: hostile,
      state: 'applied',
    };
    const html = renderCertificationHtml(cert);
    expect(html).not.toMatch(/<script|<img|<b>/i);
    // Text and quoted attribute values may say "onerror=" (escaped); no tag may hold it as an attribute.
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\sonerror=/);
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;',
    );
    expect(attrs(html, 'href')).toContain('evidence/%3Cscript%3E%22x%22.txt');
    expect(attrs(html, 'href')).toContain('javascript%3Aalert(3)');
  });

  it('links only paths inside the folder', () => {
    expect(folderHref('evidence/live/host1/corosync.conf')).toBe('evidence/live/host1/corosync.conf');
    expect(folderHref('evidence/a b#c?.txt')).toBe('evidence/a%20b%23c%3F.txt');
    for (const outside of ['../secret', '/etc/passwd', 'evidence/../../x', 'a//b', '', 'C:\\x'])
      expect(folderHref(outside), outside).toBeUndefined();
    const cert = goWithWaiversCertification();
    cert.lines[0]!.evidence = [{ label: 'outside', file: '../../etc/shadow' }];
    const html = renderCertificationHtml(cert);
    expect(html).toContain('<code class="evidence-outside">../../etc/shadow</code>');
    expect(attrs(html, 'href').some((h) => h.includes('shadow'))).toBe(false);
  });

  it('cuts a long inline text and says where the rest is', () => {
    const cert = goWithWaiversCertification();
    cert.lines[0]!.evidence = [
      { label: 'long', text: Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') },
    ];
    const html = renderCertificationHtml(cert);
    expect(html).toContain('line 39</pre>');
    expect(html).not.toContain('line 40');
    expect(html).toContain('60 more lines in certification.json');
  });
});
