// Package merge makes one run directory out of the directories of a run's
// shards (authquake run --shard K/N), so that the analysis, the audit and
// the reports of a split run are computed exactly as for a single run: the
// same functions over the same files.
//
//	shard0/ (owner)   attempts ─┐
//	  timeline, ledger, samples │ sorted by (seq, attempt)
//	shard1/  attempts ──────────┼──▶ merged/attempts.csv.gz
//	shard2/  attempts (killed) ─┘    merged/run.json: shards[] with
//	                                   planned, sent, unsent, status, clock
//
// A shard that was killed (no run.json) or not given at all is not hidden:
// it is listed with the hits it never sent, and the analysis makes the run
// an invalid test.
package merge

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/authquake/authquake/harness/record"
	"github.com/authquake/authquake/harness/rundir"
)

// shardDir is one shard's directory, read.
type shardDir struct {
	dir  string
	info rundir.ShardInfo
	meta *rundir.Meta // nil when the shard never wrote run.json
	// scenario and seed are its copies of the run's scenario and seed.
	scenario, seed []byte
}

// Merge writes the merged run directory out from the shard directories
// dirs and returns its run.json. out must not exist or be empty.
func Merge(dirs []string, out string) (*rundir.Meta, error) {
	shards, err := readShards(dirs)
	if err != nil {
		return nil, err
	}
	base := baseShard(shards)
	if base == nil {
		return nil, errors.New("merge: no shard wrote run.json: every shard was killed before its end; nothing to merge")
	}
	total, maxAttempts, err := planOf(base)
	if err != nil {
		return nil, err
	}
	if err := emptyDir(out); err != nil {
		return nil, err
	}
	byIndex := map[int]*shardDir{}
	for _, s := range shards {
		byIndex[s.info.Index] = s
	}
	owner := byIndex[0]
	if err := copyRunFiles(base.dir, out, owner != nil); err != nil {
		return nil, err
	}
	var all []record.Attempt
	m := *base.meta
	m.Shard, m.Shards, m.Sent, m.Attempts, m.Warnings = nil, nil, 0, 0, append([]string(nil), base.meta.Warnings...)
	first := shards[0].info
	m.Planned, m.BaseUnixNano, m.KeyPrefix = first.RunPlanned, first.StartAtUnixNano, first.KeyPrefix
	if owner != nil && owner.meta != nil {
		m.Status, m.Reason, m.StoppedS, m.RunID = owner.meta.Status, owner.meta.Reason, owner.meta.StoppedS, owner.meta.RunID
	} else {
		m.Status, m.Reason = rundir.StatusError, "shard 0, the owner of the fault timeline, did not finish: no timeline, no ledger"
	}
	for k := range first.Count {
		s := byIndex[k]
		if s == nil {
			info := rundir.ShardInfo{Shard: first.Shard, Status: rundir.ShardMissing, RunPlanned: first.RunPlanned,
				Reason: "no directory of this shard was given to merge"}
			info.Index = k
			info.Planned = info.Shard.Planned(first.RunPlanned)
			info.Unsent = info.Planned
			m.Shards = append(m.Shards, info)
			continue
		}
		atts, sent, err := readAttempts(s, &attempts{s: s, total: total, maxAttempts: maxAttempts})
		if err != nil {
			return nil, err
		}
		all = append(all, atts...)
		info := s.info
		if s.meta == nil {
			info.Status = rundir.ShardKilled
			info.Sent = sent
			info.Reason = fmt.Sprintf("the shard ended without writing run.json (killed?): %d of its %d planned hits have answers in its attempts file", sent, info.Planned)
		} else {
			if s.meta.Sent > info.Planned {
				return nil, fmt.Errorf("merge: %s: sent %d of the shard's %d planned hits", filepath.Join(s.dir, rundir.MetaFile), s.meta.Sent, info.Planned)
			}
			info.Status, info.Reason, info.Sent = s.meta.Status, s.meta.Reason, s.meta.Sent
			if m.Started.IsZero() || s.meta.Started.Before(m.Started) {
				m.Started = s.meta.Started
			}
			m.Ended = later(m.Ended, s.meta.Ended)
		}
		info.Unsent = info.Planned - min(info.Sent, info.Planned)
		m.Sent += info.Sent
		if s.meta != nil {
			m.AnswersTruncated += s.meta.AnswersTruncated
		}
		m.Shards = append(m.Shards, info)
	}
	sort.Slice(all, func(i, j int) bool { return less(&all[i], &all[j]) })
	if d := duplicate(all); d != nil {
		s := byIndex[int(d.Seq%uint64(first.Count))]
		return nil, fmt.Errorf("merge: %s: hit %d %s attempt %d is recorded twice", filepath.Join(s.dir, rundir.AttemptsFile), d.Seq, call(d), d.Attempt)
	}
	w, err := record.Create(filepath.Join(out, rundir.AttemptsFile))
	if err != nil {
		return nil, err
	}
	for i := range all {
		w.Record(&all[i])
	}
	m.Attempts = w.Count()
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &m, rundir.WriteJSON(out, rundir.MetaFile, &m)
}

// readShards reads shard.json (and run.json, when there is one) of every
// directory and checks that they are shards of one run, each once.
func readShards(dirs []string) ([]*shardDir, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no shard directories given")
	}
	var out []*shardDir
	seen := map[int]string{}
	for _, d := range dirs {
		info, err := rundir.ReadShard(d)
		var unread *fs.PathError
		if errors.As(err, &unread) {
			return nil, fmt.Errorf("merge: %s is not a shard's run directory (no %s): run it with authquake run --shard K/N", d, rundir.ShardFile)
		}
		if err != nil {
			return nil, fmt.Errorf("merge: %s: %w", filepath.Join(d, rundir.ShardFile), err)
		}
		s := &shardDir{dir: d, info: info, scenario: readFile(d, rundir.ScenarioFile), seed: readFile(d, rundir.SeedFile)}
		if err := checkInfo(filepath.Join(d, rundir.ShardFile), s.info); err != nil {
			return nil, err
		}
		if m, err := rundir.ReadMeta(d); err == nil {
			s.meta = m
		}
		if prev, ok := seen[s.info.Index]; ok {
			return nil, fmt.Errorf("merge: %s and %s are both shard %d", prev, d, s.info.Index)
		}
		seen[s.info.Index] = d
		if len(out) > 0 {
			if err := sameRun(out[0], s); err != nil {
				return nil, err
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].info.Index < out[j].info.Index })
	return out, nil
}

// baseShard is the shard whose run.json and files the merged run starts
// from: the owner when it finished, else the first that did.
func baseShard(shards []*shardDir) *shardDir {
	for _, s := range shards {
		if s.meta != nil {
			return s
		}
	}
	return nil
}

// readAttempts reads a shard's attempts, a file cut short by a kill
// included, each checked by c, and counts the hits that have a final
// answer.
func readAttempts(s *shardDir, c *attempts) ([]record.Attempt, uint64, error) {
	var out []record.Attempt
	var sent uint64
	path := filepath.Join(s.dir, rundir.AttemptsFile)
	err := record.Read(path, func(a *record.Attempt) error {
		if err := c.check(a); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, *a)
		if a.Final {
			sent++
		}
		return nil
	})
	if errors.Is(err, record.ErrTruncated) || errors.Is(err, os.ErrNotExist) && s.meta == nil {
		err = nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("merge: shard %d: %w", s.info.Index, err)
	}
	return out, sent, nil
}

// copyRunFiles copies the run's shared files (scenario, seed, and, from the
// owner, its timeline, samples and ledger) from src to out.
func copyRunFiles(src, out string, owner bool) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		switch {
		case e.IsDir(), n == rundir.AttemptsFile, n == rundir.MetaFile, n == rundir.ShardFile:
			continue
		case !owner && n != rundir.ScenarioFile && n != rundir.SeedFile:
			continue // not the owner's: its timeline and ledger are no one's
		case strings.HasPrefix(n, "summary.") || strings.HasPrefix(n, "report.") || n == "junit.xml":
			continue // reports of the shard alone: merge's are made anew
		}
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, n), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		return fmt.Errorf("merge: --out %s is not empty: give a new directory", dir)
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
