export { WATCH_EVENTS, type WatchEventKey, type WatchFields, watchFields } from './events.js';
export { startWatchers, WATCHERS_BY_HA_MANAGER } from './start-watchers.js';
export type { RunningWatcher, Watcher, WatcherContext } from './watcher.js';
