import {
  COUNTER_MAGIC,
  GUEST_ECHO_PORT,
  GUEST_HTTP_PORT,
} from '../../protocols/guest-status/guest-status.js';

/** Where the initramfs keeps the modules (flattened) and their load order. */
export const GUEST_MODULE_DIR = '/lib/modules';
export const GUEST_MODULE_LIST = '/etc/havoc/modules';

/**
 * The guest's /init (busybox ash). It is PID 1, so nothing may make it exit:
 * every service runs in a restart loop and the script ends in a sleep loop.
 *
 * Kernel command line: havoc.ip=ADDR/PREFIX (required), havoc.gw=ADDR,
 * havoc.name=HOSTNAME. The MAC comes from QEMU's virtio-net device.
 *
 * Counter: every 100 ms the next value is written to sector 0 of /dev/vda and
 * fsync'd (a flush that reaches the NBD server) before HTTP shows it, so the
 * value served is always one the disk acknowledged. At boot it continues from
 * the value found on the disk + 1; a lost acknowledged write therefore shows
 * as the counter going backwards.
 */
export function guestInitScript(): string {
  return `#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /run /tmp /www
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
say() { echo "havoc-guest: $*" > /dev/console; }

for m in $(cat ${GUEST_MODULE_LIST}); do
  insmod ${GUEST_MODULE_DIR}/$m || say "insmod $m failed"
done

param() {
  for a in $(cat /proc/cmdline); do
    case "$a" in "$1"=*) echo "\${a#*=}"; return;; esac
  done
}
ip_cidr=$(param havoc.ip)
gw=$(param havoc.gw)
name=$(param havoc.name)
[ -n "$name" ] && hostname "$name"

wait_for() {
  i=0
  while ! [ -e "$1" ]; do
    i=$((i+1)); [ $i -gt 200 ] && { say "$1 did not appear"; return 1; }
    sleep 0.05
  done
}

ip link set lo up
wait_for /sys/class/net/eth0
ip link set eth0 up
if [ -n "$ip_cidr" ]; then ip addr add "$ip_cidr" dev eth0; else say "no havoc.ip on the kernel command line"; fi
[ -n "$gw" ] && ip route add default via "$gw"

boot_id=$(cat /proc/sys/kernel/random/boot_id)
printf 'boot_id=%s counter=none\\n' "$boot_id" > /www/index.html

while :; do httpd -f -p ${GUEST_HTTP_PORT} -h /www; sleep 1; done &
while :; do nc -ll -p ${GUEST_ECHO_PORT} -e cat; sleep 1; done &

wait_for /dev/vda
last=$(dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -n 1 | sed -n 's/^${COUNTER_MAGIC} \\([0-9][0-9]*\\) .*/\\1/p')
n=$(( \${last:-0} + 1 ))
say "ready ip=$ip_cidr boot_id=$boot_id counter_from=$n uptime=$(cut -d" " -f1 /proc/uptime)s"

while :; do
  if printf '${COUNTER_MAGIC} %s %s\\n' "$n" "$boot_id" | dd of=/dev/vda bs=512 count=1 conv=sync,notrunc,fsync 2>/dev/null; then
    printf 'boot_id=%s counter=%s\\n' "$boot_id" "$n" > /www/.index.tmp && mv /www/.index.tmp /www/index.html
    n=$((n+1))
  else
    say "counter write $n failed"
  fi
  sleep 0.1
done &

while :; do sleep 3600; done
`;
}
