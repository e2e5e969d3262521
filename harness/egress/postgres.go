package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres connections go through the Guard like HTTP does, and take
// nothing from the runner's environment:
//
//	dsn (postgres:// URL, the scenario's) --CheckDSN--> every host checked early
//	    |  every libpq setting the URL does not name is pinned to its neutral
//	    |  value, so PGPASSWORD, PGHOST, PGPASSFILE, PGSERVICE, PGSSLCERT,
//	    v  ~/.pgpass and ~/.postgresql/* never reach the connection
//	pgx config --LookupFunc--> names resolved, refused addresses dropped
//	           --DialFunc----> Guard.Dialer: the address checked before connect(2)
//
// pgx merges libpq's environment variables and files under the settings of
// the connection string, and a setting the string names wins. So naming
// every such setting (with the value libpq would take were nothing set)
// leaves the environment nothing to decide.

// neutral are the libpq settings pgx reads from the environment or the
// user's files, with the value each takes when the DSN does not name it.
// host and user have none: the DSN must name them.
var neutral = map[string]string{
	"port":                 "5432",
	"dbname":               "", // the server's default: the user's name
	"password":             "", // never PGPASSWORD, never ~/.pgpass
	"passfile":             "",
	"sslmode":              "prefer",
	"sslrootcert":          "", // never PGSSLROOTCERT, never ~/.postgresql/root.crt
	"sslcert":              "", // never a client certificate the scenario did not name
	"sslkey":               "",
	"sslpassword":          "",
	"sslsni":               "1",
	"target_session_attrs": "any",
	"connect_timeout":      "30",
	"application_name":     "authquake",
	"krbsrvname":           "",
	"krbspn":               "",
}

// dsnSettings is what a postgres:// URL names itself, by pgx's setting
// names (dbname is "database"), as pgx reads the URL.
type dsnSettings struct {
	u     *url.URL
	hosts []string
	named map[string]bool
}

// parseDSN reads a postgres:// URL and refuses one that leaves its host or
// user to the environment.
func parseDSN(dsn string) (*dsnSettings, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, errors.New("not a postgres:// URL (e.g. postgres://user:pass@127.0.0.1:5432/app?sslmode=disable)")
	}
	d := &dsnSettings{u: u, named: map[string]bool{}}
	if u.User != nil {
		d.named["user"] = u.User.Username() != ""
		_, d.named["password"] = u.User.Password()
	}
	for _, hp := range strings.Split(u.Host, ",") {
		if hp == "" {
			continue
		}
		h, p, err := net.SplitHostPort(hp)
		if err != nil { // no port
			h, p = strings.Trim(hp, "[]"), ""
		}
		if h != "" {
			d.hosts = append(d.hosts, h)
		}
		if p != "" {
			d.named["port"] = true
		}
	}
	if strings.TrimLeft(u.Path, "/") != "" {
		d.named["dbname"] = true
	}
	for k, v := range u.Query() {
		if k == "database" {
			k = "dbname"
		}
		d.named[k] = true
		if k == "host" {
			d.hosts = strings.Split(v[0], ",")
		}
		if k == "user" && v[0] == "" {
			d.named[k] = false
		}
	}
	switch {
	case len(d.hosts) == 0:
		return nil, errors.New("names no host: authquake takes none from PGHOST or a default; give it, e.g. postgres://user:pass@127.0.0.1:5432/app")
	case !d.named["user"]:
		return nil, errors.New("names no user: authquake takes none from PGUSER or the login name; give it, e.g. postgres://user:pass@127.0.0.1:5432/app")
	}
	return d, nil
}

// CheckDSN is the early, string-level check of a configured database URL,
// as CheckHost is for an HTTP URL: the URL names its host and user, and
// every host is this machine's unless allowRemote. The guard still checks
// each resolved address when the harness connects.
func CheckDSN(dsn string, allowRemote bool) error {
	d, err := parseDSN(dsn)
	if err != nil {
		return err
	}
	for _, h := range d.hosts {
		if strings.HasPrefix(h, "/") {
			return fmt.Errorf("host %q is a Unix socket: authquake connects over TCP only, e.g. postgres://user:pass@127.0.0.1:5432/app", h)
		}
		if err := CheckHost(h, allowRemote); err != nil {
			return err
		}
	}
	return nil
}

// sealed is the DSN with every neutral setting it does not name pinned.
func (d *dsnSettings) sealed() string {
	u := *d.u
	q := u.Query()
	for k, v := range neutral {
		if !d.named[k] {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// PostgresConfig parses dsn, a postgres:// URL, into a pgx connection
// config that dials through g and takes nothing from the environment:
// what the URL does not name is libpq's default, never PGPASSWORD, PGHOST,
// PGSERVICE or a file of the user's. See CheckDSN for what it refuses.
func (g Guard) PostgresConfig(dsn string) (*pgx.ConnConfig, error) {
	d, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(d.sealed())
	if err != nil {
		return nil, redactErr(err)
	}
	g.seal(&cfg.Config, d)
	return cfg, nil
}

// PostgresPool is PostgresConfig for a pgxpool.
func (g Guard) PostgresPool(dsn string) (*pgxpool.Config, error) {
	d, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(d.sealed())
	if err != nil {
		return nil, redactErr(err)
	}
	g.seal(&cfg.ConnConfig.Config, d)
	return cfg, nil
}

// seal points the dialling at the guard and drops what a service file of
// PGSERVICE may have added that the URL did not name.
func (g Guard) seal(c *pgconn.Config, d *dsnSettings) {
	c.DialFunc = g.Dialer().DialContext
	c.LookupFunc = g.lookup
	for k := range c.RuntimeParams {
		if _, ok := neutral[k]; !ok && !d.named[k] {
			delete(c.RuntimeParams, k)
		}
	}
}

// lookup resolves host and keeps the addresses g allows; none allowed is
// the guard's refusal of the first.
func (g Guard) lookup(ctx context.Context, host string) ([]string, error) {
	r := g.resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupHost(ctx, host)
	if err != nil {
		return nil, err
	}
	var ok []string
	var refused error
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err == nil {
			err = g.Check(ip)
		}
		if err == nil {
			ok = append(ok, a)
		} else if refused == nil {
			refused = fmt.Errorf("%s: %w", host, err)
		}
	}
	if len(ok) == 0 {
		return nil, refused
	}
	return ok, nil
}

// redactErr keeps a parse error from printing the DSN (pgx hides its
// password, not the rest) and the settings pinned to it.
func redactErr(err error) error {
	if _, why, ok := strings.Cut(err.Error(), "`: "); ok {
		return fmt.Errorf("cannot parse the database URL: %s", why)
	}
	return err
}
