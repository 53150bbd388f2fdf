import type { SampleSink } from './sample.js';

/** Writes each sample as one JSON line as soon as it is taken (stdout or a file stream). */
export function jsonLinesSink(stream: NodeJS.WritableStream): SampleSink {
  return (sample) => {
    stream.write(`${JSON.stringify(sample)}\n`);
  };
}
