/*
 * The report's one stylesheet, inline (the file must open with no network):
 * system fonts only, colours that read in print. Placement colours h0..h7
 * follow the host lanes' order.
 */
export const REPORT_CSS = `
:root { --pass: #1a7f37; --fail: #cf222e; --inconclusive: #9a6700; --aborted: #6e7781; --ink: #1f2328; --muted: #656d76; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); margin: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
pre { white-space: pre-wrap; margin: 4px 0; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; font-weight: 600; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.inconclusive { background: var(--inconclusive); } .badge.aborted { background: var(--aborted); }
.summary td:first-child { color: var(--muted); white-space: nowrap; }
.muted { color: var(--muted); }
details summary { cursor: pointer; color: var(--muted); }
#detail { position: sticky; top: 0; min-height: 3.2em; background: #f6f8fa; border: 1px solid #d0d7de; padding: 4px 8px; margin: 6px 0; white-space: pre-wrap; }
.timeline-wrap { overflow-x: auto; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--ink); }
svg .grid { stroke: #eaeef2; }
svg .lane-bg { fill: #f6f8fa; }
svg .lane-note { fill: var(--muted); }
svg .seg-label { fill: #fff; pointer-events: none; }
svg .band-label { pointer-events: none; }
svg .step { fill: #ddf4ff; stroke: #54aeff; }
svg .window.w-fault { fill: #ffebe9; stroke: #cf222e; }
svg .window.w-action { fill: #ddf4ff; stroke: #0969da; }
svg .window.w-open { stroke-dasharray: 4 2; stroke-width: 2; }
svg .shade { pointer-events: none; stroke-width: 1; stroke-dasharray: 3 2; }
svg .shade.w-fault { fill: rgba(207, 34, 46, 0.10); stroke: rgba(207, 34, 46, 0.7); }
svg .shade.w-action { fill: rgba(9, 105, 218, 0.10); stroke: rgba(9, 105, 218, 0.7); }
svg .s-online { fill: #2da44e; } svg .s-offline { fill: #6e7781; } svg .s-unclean { fill: #cf222e; }
svg .s-standby, svg .s-maintenance, svg .s-pending { fill: #bf8700; } svg .s-unknown { fill: #8c959f; fill-opacity: 0.5; }
svg .p-up { fill: #2da44e; } svg .p-down { fill: #cf222e; }
svg .mixed { fill: #8c959f; } svg .mixed-down { fill: #e79095; }
svg .v-stopped { fill: #8c959f; } svg .v-failed, svg .v-double { fill: #a40e26; }
svg .h0 { fill: #0969da; } svg .h1 { fill: #8250df; } svg .h2 { fill: #bc4c00; } svg .h3 { fill: #1b7c83; }
svg .h4 { fill: #bf3989; } svg .h5 { fill: #4d2d00; } svg .h6 { fill: #116329; } svg .h7 { fill: #57606a; }
svg .a-firing { fill: #fa4549; fill-opacity: 0.6; }
svg .marker { stroke: #fff; stroke-width: 0.8; }
svg .m-fence-success { fill: #1f2328; } svg .m-fence-failed { fill: #cf222e; } svg .m-fence-pending { fill: #bf8700; }
svg .m-boot { fill: #fb8f44; } svg .m-counter { fill: #8250df; } svg .m-lifecycle { fill: #57606a; }
svg .m-alert-firing { fill: #cf222e; } svg .m-alert-resolved { fill: #2da44e; }
svg :has(> title):hover { stroke: #1f2328; stroke-width: 1.5; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: -1px; }
`;
