package egress

import (
	"fmt"
	"net/http"
)

// maxHops is how many redirects a FollowRedirects client follows.
const maxHops = 10

// RedirectError is a redirect the client refused to follow. http.Client.Do
// returns it wrapped in a *url.Error; errors.As finds it.
type RedirectError struct {
	// Status is the redirect's status code, e.g. 302.
	Status int
	// Method and From are the request that was redirected.
	Method, From string
	// Location is where the redirect pointed, resolved against From.
	Location string
	// Reason says why it was refused and how to fix it.
	Reason string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirect refused: %s %s answered %d %s with Location %s: %s",
		e.Method, e.From, e.Status, http.StatusText(e.Status), e.Location, e.Reason)
}

// checkRedirect is an http.Client.CheckRedirect that refuses every redirect,
// or with follow, those that would change the method or exceed maxHops.
func checkRedirect(follow bool) func(*http.Request, []*http.Request) error {
	return func(next *http.Request, via []*http.Request) error {
		prev := via[len(via)-1]
		e := &RedirectError{Method: prev.Method, From: prev.URL.Redacted(), Location: next.URL.Redacted()}
		if next.Response != nil {
			e.Status = next.Response.StatusCode
		}
		switch {
		case !follow:
			e.Reason = "authquake follows no redirects here; point the URL at the final address"
		case next.Method != via[0].Method:
			e.Reason = fmt.Sprintf("following it would turn %s into %s; point the URL at the final address or answer 307/308",
				via[0].Method, next.Method)
		case len(via) >= maxHops:
			e.Reason = fmt.Sprintf("more than %d redirects", maxHops)
		default:
			return nil
		}
		return e
	}
}
