package k8s

import (
	"fmt"
	"strings"
)

// Commands is how to run the manifests on a real cluster and bring the
// shard directories back for authquake merge, with the names filled in.
func Commands(o Options, file, local string) string {
	ns := o.nsFlag()
	var b strings.Builder
	fmt.Fprintf(&b, `wrote %s: %d shards of %s starting at %s
(it holds the run's token, Secret %s-token: keep it private; the NetworkPolicy binds where the network plugin enforces it)

1. Make the image pullable by the cluster (it was built locally by authquake images):
     docker tag authquake/authquake:local REGISTRY/authquake:TAG && docker push REGISTRY/authquake:TAG
     (then authquake k8s ... --image REGISTRY/authquake:TAG), or on kind: kind load docker-image %s
2. Apply before the start instant (the shards wait for it):
     kubectl%s apply -f %s
3. Wait for the shards (a failed shard is not retried: merge reports what it never sent):
     kubectl%s wait --for=condition=complete --timeout=2h job/%s || kubectl%s get pods -l batch.kubernetes.io/job-name=%s
4. Bring the shard directories back and merge them:
     kubectl%s wait --for=condition=ready pod/%s-collect
     kubectl%s exec %s-collect -- /app pack /out > %s-shards.tar.gz
     mkdir -p %s && tar xzf %s-shards.tar.gz -C %s
     authquake merge %s/*-shard* --out %s/merged
5. Remove everything:
     kubectl%s delete -f %s
`, file, o.Workers, o.Name, o.StartAt.UTC().Format("2006-01-02T15:04:05Z07:00"), o.Name, o.Image,
		ns, file, ns, o.Name, ns, o.Name, ns, o.Name, ns, o.Name, o.Name, local, o.Name, local, local, local, ns, file)
	return b.String()
}
