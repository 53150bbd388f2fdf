import type { Command } from 'commander';
import { alertsCommand } from './alerts.js';
import { certifyCommand } from './certify.js';
import { chaosCommand } from './chaos.js';
import { checkCommand } from './check.js';
import type { CommandEnv } from './command-env.js';
import { dashboardsCommand } from './dashboards.js';
import { exporterCommand } from './exporter.js';
import { fenceCommand } from './fence.js';
import { fenceAgentCommand } from './fence-agent.js';
import { healCommand } from './heal.js';
import { labCommand } from './lab.js';
import { preflightCommand } from './preflight.js';
import { probeCommand } from './probe.js';
import { suiteCommand } from './suite.js';
import { timelineCommand } from './timeline.js';
import { validateCommand } from './validate.js';

/** Every subcommand, one file each; adding one is a file and a line here. */
export const SUBCOMMANDS: readonly ((env: CommandEnv) => Command)[] = [
  validateCommand,
  preflightCommand,
  checkCommand,
  certifyCommand,
  fenceCommand,
  fenceAgentCommand,
  labCommand,
  exporterCommand,
  chaosCommand,
  alertsCommand,
  dashboardsCommand,
  healCommand,
  probeCommand,
  suiteCommand,
  timelineCommand,
];
