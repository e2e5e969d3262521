package run

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"time"

	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/rundir"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/svcmetrics"
	"github.com/authquake/authquake/harness/target"
)

// scrapeService starts scraping the service's Prometheus metrics once a
// second into the run directory, if the target has any (authsim's, or a
// target's metrics block); nil otherwise. It reads the service's own port,
// bypassing Toxiproxy, so a fault on the client link does not hide what the
// service measured.
func scrapeService(ctx context.Context, s *scenario.Scenario, tgt *target.Target, dir string, began time.Time, allowRemote bool, log io.Writer) *svcmetrics.Scraper {
	m := s.Target.MetricsSource()
	if m == nil || tgt.Topo == nil {
		return nil
	}
	where := m.URL
	if where == "" {
		u, err := url.Parse(tgt.Topo.Endpoints.ServiceDirect)
		if err != nil || u.Host == "" {
			return nil
		}
		where = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: m.Path}).String()
	}
	if u, err := url.Parse(where); err != nil || egress.CheckHost(u.Hostname(), allowRemote) != nil {
		fmt.Fprintf(log, "service metrics: not scraping %s: not on this machine (pass --allow-remote)\n", where)
		return nil
	}
	client := egress.Guard{AllowRemote: allowRemote}.Client(egress.Timeout(900 * time.Millisecond))
	sc, err := svcmetrics.NewScraper(filepath.Join(dir, rundir.ServiceMetricsFile), where, []string{m.Latency, m.InFlight}, client, began)
	if err != nil {
		fmt.Fprintf(log, "service metrics: %v\n", err)
		return nil
	}
	fmt.Fprintf(log, "service metrics: scraping %s once a second (%s, %s)\n", where, m.Latency, m.InFlight)
	go sc.Run(ctx)
	return sc
}
