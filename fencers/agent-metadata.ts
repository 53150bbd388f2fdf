/** The metadata XML pacemaker-fenced reads to learn what the agent takes and does. */
export function agentMetadata(): string {
  const param = (name: string, required: boolean, type: string, short: string, extra = '') =>
    `  <parameter name="${name}" unique="0" required="${required ? 1 : 0}"${extra}>
    <getopt mixed="--${name}=[value]" />
    <content type="${type}" />
    <shortdesc lang="en">${short}</shortdesc>
  </parameter>`;
  return `<?xml version="1.0" ?>
<resource-agent name="fence_havoc" shortdesc="Fence agent for havoc's fencing topology (IPMI, Redfish, CIMC, switch ports)">
<longdesc>fence_havoc fences a host through the fencing levels of a havoc cluster inventory: native IPMI 2.0 (cipher suites 17 and 3, never 0 unless allowed), Redfish, Cisco CIMC and SNMP switch ports. It reports success only after the host (or every port) was seen off. Secrets stay in the inventory's secret files; none is passed on a command line.</longdesc>
<parameters>
${param('action', false, 'string', 'Fencing action', ' deprecated="0"').replace('<content type="string" />', '<content type="string" default="reboot" />')}
${param('plug', true, 'string', 'Host name in the inventory (Pacemaker passes it; pcmk_host_map maps node names)', ' obsoletes="port"')}
${param('port', false, 'string', 'Host name in the inventory', ' deprecated="1"')}
${param('inventory', false, 'string', "Path of the havoc inventory (default: $HAVOC_INVENTORY, then the lab's)")}
${param('level', false, 'integer', 'Use only this fencing level (1-based); default: every level in order')}
${param('method', false, 'select', 'Reboot method: onoff (default) or cycle').replace('<content type="select" />', '<content type="select" default="onoff">\n      <option value="onoff" />\n      <option value="cycle" />\n    </content>')}
${param('power_timeout', false, 'second', 'Deadline in seconds of the whole operation (default 60) and of each device to be seen off or on (default: the inventory fencing.timeoutSeconds)')}
${param('delay', false, 'second', 'Wait this many seconds before off or reboot (against fence races)').replace('<content type="second" />', '<content type="second" default="0" />')}
${param('verbose', false, 'boolean', 'Log every step on stderr')}
</parameters>
<actions>
  <action name="on" automatic="0"/>
  <action name="off" />
  <action name="reboot" />
  <action name="status" />
  <action name="list" />
  <action name="monitor" />
  <action name="metadata" />
  <action name="validate-all" />
</actions>
</resource-agent>
`;
}
