/**
 * Load order for kernel modules, resolved from a kernel's modules.dep the way
 * modprobe does it, so the guest's /init can insmod them one by one (busybox
 * insmod knows nothing about dependencies).
 *
 * modules.dep lines read `path/to/mod.ko: dep1.ko dep2.ko ...`, where the list
 * is the full transitive closure with the deepest dependency LAST; modprobe
 * loads it back to front. We resolve recursively anyway, so a hand-written or
 * partial modules.dep still yields a valid order.
 */

export interface ModuleDep {
  /** Path relative to /lib/modules/<version>, as written in modules.dep. */
  path: string;
  deps: string[];
}

/** Module name as modprobe spells it: basename, no .ko/.ko.xz/.ko.zst/.ko.gz, '-' folded to '_'. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replaceAll('-', '_');
}

/** Parses modules.dep text; a malformed line is an error naming its line number. */
export function parseModulesDep(text: string, source = 'modules.dep'): Map<string, ModuleDep> {
  const byName = new Map<string, ModuleDep>();
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new Error(
        `${source} line ${index + 1}: expected "module.ko: deps...", got ${JSON.stringify(raw)}`,
      );
    }
    const path = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((d) => d !== '');
    byName.set(moduleName(path), { path, deps });
  }
  return byName;
}

/**
 * The paths to load, dependencies first, each once, for the wanted module
 * names (in the order asked where dependencies allow), skipping the ones
 * built into the kernel. Throws naming any other wanted module that
 * modules.dep does not list, and any dependency cycle.
 */
export function resolveLoadOrder(
  deps: Map<string, ModuleDep>,
  wanted: readonly string[],
  builtin: ReadonlySet<string> = new Set(),
): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();

  const visit = (name: string, wantedBy: string | undefined): void => {
    if (done.has(name)) return;
    const entry = deps.get(name);
    if (!entry) {
      const by = wantedBy ? ` (needed by ${wantedBy})` : '';
      throw new Error(`module ${name}${by} is neither in modules.dep nor in modules.builtin`);
    }
    if (visiting.has(name)) throw new Error(`dependency cycle in modules.dep at module ${name}`);
    visiting.add(name);
    // Deepest dependency is listed last: walk back to front like modprobe.
    for (const dep of [...entry.deps].reverse()) visit(moduleName(dep), name);
    visiting.delete(name);
    done.add(name);
    order.push(entry.path);
  };

  for (const name of wanted) {
    const folded = name.replaceAll('-', '_');
    // A driver compiled into this kernel needs no insmod.
    if (!builtin.has(folded)) visit(folded, undefined);
  }
  return order;
}

/** Names of the modules built into the kernel, from modules.builtin (one path per line). */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map(moduleName),
  );
}
