export { WATCH_EVENTS, type WatchEventKey, type WatchFields, watchFields } from './events.js';
export {
  type RunningWatcher,
  startWatchers,
  WATCHERS_BY_HA_MANAGER,
  type Watcher,
  type WatcherContext,
} from './watcher.js';
