package setup

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// progress shows how far a for_each step has come: redrawn in place four
// times a second on a terminal, a line every five seconds otherwise.
type progress struct {
	done    atomic.Int64 // accounts
	calls   atomic.Int64 // requests or transactions, retries included
	retries atomic.Int64
	quit    chan struct{}
	ended   chan struct{}
}

func newProgress(out io.Writer, tty bool, name string, total int) *progress {
	p := &progress{quit: make(chan struct{}), ended: make(chan struct{})}
	if out == nil {
		close(p.ended)
		return p
	}
	every := 5 * time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	began := time.Now()
	line := func() {
		end := "\n"
		if tty {
			end = "\r"
		}
		retried := ""
		if n := p.retries.Load(); n > 0 {
			retried = fmt.Sprintf(", %d retried", n)
		}
		fmt.Fprintf(out, "setup %s: %d/%d accounts, %d calls%s (%.1fs)%s", name, p.done.Load(), total, p.calls.Load(), retried, time.Since(began).Seconds(), end)
	}
	go func() {
		defer close(p.ended)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				line()
			case <-p.quit:
				line()
				if tty {
					fmt.Fprintln(out)
				}
				return
			}
		}
	}()
	return p
}

func (p *progress) stop() {
	close(p.quit)
	<-p.ended
}
