/**
 * The script a lab host keeps in its private /run (written by its boot.sh,
 * lab/boot-script.ts) to start one of its boot services again, as the boot
 * did: `LAB_SERVICE_SCRIPT start SERVICE [PROGRAM]`. It waits for the boot
 * to finish and does nothing when PROGRAM already runs, so a revert racing
 * a host the cluster just rebooted never starts a daemon twice.
 */
export const LAB_SERVICE_SCRIPT = '/run/havoc-lab/service';
/** boot.sh creates it once every boot service was started. */
export const LAB_BOOTED_MARKER = '/run/havoc-lab/booted';
