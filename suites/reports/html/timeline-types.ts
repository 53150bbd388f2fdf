/** What the HTML timeline draws (timeline-model.ts computes it, timeline-svg.ts and probe-lane.ts draw parts of it). */

export interface Segment {
  fromNs: bigint;
  toNs: bigint;
  /** Short text drawn in the segment when it is wide enough. */
  label: string;
  /** CSS class: its colour. */
  cls: string;
  /** The hover text: what was seen, with timeline lines. */
  detail: string;
  /** A probe run's request count, summed when runs too narrow to draw apart share one shape. */
  requests?: number;
}

export interface Marker {
  atNs: bigint;
  cls: string;
  detail: string;
}

export type LaneKind = 'host' | 'cluster' | 'vm' | 'probe' | 'alert';

export interface Lane {
  kind: LaneKind;
  /** The inventory name (host, VM, probe, alert) the lane is about. */
  name: string;
  label: string;
  /** The watcher the lane's states come from, e.g. "pacemaker". */
  source?: string;
  note?: string;
  segments: Segment[];
  markers: Marker[];
}

export interface Window {
  kind: 'fault' | 'action' | 'step';
  fromNs: bigint;
  toNs: bigint;
  /** False when the timeline ends before the window was closed (never reverted, never done). */
  closed: boolean;
  label: string;
  detail: string;
}

export interface TimelineModel {
  originNs: bigint;
  endNs: bigint;
  lanes: Lane[];
  windows: Window[];
  steps: Window[];
  /** Host names in lane order; placement colours follow it. */
  hosts: string[];
}
