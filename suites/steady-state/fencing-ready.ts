import { fencingOfHosts } from '../../chaos/fencing-ready.js';
import { fail, pass, type SteadyCheck } from './check.js';

/** Every host has a fencing level whose devices all answer their monitor read. */
export const fencingReady: SteadyCheck = {
  name: 'fencingReady',
  summary:
    "every host has a fencing level whose devices all answer their monitor read (the fencers' device factory)",
  async check(ctx) {
    const hosts = await fencingOfHosts(ctx.fault);
    const bad = hosts.filter((h) => !h.ready).map((h) => `${h.host}: ${h.problems.join('; ')}`);
    return bad.length
      ? fail(`fencing not ready: ${bad.join('; ')}`)
      : pass(`${hosts.length} host(s) fenceable`);
  },
};
