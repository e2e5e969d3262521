package coord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/authquake/authquake/harness/tarball"
)

// Upload sends runDir, a tar.gz streamed as it is written (never whole in
// memory), to PUT /results/{its base name} of a coordinator that collects
// (Server.Collect). Only ctx bounds it: a large run directory on a slow
// link takes what it takes.
func (c *Client) Upload(ctx context.Context, runDir string) error {
	name := filepath.Base(filepath.Clean(runDir))
	pr, pw := io.Pipe()
	packed := make(chan error, 1)
	go func() {
		err := tarball.Write(pw, runDir)
		pw.CloseWithError(err) // nil: the body ends
		packed <- err
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.base+"/results/"+url.PathEscape(name), pr)
	if err != nil {
		pr.Close()
		<-packed
		return err
	}
	req.Header.Set("Content-Type", "application/gzip")
	resp, err := c.upload.Do(req)
	var refused error
	if err == nil {
		if resp.StatusCode != http.StatusOK {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			refused = fmt.Errorf("upload %s to coordinator %s: %s: %s", runDir, c.base, resp.Status, strings.TrimSpace(string(msg)))
		}
		resp.Body.Close()
	}
	pr.CloseWithError(io.ErrClosedPipe) // the writer stops if the request ended first
	perr := <-packed
	switch {
	case perr != nil && !errors.Is(perr, io.ErrClosedPipe): // this side's failure is the news
		return fmt.Errorf("upload %s: %w", runDir, perr)
	case err != nil:
		return fmt.Errorf("upload %s to coordinator %s: %w", runDir, c.base, err)
	}
	return refused
}
