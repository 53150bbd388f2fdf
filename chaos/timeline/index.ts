export { readTimeline, type TimelineContents } from './reader.js';
export {
  monotonicNs,
  TIMELINE_VERSION,
  type TimelineInput,
  type TimelineRecord,
  timelineRecord,
} from './schema.js';
export { openTimeline, type Timeline, type TimelineOptions } from './writer.js';
