import { setFlagsFromString } from 'node:v8';

/*
 * The V8 heap policy of havoc's processes, set by cli/havoc.ts before the
 * CLI's modules load (loading them is what first grows the young generation),
 * for the exporter above all. A scrape is all short-lived garbage
 * (a switch scrape of 18 ports allocates ~1.3 MB: BER decoding, label sets,
 * exposition text), and under steady load V8 doubles its young generation
 * up to its maximum, 2 x 16 MiB of semi-spaces, all of it resident, though
 * it holds only the few scrapes in flight (bench/exporter-memory: new space
 * 32 MiB committed, 7-10 MiB used). Keeping the young generation at its
 * initial 1 MiB semi-spaces costs more scavenges, each of a small heap, and
 * keeps ~30 MiB off the RSS of a long-running exporter (measured: steady
 * 94-97 MiB instead of 110-140, peak 107 instead of 146-170).
 *
 * `--max-semi-space-size` would say this, but V8 reads it only when the heap
 * is created, so it would have to be on every command line that starts
 * havoc; the growth factor is read at every resize (V8 11.3, Node 20), so
 * setting it here holds for the process however it was started. A unit test
 * checks that it still takes effect, so a Node upgrade that ignores it fails
 * there instead of silently costing the memory.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
