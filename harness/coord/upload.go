package coord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/authquake/authquake/harness/tarball"
)

// Upload sends runDir, a tar.gz streamed as it is written (never whole in
// memory), to PUT /results/{this shard} of a coordinator that collects
// (Server.Collect); final says it is the last (the coordinator then takes
// no more of this shard). ctx bounds it, and the coordinator's read
// timeout (UploadTimeout and a minute).
func (c *Client) Upload(ctx context.Context, runDir string, final bool) error {
	pr, pw := io.Pipe()
	packed := make(chan error, 1)
	go func() {
		err := tarball.Write(pw, runDir)
		pw.CloseWithError(err) // nil: the body ends
		packed <- err
	}()
	path := "/results/" + strconv.Itoa(c.shard)
	if final {
		path += "?final=1"
	}
	req, err := c.newRequest(ctx, http.MethodPut, path, pr)
	if err != nil {
		pr.Close()
		<-packed
		return err
	}
	req.Header.Set("Content-Type", "application/gzip")
	resp, err := c.upload.Do(req)
	var refused error
	if err == nil {
		refused = answer(resp, fmt.Sprintf("upload %s to coordinator %s", runDir, c.base))
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
