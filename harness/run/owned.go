package run

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/authquake/authquake/harness/coord"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
	"github.com/authquake/authquake/harness/target/registry"
)

// A sharded run by hand (run --shard K/N) of a target each shard would
// otherwise start a copy of (authsim, containers: Module.Shareable false)
// shares one, started by shard 0, which owns the faults and the ledger:
//
//	shard 0: target up, setup ──publish its client link──▶ the endpoint it serves (--listen)
//	shard K: ──poll the endpoint (token-checked) until published, up to --start-at + LateJoin──▶
//	         the target is a url target at that link (request and response rules kept; no
//	         setup, metrics or faults: shard 0's), reached before any load (else exit 5);
//	         the account ids shard 0's setup captured, if any, from the endpoint (GET /refs)

// startsShared says whether s is a sharded run's scenario whose target
// shard 0 starts for every shard.
func startsShared(s *scenario.Scenario, o ShardOptions) bool {
	return o.Shard.Sharded() && !registry.Shareable(s.Target.Kind)
}

// awaitTarget, for shard K > 0 of such a run, waits for shard 0 to publish
// the client link of the target it started, and makes s's target a url
// target there. Shard 0 must publish it before the start instant (and
// LateJoin): later, the shard does not run.
func awaitTarget(ctx context.Context, s *scenario.Scenario, o Options, log io.Writer) error {
	sh := o.Shard
	if !startsShared(s, sh) || sh.Shard.Index == 0 {
		return nil
	}
	fmt.Fprintf(log, "shard %s: waiting for shard 0 to start the %s target and publish its client link\n", sh.Shard, s.Target.Kind)
	wctx, cancel := context.WithDeadline(ctx, sh.StartAt.Add(LateJoin))
	defer cancel()
	url, err := coord.NewClient(sh.Coordinator, sh.Shard.Index, sh.Token, egress.Guard{AllowRemote: o.AllowRemote}).WaitTarget(wctx)
	if err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("shard %s: %w", sh.Shard, Interrupted(ctx, err)),
			"start shard 0 first, with --start-at far enough ahead for it to start the target (images, containers, setup)")
	}
	fmt.Fprintf(log, "shard %s: the target's client link is %s\n", sh.Shard, url)
	shareTarget(s, url)
	return nil
}

// shareTarget makes s's target a url target at url, keeping how to speak
// to the service and read its answers; its setup is shard 0's.
func shareTarget(s *scenario.Scenario, url string) {
	t := s.Target
	s.Target = scenario.Target{Kind: scenario.TargetURL, URL: url, Request: t.Request, Response: t.Response,
		Capture: t.Capture, Void: t.Void, Reverse: t.Reverse, Auth: t.Auth, Webhooks: t.Webhooks, Status: t.Status, Settle: t.Settle}
	s.Setup = nil
}

// publish, on shard 0 of such a run, gives the other shards the target's
// client link, and the account ids its setup captured, through the
// endpoint it serves.
func (l *shardLink) publish(s *scenario.Scenario, tgt *target.Target, refs []string) error {
	if l.server == nil || registry.Shareable(s.Target.Kind) {
		return nil
	}
	if late := time.Since(l.startAt); late > LateJoin {
		return exitcode.New(exitcode.Environment, fmt.Errorf("the %s target was up %s after the start instant: the other shards no longer join", s.Target.Kind, late.Round(time.Second)),
			"give --start-at more lead (the target's images, containers and setup come first)")
	}
	if refs != nil {
		if err := l.server.SetRefs(refs); err != nil {
			return exitcode.New(exitcode.Environment, err, "")
		}
	}
	l.server.SetTarget(tgt.Topo.Endpoints.Service)
	return nil
}

// fetchRefs gives a shard that ran no setup the service's own account ids
// the owner's setup captured ({{.AccountRef}}): shard 0's, or the
// launcher's (authquake swarm), from the coordination endpoint.
func fetchRefs(ctx context.Context, o *Options) error {
	sh := o.Shard
	if !sh.Shard.Sharded() || sh.Coordinator == "" || o.refs != nil {
		return nil
	}
	// Shard 0 may not serve its endpoint yet (shards start on their own
	// before the start instant): ask again until it answers, up to the
	// start instant and LateJoin, as for the target.
	wctx, cancel := context.WithDeadline(ctx, later(sh.StartAt.Add(LateJoin), time.Now().Add(LateJoin)))
	defer cancel()
	refs, err := coord.NewClient(sh.Coordinator, sh.Shard.Index, sh.Token, egress.Guard{AllowRemote: o.AllowRemote}).WaitRefs(wctx)
	if err != nil {
		return exitcode.New(exitcode.Environment, fmt.Errorf("shard %s: the account ids the owner's setup captured: %w", sh.Shard, Interrupted(ctx, err)),
			"start shard 0 first, with --start-at far enough ahead")
	}
	o.refs = refs
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
