package multinode

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// CopyIn writes files (name to content, mode 0755) into dir on node n: the
// authquake binary and a scenario, to run authquake on a node as a user
// of a real swarm runs it on a manager.
func (c *Cluster) CopyIn(ctx context.Context, n *Node, dir string, files map[string][]byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(files[name]))}); err != nil {
			return err
		}
		if _, err := tw.Write(files[name]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if _, err := c.host.CopyToContainer(ctx, n.id, client.CopyToContainerOptions{DestinationPath: dir, Content: &buf}); err != nil {
		return fmt.Errorf("copy %v into %s:%s: %w", names, n.Name, dir, err)
	}
	return nil
}

// Exec runs args on node n (its own Docker Engine at the default socket)
// with env added, and returns what it wrote (stdout and stderr together)
// and its exit code.
func (c *Cluster) Exec(ctx context.Context, n *Node, env []string, args ...string) (string, int, error) {
	ex, err := c.host.ExecCreate(ctx, n.id, client.ExecCreateOptions{Cmd: args, Env: env, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return "", -1, fmt.Errorf("exec on %s: %w", n.Name, err)
	}
	att, err := c.host.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return "", -1, fmt.Errorf("exec on %s: %w", n.Name, err)
	}
	defer att.Close()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { _, err := stdcopy.StdCopy(&out, &out, att.Reader); done <- err }()
	select {
	case err = <-done:
	case <-ctx.Done(): // the process goes on in the node until Close removes it
		return out.String(), -1, ctx.Err()
	}
	if err != nil {
		return out.String(), -1, fmt.Errorf("exec on %s: %w", n.Name, err)
	}
	in, err := c.host.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
	if err != nil {
		return out.String(), -1, fmt.Errorf("exec on %s: %w", n.Name, err)
	}
	return out.String(), in.ExitCode, nil
}

// ReadFile reads one file of node n.
func (c *Cluster) ReadFile(ctx context.Context, n *Node, path string) ([]byte, error) {
	res, err := c.host.CopyFromContainer(ctx, n.id, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		return nil, fmt.Errorf("read %s:%s: %w", n.Name, path, err)
	}
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	if _, err := tr.Next(); err != nil {
		return nil, fmt.Errorf("read %s:%s: %w", n.Name, path, err)
	}
	return io.ReadAll(tr)
}
