package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/authquake/authquake/harness/audit"
	"github.com/authquake/authquake/harness/egress"
	"github.com/authquake/authquake/harness/scenario"
	"github.com/authquake/authquake/harness/secret"
)

// httpSource pages through a reconciliation endpoint: the items of each
// page at a JSON path, the next page by a cursor at a JSON path or by page
// number, at most MaxPages pages.
type httpSource struct {
	m  mapping
	do Doer
	// maxPage bounds one page's body (MaxPage).
	maxPage int64
}

// MaxPage is the largest page of a reconciliation endpoint read: a larger
// one is an error naming the cap (use smaller pages).
const MaxPage = 256 << 20

func newHTTP(env Env) (Source, error) {
	c := env.Config
	if c.Payments == nil {
		return nil, errors.New("ledger kind http: no payments endpoint")
	}
	do := env.HTTP
	if do == nil {
		do = egress.Guard{AllowRemote: env.AllowRemote}.Client(egress.Timeout(30 * time.Second))
	}
	return &httpSource{m: mapping{accounts: c.Accounts, payments: c.Payments, refs: env.Refs}, do: do, maxPage: MaxPage}, nil
}

func (h *httpSource) Read(ctx context.Context) (*audit.Snapshot, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	l := h.m.ledger("http")
	if t := h.m.accounts; t != nil {
		err := h.pages(ctx, "accounts", t, t.Columns, func(r row) error {
			a, err := h.m.toAccount(r)
			l.Accounts[a.ID] = a
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	err := h.pages(ctx, "payments", h.m.payments, h.m.paymentColumns(), func(r row) error {
		rec, err := h.m.toRecord(r)
		l.Add(rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// pages fetches every page of one endpoint and hands each item to add, its
// values by field at the paths columns give.
func (h *httpSource) pages(ctx context.Context, name string, t *scenario.LedgerTable, columns map[string]string, add func(row) error) error {
	tmpl, err := template.New(name).Funcs(secret.Funcs).Parse(t.URL)
	if err != nil {
		return fmt.Errorf("%s url: %w", name, err)
	}
	maxPages := t.MaxPages
	if maxPages < 1 {
		maxPages = 1000
	}
	cursor, seen := "", map[string]bool{}
	for page := 1; ; page++ {
		if page > maxPages {
			return fmt.Errorf("%s: more than %d pages (raise max_pages)", name, maxPages)
		}
		var u strings.Builder
		if err := tmpl.Execute(&u, struct {
			Page   int
			Cursor string
		}{page, cursor}); err != nil {
			return fmt.Errorf("%s url: %w", name, err)
		}
		body, err := h.get(ctx, u.String(), t.Headers)
		if err != nil {
			return fmt.Errorf("%s page %d: %w", name, page, err)
		}
		items, ok := at(body, t.Items).([]any)
		if !ok {
			return fmt.Errorf("%s page %d: no array at %q", name, page, t.Items)
		}
		for i, it := range items {
			r := func(field string) (any, bool) {
				path, ok := columns[field]
				if !ok {
					return nil, false
				}
				return at(it, path), true
			}
			if err := add(r); err != nil {
				return fmt.Errorf("%s page %d item %d: %w", name, page, i, err)
			}
		}
		if t.Next == "" {
			if len(items) == 0 || !strings.Contains(t.URL, ".Page") { // a URL without {{.Page}} is one page
				return nil
			}
			continue
		}
		next := at(body, t.Next)
		if next == nil || next == "" {
			return nil
		}
		cursor = fmt.Sprint(next)
		if seen[cursor] {
			return fmt.Errorf("%s page %d: cursor %q came back (a loop)", name, page, cursor)
		}
		seen[cursor] = true
	}
}

// get fetches one page and decodes it (numbers kept exact).
func (h *httpSource) get(ctx context.Context, url string, headers map[string]string) (any, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range headers {
		if v, err = secret.Expand(v); err != nil { // {{env "NAME"}}: a token of the service's
			return nil, fmt.Errorf("header %s: %w", k, err)
		}
		req.Header.Set(k, v)
	}
	resp, err := h.do.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, h.maxPage+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > h.maxPage { // cut at the cap, it would read as "unexpected EOF"
		return nil, fmt.Errorf("GET %s: the page is larger than %d bytes, the most a page may have: ask for smaller pages (e.g. a limit in the url)", url, h.maxPage)
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %.200s", url, resp.StatusCode, data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	return v, nil
}

// at follows a dotted path (a.b.0.c) into decoded JSON; "" is v itself.
func at(v any, path string) any {
	if path == "" {
		return v
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
