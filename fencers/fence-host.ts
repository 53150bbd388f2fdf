import { deadlineSignal, monotonicMs } from '../core/deadline.js';
import { errorMessage, HavocError } from '../core/errors.js';
import type { HostConfig } from '../inventory/schema.js';
import { checkedDevice } from './checked-device.js';
import type { FenceContext } from './context.js';
import type { FenceDevice, PowerState } from './device.js';
import { devicesOfLevel } from './device-factory.js';
import type { DeviceRecord, FenceAction, FenceResult, LevelRecord } from './result.js';
import { driveToState, recordStep, waitForState } from './verify.js';

export interface FenceOptions {
  /** Only this level (1-based) instead of the topology in order. */
  level?: number;
  /** reboot: off then on (default), or one power-cycle command, verified by watching the host go off and come back on. */
  method?: 'onoff' | 'cycle';
  signal?: AbortSignal;
}

interface OpenLevel {
  index: number;
  devices: FenceDevice[];
  record: LevelRecord;
}

function timeoutMsOf(host: HostConfig, ctx: FenceContext): number {
  return ctx.timeoutMs ?? host.fencing.timeoutSeconds * 1000;
}

/** Runs `work` on every device of a level at once; the level is ok only if every device is. */
async function onEveryDevice(
  level: OpenLevel,
  work: (device: FenceDevice, record: DeviceRecord) => Promise<void>,
): Promise<boolean> {
  const records = level.devices.map((device) => {
    let record = level.record.devices.find((r) => r.device === device.description);
    if (!record) {
      record = { device: device.description, kind: device.kind, ok: true, steps: [] };
      level.record.devices.push(record);
    }
    return record;
  });
  await Promise.all(
    level.devices.map(async (device, i) => {
      const record = records[i]!;
      try {
        await work(device, record);
      } catch (err) {
        record.ok = false;
        record.error = errorMessage(err);
      }
    }),
  );
  level.record.ok = records.every((r) => r.ok);
  return level.record.ok;
}

async function closeAll(levels: OpenLevel[], origin: number): Promise<void> {
  await Promise.all(
    levels.flatMap((level) =>
      level.devices.map(async (device) => {
        if (!device.close) return;
        const record = level.record.devices.find((r) => r.device === device.description);
        await recordStep(record?.steps ?? [], origin, 'close', () => device.close!()).catch(() => undefined);
      }),
    ),
  );
}

/**
 * Fences one host through its topology: levels in order, every device of a
 * level must succeed, success only after the state was seen. The result
 * records every device and every step with monotonic timings.
 */
export async function fenceHost(
  host: HostConfig,
  action: FenceAction,
  ctx: FenceContext,
  options: FenceOptions = {},
): Promise<FenceResult> {
  const origin = monotonicMs();
  const parent = options.signal ?? new AbortController().signal;
  const result: FenceResult = { host: host.name, action, ok: false, levels: [], warnings: [], durationMs: 0 };
  const levelCount = host.fencing.levels.length;
  if (levelCount === 0) {
    throw new HavocError('config', `host ${host.name} has no fencing levels`, {
      hint: 'add hosts[].fencing.levels to the inventory (havoc preflight reports this too)',
    });
  }
  if (options.level !== undefined && (options.level < 1 || options.level > levelCount)) {
    throw new HavocError(
      'usage',
      `host ${host.name} has fencing levels 1 to ${levelCount}, not ${options.level}`,
    );
  }
  const indexes = options.level !== undefined ? [options.level - 1] : [...Array(levelCount).keys()];
  const opened: OpenLevel[] = [];
  const open = async (index: number): Promise<OpenLevel> => {
    const level: OpenLevel = {
      index,
      devices: (await devicesOfLevel(host, index, ctx)).map(checkedDevice),
      record: { level: index + 1, ok: false, devices: [] },
    };
    opened.push(level);
    result.levels.push(level.record);
    return level;
  };
  const timeoutMs = timeoutMsOf(host, ctx);

  try {
    switch (action) {
      case 'off':
      case 'reboot':
        for (const index of indexes) {
          const level = await open(index);
          const cycle = action === 'reboot' && options.method === 'cycle';
          // Devices found off before a cycle: they are powered on instead of watched coming back.
          const wasOff = new Set<FenceDevice>();
          const offOk = cycle
            ? await onEveryDevice(level, async (d, r) => {
                if ((await cycleAndWatchOff(d, timeoutMs, parent, r, origin)) === 'was-off') wasOff.add(d);
              })
            : await onEveryDevice(level, (d, r) =>
                driveToState(d, 'off', timeoutMs, parent, r.steps, origin),
              );
          if (!offOk) continue;
          result.ok = true;
          result.level = index + 1;
          if (action === 'reboot') {
            // The fence is the off; a failed power-on is reported but does not undo it (fence-agents API).
            const onOk = await onEveryDevice(level, (d, r) =>
              cycle && !wasOff.has(d)
                ? waitForState(
                    d,
                    'on',
                    deadlineSignal(timeoutMs, `power-on after the cycle of ${d.description}`, parent),
                    r.steps,
                    origin,
                  )
                : driveToState(d, 'on', timeoutMs, parent, r.steps, origin),
            );
            if (!onOk)
              result.warnings.push(
                cycle
                  ? `host ${host.name} was fenced (seen off after the power cycle) but was not seen on again through level ${index + 1}`
                  : `host ${host.name} was fenced (off) but did not power on again through level ${index + 1}`,
              );
          }
          break;
        }
        if (!result.ok)
          result.error = `every fencing level of ${host.name} failed; the host is NOT known to be off`;
        break;
      case 'on': {
        // Unfencing: every level's devices, so switch ports cut by a fabric level come back too.
        let allOk = true;
        for (const index of indexes) {
          const level = await open(index);
          allOk =
            (await onEveryDevice(level, (d, r) =>
              driveToState(d, 'on', timeoutMs, parent, r.steps, origin),
            )) && allOk;
        }
        result.ok = allOk;
        if (!allOk) result.error = `not every fence device of ${host.name} could be turned back on`;
        break;
      }
      case 'status':
        for (const index of indexes) {
          const level = await open(index);
          const states: PowerState[] = [];
          const ok = await onEveryDevice(level, async (d, r) => {
            const signal = deadlineSignal(timeoutMs, `status of ${d.description}`, parent);
            states.push(
              await recordStep(
                r.steps,
                origin,
                'status',
                () => d.status(signal),
                (state) => ({ state }),
              ),
            );
          });
          if (!ok) continue;
          // A host is off when every device of the level says so (every port down, or the BMC off).
          result.state = states.every((s) => s === 'off') ? 'off' : 'on';
          result.ok = true;
          result.level = index + 1;
          break;
        }
        if (!result.ok) result.error = `no fencing level of ${host.name} answered a status request`;
        break;
      case 'monitor': {
        let anyLevelOk = false;
        for (const index of indexes) {
          const level = await open(index);
          anyLevelOk =
            (await onEveryDevice(level, async (d, r) => {
              const signal = deadlineSignal(timeoutMs, `monitor of ${d.description}`, parent);
              await recordStep(r.steps, origin, 'monitor', () => d.monitor(signal));
            })) || anyLevelOk;
        }
        // Ready when at least one level can fence; every device that fails is still a warning.
        result.ok = anyLevelOk;
        for (const r of result.levels.flatMap((l) => l.devices).filter((d) => !d.ok)) {
          result.warnings.push(`${r.device}: ${r.error ?? 'monitor failed'}`);
        }
        if (!anyLevelOk) result.error = `no fencing level of ${host.name} is ready`;
        break;
      }
      case 'list': {
        result.entries = [];
        for (const index of indexes) {
          const level = await open(index);
          await onEveryDevice(level, async (d, r) => {
            if (!d.list) return;
            const signal = deadlineSignal(timeoutMs, `list of ${d.description}`, parent);
            const entries = await recordStep(r.steps, origin, 'list', () => d.list!(signal));
            result.entries!.push(...entries.map((e) => ({ device: d.description, ...e })));
          });
        }
        result.ok = result.levels.every((l) => l.ok);
        if (!result.ok) result.error = `not every fence device of ${host.name} could list its ports`;
        break;
      }
    }
  } finally {
    await closeAll(opened, origin);
    result.durationMs = monotonicMs() - origin;
  }
  return result;
}

/**
 * cycle method: one power-cycle command. fence_ipmilan reports success as
 * soon as the BMC accepts it; havoc instead watches the host go off (the
 * fence), then the caller watches it come back on. A BMC that cycles faster
 * than the status polls is never seen off, and then the fence fails: it
 * cannot be claimed.
 */
async function cycleAndWatchOff(
  device: FenceDevice,
  timeoutMs: number,
  parent: AbortSignal,
  record: DeviceRecord,
  origin: number,
): Promise<'cycled' | 'was-off'> {
  if (!device.cycle) throw new Error(`${device.description} has no power-cycle command; use method onoff`);
  const signal = deadlineSignal(timeoutMs, `cycle of ${device.description}`, parent);
  const before = await recordStep(
    record.steps,
    origin,
    'status',
    () => device.status(signal),
    (state) => ({ state }),
  );
  // Cycling an off chassis is refused by most BMCs; the host is already fenced.
  if (before === 'off') return 'was-off';
  await recordStep(record.steps, origin, 'cycle', () => device.cycle!(signal));
  await waitForState(device, 'off', signal, record.steps, origin);
  return 'cycled';
}
