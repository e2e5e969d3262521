package run

import (
	"context"
	"fmt"

	"github.com/authquake/authquake/harness/auth"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/target"
)

// startAuth obtains target.auth's first token before setup (its templates
// see {{.Token}}) and keeps it fresh until the returned func, which says
// in meta how it went. The token call goes where the load goes: a path is
// on the service, through the client link.
func startAuth(ctx context.Context, s *scenario.Scenario, tgt *target.Target, o *Options, meta *rundir.Meta) (func(), error) {
	if s.Target.Auth == nil {
		return func() {}, nil
	}
	src, err := auth.Start(ctx, s.Target.Auth, auth.Options{Base: tgt.Topo.Endpoints.Service,
		Client: egress.Guard{AllowRemote: o.AllowRemote}.Client(), Log: o.Log})
	if err != nil {
		return func() {}, exitcode.New(exitcode.Environment, Interrupted(ctx, err), "no load was sent: check target.auth and the token endpoint")
	}
	o.auth = src
	return func() {
		st := src.Close()
		meta.Auth = &st
		if st.FailedRefreshes > 0 || st.WithoutToken > 0 {
			meta.Warnings = append(meta.Warnings, fmt.Sprintf("auth: %d token refreshes failed (the last: %s); %d attempts were not sent for want of a valid token",
				st.FailedRefreshes, st.LastError, st.WithoutToken))
		}
	}, nil
}

// authorizer is the load's view of the token source; nil without target.auth.
func (o *Options) authorizer() load.Authorizer {
	if o.auth == nil {
		return nil
	}
	return o.auth
}
