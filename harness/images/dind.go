package images

import (
	"context"
	_ "embed"
)

//go:embed dind-entrypoint.sh
var dindEntrypoint string

// dindPackages make a Docker Engine node: Debian's docker.io (dockerd,
// containerd, runc) and what it needs to run containers and join a swarm.
const dindPackages = "docker.io,iptables,ca-certificates,iproute2"

var dindChanges = []string{
	"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"VOLUME /var/lib/docker",
	"EXPOSE 2375 2377 7946",
	`ENTRYPOINT ["/usr/local/bin/dind-entrypoint.sh"]`,
}

// Dind returns the Docker-in-Docker node image, authquake/dind:HASH: a
// Docker Engine from Debian's docker.io package in a debootstrapped root
// filesystem, imported with no registry, whose entrypoint runs dockerd with
// the container's arguments. The multinode harness starts a swarm of them.
// It is built only when asked for (Need.Dind, authquake images --dind);
// $AUTHQUAKE_DIND_IMAGE, when set, names an image to use as it is.
func (b *Builder) Dind(ctx context.Context) (string, error) {
	return b.debian(ctx, rootfsImage{
		name: "dind", version: "dind v1", packages: dindPackages, trim: docTrim, changes: dindChanges,
		files:    map[string]string{"usr/local/bin/dind-entrypoint.sh": dindEntrypoint},
		override: "AUTHQUAKE_DIND_IMAGE",
		about:    "about a minute",
	})
}
