package run

import (
	"fmt"

	"github.com/authquake/authquake/harness/exitcode"
	"github.com/authquake/authquake/harness/load"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/webhook"
)

// startWebhooks serves target.webhooks before setup (whose templates, like
// the requests', see {{.NotifyURL}}) and until the returned func, which
// says in meta what came.
func startWebhooks(s *scenario.Scenario, o *Options, meta *rundir.Meta) (func(), error) {
	if s.Target.Webhooks == nil {
		return func() {}, nil
	}
	r, err := webhook.Start(s.Target.Webhooks, o.AllowRemote)
	if err != nil {
		return func() {}, exitcode.New(exitcode.Environment, err, "free the port, or listen: 127.0.0.1:0 for any")
	}
	o.webhooks = r
	fmt.Fprintf(o.Log, "webhooks: %s\n", r.URL)
	return func() {
		st := r.Close()
		meta.Webhooks = &st
		if st.Unknown+st.BadSignature+st.Unreadable > 0 {
			meta.Warnings = append(meta.Warnings, fmt.Sprintf("webhooks: %d notifications named no payment of this run, %d failed the signature check, %d could not be read",
				st.Unknown, st.BadSignature, st.Unreadable))
		}
	}, nil
}

// notifyURL is {{.NotifyURL}}: the receiver's URL, or "" without one.
func (o *Options) notifyURL() string {
	if o.webhooks == nil {
		return ""
	}
	return o.webhooks.URL
}

// attachSettlement gives the receiver the load's settlement, once the load
// exists; nil again once the run has stopped waiting for final states.
func (o *Options) attachSettlement(st *load.Settlement) {
	if o.webhooks != nil {
		o.webhooks.Attach(st)
	}
}
