// Package svcmetrics keeps the service's own view of a run: its Prometheus
// metrics, scraped once a second while the load runs (bypassing Toxiproxy)
// into the run directory, and read back into per-second series of the
// service's request latency and in-flight count. What the client saw minus
// what the service measured is the queueing, the network and the faults on
// the link.
//
//	service /metrics --GET each second--> Scraper --> service_metrics.jsonl.gz
//	service_metrics.jsonl.gz --Read--> []Scrape --Points--> per-second series
package svcmetrics

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Scrape is one line of a run's service_metrics.jsonl.gz (rundir.ServiceMetricsFile):
// the kept families at one instant.
type Scrape struct {
	// TS is the scrape's time since the run's base time, in seconds.
	TS float64 `json:"t_s"`
	// Error says why the scrape failed (the service may be down: that is data).
	Error  string   `json:"error,omitempty"`
	Series []Series `json:"series,omitempty"`
}

// Series is one labelled sample of a kept family.
type Series struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
	// Value is a gauge's or counter's value, a histogram's sample count.
	Value float64 `json:"value"`
	// Sum and Buckets are a histogram's: upper bound and cumulative count,
	// without the +Inf bucket (its count is Value).
	Sum     float64      `json:"sum,omitempty"`
	Buckets [][2]float64 `json:"buckets,omitempty"`
}

// Scraper scrapes one endpoint once a second into a file.
type Scraper struct {
	url    string
	names  []string
	client *http.Client
	began  time.Time
	mu     sync.Mutex
	f      *os.File
	gz     *gzip.Writer
	enc    *json.Encoder
	n      int
	done   chan struct{}
}

// NewScraper creates path and scrapes url's families names from began on,
// with client (the harness's guarded one).
func NewScraper(path, url string, names []string, client *http.Client, began time.Time) (*Scraper, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	gz := gzip.NewWriter(f)
	return &Scraper{url: url, names: names, client: client, began: began, f: f, gz: gz, enc: json.NewEncoder(gz), done: make(chan struct{})}, nil
}

// Run scrapes once a second until ctx ends.
func (s *Scraper) Run(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		s.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Scraper) once(ctx context.Context) {
	sc := Scrape{TS: round(time.Since(s.began).Seconds())}
	fams, err := s.get(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return // the run ended during the scrape: not the service's fault
		}
		sc.Error = err.Error()
	}
	for _, name := range s.names {
		if f := fams[name]; f != nil {
			sc.Series = append(sc.Series, flatten(f)...)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.enc.Encode(sc) == nil {
		s.n++
	}
	s.gz.Flush() // an interrupted run keeps what was scraped
}

func (s *Scraper) get(ctx context.Context) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", s.url, resp.StatusCode)
	}
	var p expfmt.TextParser
	return p.TextToMetricFamilies(io.LimitReader(resp.Body, 8<<20))
}

// Close waits for Run to end (cancel its context first) and closes the file.
// It returns how many scrapes were saved.
func (s *Scraper) Close() (int, error) {
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.gz.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return s.n, err
}

// flatten turns a parsed family into its series, labels sorted by the map.
func flatten(f *dto.MetricFamily) []Series {
	var out []Series
	for _, m := range f.Metric {
		sr := Series{Name: f.GetName()}
		for _, l := range m.Label {
			if sr.Labels == nil {
				sr.Labels = map[string]string{}
			}
			sr.Labels[l.GetName()] = l.GetValue()
		}
		switch {
		case m.Histogram != nil:
			h := m.Histogram
			sr.Value, sr.Sum = float64(h.GetSampleCount()), h.GetSampleSum()
			for _, b := range h.Bucket {
				if !math.IsInf(b.GetUpperBound(), 1) {
					sr.Buckets = append(sr.Buckets, [2]float64{b.GetUpperBound(), float64(b.GetCumulativeCount())})
				}
			}
		case m.Gauge != nil:
			sr.Value = m.Gauge.GetValue()
		case m.Counter != nil:
			sr.Value = m.Counter.GetValue()
		case m.Untyped != nil:
			sr.Value = m.Untyped.GetValue()
		default:
			continue // summaries are not kept
		}
		if math.IsNaN(sr.Value) || math.IsInf(sr.Value, 0) {
			continue
		}
		out = append(out, sr)
	}
	return out
}

// Read reads a scrapes file; a cut-short file gives the scrapes before the cut.
func Read(path string) ([]Scrape, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var out []Scrape
	sc := bufio.NewScanner(gz)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var s Scrape
		if json.Unmarshal(sc.Bytes(), &s) != nil {
			break
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TS < out[j].TS })
	return slices.Clip(out), nil
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }
