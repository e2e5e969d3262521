package fault

// resetPeerKind resets connections on a link (TCP RST) after timeout; its
// parameters are timeout's.
var resetPeerKind = toxic[timeoutParams]("reset_peer", "reset_peer", "resets connections on a link (TCP RST) after timeout",
	Always(Fails), "timeout: reset after this (0: at once)")
