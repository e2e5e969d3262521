package topology

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// logLines is how many of a failed container's last log lines StartError keeps.
const logLines = 50

// StartError is a container that did not start or become ready. It keeps
// the container's last log lines, because Close removes the container and
// its log with it.
type StartError struct {
	// Role is the container's role: service, postgres, toxiproxy or a dependency's name.
	Role string
	Err  error
	// Log is the container's last lines of output (stdout and stderr), "" when there was none.
	Log string
}

// Error names the container and the cause, then shows its last log lines.
func (e *StartError) Error() string {
	msg := fmt.Sprintf("run %s: %v", e.Role, e.Err)
	if e.Log == "" {
		return msg
	}
	n := strings.Count(e.Log, "\n")
	return fmt.Sprintf("%s\n--- last %d log lines of %s\n%s--- end of %s's log\n", msg, n, e.Role, e.Log, e.Role)
}

// Unwrap returns the cause.
func (e *StartError) Unwrap() error { return e.Err }

// tailLog returns the last n lines of c's output, "" when it cannot be read.
func tailLog(c *testcontainers.DockerContainer, n int) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	lines := make([]string, 0, n)
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if len(lines) == n {
			lines = append(lines[:0], lines[1:]...)
		}
		lines = append(lines, sc.Text())
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}
