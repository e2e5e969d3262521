package fault

var registry = map[string]Kind{}

// The one explicit list of the fault kinds every target has. authquake list
// prints it with the kinds that target modules add (harness/target's
// registry calls Register for each, e.g. authsim's credit_limit).
func init() {
	for _, k := range []Kind{
		// network: Toxiproxy toxics on a link
		latencyKind, bandwidthKind, timeoutKind, resetPeerKind, slowCloseKind, limitDataKind, downKind,
		// container: the Docker API
		pauseKind, killKind, restartKind, cpuKind, memoryKind, partitionKind,
		// service: the service's own switch
		httpKind,
		// harness: to test authquake itself
		noopKind, errorKind,
	} {
		register(k)
	}
}
