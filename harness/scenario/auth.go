package scenario

import (
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/authquake/authquake/harness/secret"
)

// Auth obtains a bearer token before setup and the load, and obtains the
// next one before it expires while the load runs, off the requests' path.
// Every request of the load (authorisations, follow-ups) carries it in
// Header; setup templates see it as {{.Token}}. Either OAuth2 client
// credentials (client_id with client_secret_env: a form body, RFC 6749
// 4.4) or any login call (body and headers of your own).
type Auth struct {
	// URL is a path on the service (/oauth/token) or a whole http:// URL
	// (a token server of its own). Redirects are not followed.
	URL string `yaml:"url" json:"url" jsonschema:"required"`
	// Method defaults to POST.
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// ClientID, ClientSecretEnv and Scope make an OAuth2 client-credentials
	// call: a form body with grant_type=client_credentials.
	ClientID string `yaml:"client_id,omitempty" json:"client_id,omitempty"`
	// ClientSecretEnv is the environment variable holding the client secret.
	ClientSecretEnv string `yaml:"client_secret_env,omitempty" json:"client_secret_env,omitempty"`
	Scope           string `yaml:"scope,omitempty" json:"scope,omitempty"`
	// Headers and Body make any other login call; templates, where
	// {{env "NAME"}} reads a secret from the environment.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	Body    string            `yaml:"body,omitempty" json:"body,omitempty"`
	// Token is the JSON path of the token in the answer; default access_token.
	Token string `yaml:"token,omitempty" json:"token,omitempty"`
	// ExpiresIn is the JSON path of its lifetime in seconds; default
	// expires_in. An answer without it gives a token that never expires.
	ExpiresIn string `yaml:"expires_in,omitempty" json:"expires_in,omitempty"`
	// RefreshBefore is how long before expiry the next token is obtained;
	// default a third of the token's lifetime.
	RefreshBefore Duration `yaml:"refresh_before,omitempty" json:"refresh_before,omitempty"`
	// Header carries the token on every request; default Authorization.
	Header string `yaml:"header,omitempty" json:"header,omitempty"`
	// Scheme comes before the token in Header; default Bearer ("none" for the bare token).
	Scheme string `yaml:"scheme,omitempty" json:"scheme,omitempty"`
}

// envName is what a *_env field may hold.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (a *Auth) defaults() {
	def(&a.Method, "POST")
	def(&a.Token, "access_token")
	def(&a.ExpiresIn, "expires_in")
	def(&a.Header, "Authorization")
	def(&a.Scheme, "Bearer")
}

// Prefix is what comes before the token in the header: "Bearer ", or
// nothing for scheme none.
func (a *Auth) Prefix() string {
	if a.Scheme == "none" {
		return ""
	}
	return a.Scheme + " "
}

func (s *Scenario) validateAuth(v *validator) {
	a := s.Target.Auth
	if a == nil {
		return
	}
	const p = "$.target.auth"
	checkURL(v, p+".url", a.URL)
	if !slices.Contains([]string{"GET", "POST", "PUT"}, a.Method) {
		v.errf(p+".method", "POST for OAuth2", "must be GET, POST or PUT, not %q", a.Method)
	}
	oauth := a.ClientID != "" || a.ClientSecretEnv != "" || a.Scope != ""
	switch {
	case oauth && a.Body != "":
		v.errf(p+".body", "client_id and client_secret_env make the OAuth2 form body; a login call of your own gives body and no client_id",
			"conflicts with client_id/client_secret_env")
	case oauth && (a.ClientID == "" || a.ClientSecretEnv == ""):
		v.errf(p, "e.g. {url: /oauth/token, client_id: authquake, client_secret_env: CLIENT_SECRET}", "OAuth2 client credentials need both client_id and client_secret_env")
	}
	envField(v, p+".client_secret_env", a.ClientSecretEnv)
	checkTemplate(v, p+".body", a.Body, "{{env \"NAME\"}} reads a secret from the environment")
	for k, t := range a.Headers {
		checkTemplate(v, p+".headers."+k, t, "{{env \"NAME\"}} reads a secret from the environment")
	}
	v.headerCount(p+".headers", a.Headers)
	for field, path := range map[string]string{"token": a.Token, "expires_in": a.ExpiresIn} {
		if SplitPath(path) == nil {
			v.errf(p+"."+field, "a dot-separated path into the JSON answer, e.g. access_token or data.token", "%q is not a JSON path", path)
		}
	}
	if a.RefreshBefore < 0 || a.RefreshBefore.D() > 24*time.Hour {
		v.errf(p+".refresh_before", "e.g. refresh_before: 30s", "must be from 0 to 24h")
	}
	if !validHeaderName(a.Header) {
		v.errf(p+".header", "e.g. Authorization", "%q is not a header name", a.Header)
	}
	if strings.ContainsAny(a.Scheme, " \t\r\n") {
		v.errf(p+".scheme", "e.g. Bearer, or none for the bare token", "%q has white space", a.Scheme)
	}
}

// checkURL checks a path or a whole http:// URL.
func checkURL(v *validator, path, u string) {
	switch {
	case u == "":
		v.errf(path, "a path such as /oauth/token, or a whole http:// URL on this machine", "is required")
	case !strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "{{") && !strings.HasPrefix(u, "http://"):
		v.errf(path, "a path such as /oauth/token, or a whole http:// URL on this machine", "%q is neither a path nor an http URL", u)
	}
	checkTemplate(v, path, u, "")
}

// checkTemplate checks that text parses as a template with the scenario's
// functions (env).
func checkTemplate(v *validator, path, text, hint string) {
	if _, err := template.New(path).Funcs(secret.Funcs).Parse(text); err != nil {
		v.errf(path, hint, "bad template: %v", firstLine(err.Error()))
	}
	for _, name := range secret.EnvNames(text) {
		if !envName.MatchString(name) {
			v.errf(path, "letters, digits and _, e.g. {{env \"CLIENT_SECRET\"}}", "%q is not an environment variable name", name)
		}
	}
}

// envField checks a *_env field: empty or a variable name.
func envField(v *validator, path, name string) {
	if name != "" && !envName.MatchString(name) {
		v.errf(path, "the name of an environment variable, e.g. CLIENT_SECRET", "%q is not an environment variable name", name)
	}
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func validHeaderName(s string) bool { return headerName.MatchString(s) }
