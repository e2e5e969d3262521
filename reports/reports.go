// Package reports renders a run's analysis for the people and tools that
// read it: summary.json (versioned, SCHEMA.md) and series.json for programs,
// report.html for the go/no-go meeting, report.md for a capacity-planning
// document, junit.xml for CI dashboards, and a terminal summary. Every
// output is a pure function of the analysis, so `authquake report DIR`
// rewrites them identically.
package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"github.com/authquake/authquake/harness/analysis"
)

// File names in the run directory.
const (
	SummaryFile  = "summary.json"
	SeriesFile   = "series.json"
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
	JUnitFile    = "junit.xml"
)

// Write renders every report of a run into its directory.
func Write(r *analysis.Run, s *analysis.Summary, series *analysis.Series) error {
	sum, err := JSON(s)
	if err != nil {
		return err
	}
	ser, err := json.Marshal(struct {
		BucketS float64 `json:"bucket_s"`
		*analysis.Series
	}{s.BucketS, series})
	if err != nil {
		return err
	}
	var md, junit, page bytes.Buffer
	errs := []error{Markdown(&md, s), JUnit(&junit, s), HTML(&page, r, s, series)}
	replayMarkdown(&md, r.Dir, s)
	for name, data := range map[string][]byte{SummaryFile: sum, SeriesFile: append(ser, '\n'),
		MarkdownFile: md.Bytes(), JUnitFile: junit.Bytes(), HTMLFile: page.Bytes()} {
		errs = append(errs, os.WriteFile(filepath.Join(r.Dir, name), data, 0o644))
	}
	return errors.Join(errs...)
}

// JSON renders summary.json: indented, keys in a fixed order, numbers
// rounded, so that the same run gives the same bytes.
func JSON(s *analysis.Summary) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}
