package fault

var registry = map[string]Kind{}

// The one explicit list of fault kinds. authquake list prints it.
func init() {
	for _, k := range []Kind{
		// network: Toxiproxy toxics on a link
		latencyKind, bandwidthKind, timeoutKind, resetPeerKind, slowCloseKind, limitDataKind, downKind,
		// container: the Docker API
		pauseKind, killKind, restartKind, cpuKind, memoryKind, partitionKind,
		// service: the target's admin API
		maintenanceKind, riskKind, creditLimitKind, httpKind,
		// harness: to test authquake itself
		noopKind, errorKind,
	} {
		register(k)
	}
}
