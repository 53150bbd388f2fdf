/*
 * Where havoc's ocf:havoc:qemu-vm agent (lab/ocf) keeps a VM's state, as the
 * chaos engine reads it on a host: here, because the lab may import chaos
 * and chaos may not import the lab (as chaos/lab-services.ts for the lab's
 * service script).
 */

/** A VM's state dir when its resource sets no state_dir: this root, then the resource's name. */
export const QEMU_VM_STATE_ROOT = '/run/havoc/qemu-vm';

/** The agent's stop of a migrated source keeps QEMU's query-migrate answer in this file of the state dir. */
export const MIGRATION_RECORD = 'migration.json';
