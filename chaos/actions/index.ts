import type { AnyFault } from '../fault.js';
import { hostStandby } from './host-standby.js';
import { liveMigrate } from './live-migrate.js';
import { vmStop } from './vm-stop.js';

/** Every planned action (kind 'action'); adding one is a file in this folder and a line here. */
export const ACTIONS: readonly AnyFault[] = [
  liveMigrate as AnyFault,
  hostStandby as AnyFault,
  vmStop as AnyFault,
];
