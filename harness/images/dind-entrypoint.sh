#!/bin/sh
# Entrypoint of authquake's Docker-in-Docker node image (authquake/dind): a
# Docker Engine in a container, one node of a simulated multi-node swarm.
# The arguments go to dockerd (e.g. --host=tcp://0.0.0.0:2375 --tls=false).
# The container needs the capabilities and mounts the multinode harness gives
# it: every capability the host's engine may grant, no seccomp filter, the
# system paths unmasked, a private cgroup namespace and a tmpfs on
# /var/lib/docker (overlay2 needs one where the container's own root is a
# fuse-overlayfs or overlay mount; elsewhere dockerd picks its driver).
set -eu
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	# cgroup v2: move every process out of the root so that child groups
	# may enable the controllers.
	mkdir -p /sys/fs/cgroup/init
	xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
	sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || :
else
	# cgroup v1: the hierarchies are bind mounts made read-only outside
	# --privileged; a plain remount says "busy", a bind remount does it.
	for d in /sys/fs/cgroup/*; do
		mount -o remount,bind,rw "$d" 2>/dev/null || echo "dind: $d stays read-only" >&2
	done
fi
rm -f /var/run/docker.pid /run/docker/containerd/containerd.pid
exec dockerd --host=unix:///var/run/docker.sock "$@"
