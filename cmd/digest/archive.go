package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/digest-tool/digest/closest"
	"github.com/digest-tool/digest/config"
	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

// archive is the closest index of a workspace's entries, opened on first
// use and brought up to date with the archive when it is stale. It is safe
// for concurrent use (batch workers share one).
type archive struct {
	a   *app
	c   *config.Config
	ws  *store.Workspace
	eng closest.Engine
	k   int
	min float64

	mu  sync.Mutex
	idx *closest.Index
}

func (a *app) archive(c *config.Config) (*archive, error) {
	eng, err := a.closestEngine(c)
	if err != nil {
		return nil, err
	}
	min := c.Closest.MinSimilarity
	if min == 0 {
		min = eng.DefaultMin()
	}
	return &archive{a: a, c: c, ws: a.workspace(c), eng: eng, k: c.Closest.K, min: min}, nil
}

// closestEngine picks the similarity engine: embeddings when configured
// and the model endpoint is usable, else the local lexical engine.
func (a *app) closestEngine(c *config.Config) (closest.Engine, error) {
	if c.Closest.Engine == "lexical" || c.Closest.EmbeddingModel == "" {
		return closest.NewLexical(), nil
	}
	key, _, err := c.APIKey(a.Getenv, a.RunCommand)
	if err != nil {
		return nil, err
	}
	if c.Closest.Engine == "auto" && c.Engine(key != "") != "openai" {
		return closest.NewLexical(), nil
	}
	emb := closest.NewOpenAI(closest.OpenAIConfig{
		BaseURL:    c.Model.BaseURL,
		APIKey:     key,
		Model:      c.Closest.EmbeddingModel,
		Dimensions: c.Closest.Dimensions,
		MaxRetries: c.Model.MaxRetries,
		HTTPClient: a.ModelHTTPClient,
		Sleep:      a.Sleep,
	})
	return closest.NewEmbeddings(emb, c.Closest.EmbeddingModel), nil
}

func (ar *archive) path() string {
	return filepath.Join(ar.ws.StateDir(), "index", closest.FileName(ar.eng))
}

// open loads the index and, when it does not cover the archive (no file,
// an old or corrupt one), rebuilds it from entries/. Callers hold mu.
func (ar *archive) open(ctx context.Context, rebuild bool) (closest.Stats, error) {
	var st closest.Stats
	if ar.idx == nil {
		idx, err := closest.Open(ar.path(), ar.eng)
		if err != nil {
			return st, fmt.Errorf("open index %s: %w", ar.path(), err)
		}
		ar.idx = idx
	}
	if !rebuild && ar.idx.Stale() == nil {
		// Entries can also arrive by hand or by git pull: a count that
		// differs from the folder's means the index is behind.
		ids, err := ar.ws.EntryIDs()
		if err != nil {
			return st, err
		}
		if len(ids) == ar.idx.Len() {
			return st, nil
		}
	}
	if reason := ar.idx.Stale(); reason != nil {
		ar.a.status("rebuilding the closest index: %v", reason)
	}
	docs, err := ar.docs()
	if err != nil {
		return st, err
	}
	st, err = ar.idx.Sync(ctx, docs)
	if err != nil {
		return st, fmt.Errorf("index the archive: %w", err)
	}
	return st, ar.save(ctx)
}

// docs reads every archive entry as an index document.
func (ar *archive) docs() ([]closest.Doc, error) {
	ids, err := ar.ws.EntryIDs()
	if err != nil {
		return nil, err
	}
	docs := make([]closest.Doc, 0, len(ids))
	for _, id := range ids {
		e, canon, err := ar.ws.ReadEntry(id)
		if err != nil {
			return nil, fmt.Errorf("read entry %s: %w", id, err)
		}
		docs = append(docs, closest.Doc{ID: id, CanonicalURL: canon, Entry: e})
	}
	return docs, nil
}

// save writes the index under the workspace lock.
func (ar *archive) save(ctx context.Context) error {
	lock, err := ar.ws.Lock(ctx)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return ar.idx.Save()
}

// Related lists the archive entries closest to an entry, for its Closest
// section: never itself, never an entry of the same canonical URL, never
// twice.
func (ar *archive) Related(ctx context.Context, id, canonicalURL string, e render.Entry) ([]render.Related, error) {
	ms, err := ar.Matches(ctx, closest.Doc{ID: id, CanonicalURL: canonicalURL, Entry: e}, ar.k)
	if err != nil {
		return nil, err
	}
	return closest.Related(ms), nil
}

// Matches is Related with scores.
func (ar *archive) Matches(ctx context.Context, d closest.Doc, k int) ([]closest.Match, error) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	if _, err := ar.open(ctx, false); err != nil {
		return nil, err
	}
	ms, err := ar.idx.Closest(ctx, d, k, ar.min)
	if err != nil {
		return nil, fmt.Errorf("closest entries: %w", err)
	}
	return ms, nil
}

// Add indexes entries just added to the archive and saves the index.
func (ar *archive) Add(ctx context.Context, docs ...closest.Doc) error {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	if _, err := ar.open(ctx, false); err != nil {
		return err
	}
	if _, err := ar.idx.Add(ctx, docs...); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return ar.save(ctx)
}

// Rebuild re-reads the whole archive into the index.
func (ar *archive) Rebuild(ctx context.Context) (closest.Stats, error) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return ar.open(ctx, true)
}
