package multinode

import (
	"os"
	"strconv"
	"strings"
)

// capNames are the capabilities Docker knows, by bit number.
var capNames = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
}

// nodeCaps are the capabilities a node container gets: every one in this
// process's bounding set (the engine's, when it runs on this machine as
// root). --privileged asks for all of them and fails where the engine
// lacks one ("unable to apply caps": a sandbox without CAP_SYS_RESOURCE),
// so a node asks only for what the engine can grant.
func nodeCaps() []string {
	status, _ := os.ReadFile("/proc/self/status")
	return capsIn(string(status))
}

// capsIn names the capabilities of the bounding set in a
// /proc/PID/status text; all of them when it has none.
func capsIn(status string) []string {
	bound := ^uint64(0)
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			if b, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil {
				bound = b
			}
		}
	}
	var out []string
	for bit, name := range capNames {
		if bound&(1<<bit) != 0 {
			out = append(out, name)
		}
	}
	return out
}
