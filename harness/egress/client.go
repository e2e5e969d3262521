package egress

import (
	"net/http"
	"time"
)

// Option configures a Client.
type Option func(*clientOptions)

type clientOptions struct {
	timeout time.Duration
	follow  bool
}

// Timeout bounds each request, redirects and reading the body included
// (http.Client.Timeout). Without it only the request's context bounds it.
func Timeout(d time.Duration) Option { return func(o *clientOptions) { o.timeout = d } }

// FollowRedirects makes the client follow up to 10 redirects that keep the
// method (any 3xx for GET and HEAD, 307 and 308 for the others). A redirect
// that would change the method, as 301, 302 and 303 turn a POST into a GET,
// is still an error. Every hop is dialled through the Guard.
func FollowRedirects() Option { return func(o *clientOptions) { o.follow = true } }

// Client returns an *http.Client that connects only where g allows and, by
// default, follows no redirect: a 3xx answer with a Location is an error
// (*RedirectError) naming it. It ignores HTTP_PROXY and the like: the
// harness talks to its targets directly.
func (g Guard) Client(opts ...Option) *http.Client {
	var o clientOptions
	for _, opt := range opts {
		opt(&o)
	}
	return &http.Client{Transport: g.Transport(), Timeout: o.timeout, CheckRedirect: checkRedirect(o.follow)}
}

// Transport returns an *http.Transport (the settings of
// http.DefaultTransport, without a proxy) that dials through g.Dialer. A
// transport follows no redirect by itself; Client adds the redirect policy.
func (g Guard) Transport() *http.Transport {
	return &http.Transport{
		DialContext:           g.Dialer().DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
