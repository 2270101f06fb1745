package closest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digest-tool/digest/render"
)

// entry builds an entry from a headline, a summary and comma-separated
// keywords and themes.
func entry(title, summary, keywords, themes string, signals ...render.Signal) render.Entry {
	split := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	return render.Entry{Title: title, Summary: summary, Keywords: split(keywords), Themes: split(themes), Signals: signals}
}

// archive is a small archive: two near-duplicates about Zoom, one entry on
// the same broad topic, unrelated entries, and one related to nothing.
func archive() []Doc {
	return []Doc{
		{ID: "zoom", CanonicalURL: "https://www.cnbc.com/2023/08/07/zoom-ai-tools.html", Entry: entry(
			"Zoom's Terms of Service Update Allows AI Training with Customer Data",
			"The recent update to Zoom's terms of service allows the video platform to use certain customer data for training its AI models. Enabling the generative AI features requires users to sign a consent form.",
			"Zoom, terms of service, video platform, customer data, AI models, consent",
			"AI services and data training, customer consent",
			render.Signal{Signal: "Zoom's terms allow AI training on customer data", Change: "Customer data used to train AI models", Horizon: "Consent becomes the price of AI features", Force: "Improving AI performance"})},
		{ID: "zoom2", CanonicalURL: "https://www.theverge.com/zoom-terms-ai", Entry: entry(
			"Zoom Says Its Terms of Service Let It Train AI Models on Customer Data",
			"Zoom updated its terms of service so that customer data from the video platform can train its AI models, with consent required before generative AI features are enabled.",
			"Zoom, terms of service, AI models, customer data, consent",
			"customer consent, AI training",
			render.Signal{Signal: "Video platforms train AI models on customer data", Change: "Terms of service updated for AI training", Horizon: "Consent forms for AI features everywhere", Force: "Demand for AI features"})},
		{ID: "saas", CanonicalURL: "https://example.com/saas-ai", Entry: entry(
			"The Role of AI in the SaaS Industry",
			"Software-as-a-service vendors add generative AI features to their products and train AI models on the data their customers produce.",
			"SaaS, generative AI, AI models, customer data, software vendors",
			"AI services, software industry")},
		{ID: "coral", CanonicalURL: "https://example.org/reefs", Entry: entry(
			"Coral Reefs Bleach as Ocean Heat Breaks Records",
			"Marine heatwaves are bleaching coral reefs across the tropics; scientists warn that reef ecosystems may not recover between bleaching events.",
			"coral reefs, bleaching, ocean heat, marine heatwaves, reef ecosystems",
			"climate change, oceans")},
		{ID: "battery", CanonicalURL: "https://example.net/solid-state", Entry: entry(
			"Solid-State Batteries Near Production for Electric Cars",
			"Carmakers report solid-state battery cells with higher energy density and faster charging, with production lines planned for electric vehicles.",
			"solid-state batteries, electric vehicles, energy density, charging",
			"energy storage, transport electrification")},
		{ID: "bread", CanonicalURL: "https://example.com/bread", Entry: entry(
			"Medieval Bakers Leavened Bread with Brewers' Yeast",
			"Archaeologists reconstruct how medieval bakers leavened loaves using barm skimmed from brewing vats.",
			"medieval bakers, bread, barm, brewing",
			"food history")},
	}
}

func docByID(t *testing.T, docs []Doc, id string) Doc {
	t.Helper()
	for _, d := range docs {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no doc %s", id)
	return Doc{}
}

func ids(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// checkList asserts the invariants of every Closest list.
func checkList(t *testing.T, d Doc, ms []Match, k int, minScore float64) {
	t.Helper()
	if len(ms) > k {
		t.Errorf("%s: %d matches, want at most %d", d.ID, len(ms), k)
	}
	seen := map[string]bool{}
	for i, m := range ms {
		if m.ID == d.ID {
			t.Errorf("%s lists itself", d.ID)
		}
		if seen[m.ID] {
			t.Errorf("%s lists %s twice", d.ID, m.ID)
		}
		seen[m.ID] = true
		if m.Score < minScore || m.Score <= 0 || m.Score > 1.0001 {
			t.Errorf("%s: %s scores %v, want in [%v, 1]", d.ID, m.ID, m.Score, minScore)
		}
		if i > 0 {
			p := ms[i-1]
			if p.Score < m.Score || (p.Score == m.Score && p.ID > m.ID) {
				t.Errorf("%s: %s (%v) before %s (%v): not most similar first, ties by id", d.ID, p.ID, p.Score, m.ID, m.Score)
			}
		}
	}
}

func buildIndex(t *testing.T, e Engine, docs []Doc) *Index {
	t.Helper()
	x, err := Open(filepath.Join(t.TempDir(), FileName(e)), e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Sync(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return x
}

// engines returns both engines over the fixture: lexical, and embeddings
// from a fake that gives each fixture entry a hand-made vector.
func engines() map[string]Engine {
	return map[string]Engine{
		"lexical":    NewLexical(),
		"embeddings": NewEmbeddings(&tableEmbedder{}, "fake"),
	}
}

// tableEmbedder gives each fixture entry (known by its headline) a vector:
// the Zoom pair nearly parallel, SaaS near them, the rest apart.
type tableEmbedder struct {
	calls, texts int
}

var table = map[string][]float32{
	"Zoom's Terms":    {1, 0.05, 0, 0, 0, 0},
	"Zoom Says":       {0.97, 0.15, 0.02, 0, 0, 0},
	"The Role of AI":  {0.7, 0.6, 0, 0.1, 0, 0},
	"Coral Reefs":     {0, 0, 1, 0.1, 0, 0},
	"Solid-State":     {0, 0.1, 0.15, 1, 0, 0},
	"Medieval Bakers": {-0.2, 0, 0, 0, 1, 0},
}

func (f *tableEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	f.calls++
	f.texts += len(texts)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		for prefix, v := range table {
			if strings.HasPrefix(t, prefix) {
				out[i] = v
			}
		}
		if out[i] == nil {
			return nil, fmt.Errorf("fake embedder: unknown text %.30q", t)
		}
	}
	return out, nil
}

func TestClosestOrder(t *testing.T) {
	want := map[string]map[string][]string{
		"lexical": {
			"zoom":    {"zoom2", "saas"},
			"zoom2":   {"zoom", "saas"},
			"saas":    {"zoom2", "zoom"},
			"coral":   {},
			"battery": {},
			"bread":   {},
		},
		"embeddings": {
			"zoom":    {"zoom2", "saas"},
			"zoom2":   {"zoom", "saas"},
			"saas":    {"zoom2", "zoom"},
			"coral":   {},
			"battery": {},
			"bread":   {},
		},
	}
	for name, e := range engines() {
		t.Run(name, func(t *testing.T) {
			docs := archive()
			x := buildIndex(t, e, docs)
			for _, d := range docs {
				ms, err := x.Closest(context.Background(), d, 0, e.DefaultMin())
				if err != nil {
					t.Fatal(err)
				}
				checkList(t, d, ms, MaxClosest, e.DefaultMin())
				if got := ids(ms); !slices.Equal(got, want[name][d.ID]) {
					t.Errorf("closest to %s = %v (%v), want %v", d.ID, got, ms, want[name][d.ID])
				}
				// With no minimum, everything else sharing anything is listed, still
				// without self or repeats.
				all, err := x.Closest(context.Background(), d, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				checkList(t, d, all, MaxClosest, 0)
				if !slices.Equal(ids(all)[:len(ms)], ids(ms)) {
					t.Errorf("closest to %s without minimum = %v, want it to start with %v", d.ID, ids(all), ids(ms))
				}
			}
		})
	}
}

func TestClosestDocNotIndexed(t *testing.T) {
	for name, e := range engines() {
		t.Run(name, func(t *testing.T) {
			docs := archive()
			x := buildIndex(t, e, docs[1:]) // zoom is a new draft, not in the archive
			ms, err := x.Closest(context.Background(), docs[0], 3, e.DefaultMin())
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(ms); !slices.Equal(got, []string{"zoom2", "saas"}) {
				t.Errorf("closest to a draft = %v, want [zoom2 saas]", ms)
			}
		})
	}
}

func TestClosestExcludesSameCanonicalURL(t *testing.T) {
	for name, e := range engines() {
		t.Run(name, func(t *testing.T) {
			docs := archive()
			docs[1].CanonicalURL = docs[0].CanonicalURL // zoom2 is the same article under another id
			x := buildIndex(t, e, docs)
			ms, err := x.Closest(context.Background(), docs[0], 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.ID == "zoom2" || m.ID == "zoom" {
					t.Errorf("closest to zoom lists %s: %v", m.ID, ids(ms))
				}
			}
			if len(ms) == 0 || ms[0].ID != "saas" {
				t.Errorf("closest to zoom = %v, want saas first", ids(ms))
			}
		})
	}
}

func TestClosestMinAndK(t *testing.T) {
	for name, e := range engines() {
		t.Run(name, func(t *testing.T) {
			docs := archive()
			x := buildIndex(t, e, docs)
			all, err := x.Closest(context.Background(), docs[0], 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) < 2 {
				t.Fatalf("closest to zoom = %v, want at least 2", all)
			}
			// A minimum equal to the second score keeps exactly the first two.
			two, err := x.Closest(context.Background(), docs[0], 0, all[1].Score)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(two), ids(all[:2])) {
				t.Errorf("min %v: %v, want %v", all[1].Score, ids(two), ids(all[:2]))
			}
			one, err := x.Closest(context.Background(), docs[0], 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(one), ids(all[:1])) {
				t.Errorf("k=1: %v, want %v", ids(one), ids(all[:1]))
			}
			none, err := x.Closest(context.Background(), docs[0], 0, 1.01)
			if err != nil || none == nil || len(none) != 0 {
				t.Errorf("min above 1: %v, %v; want an empty list", none, err)
			}
		})
	}
}

// constEmbedder gives every text the same vector: every score ties.
type constEmbedder struct{}

func (constEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{0.3, 0.4, 0.5}
	}
	return out, nil
}

func TestClosestTiesByID(t *testing.T) {
	var docs []Doc
	for _, id := range []string{"f", "b", "e", "a", "d", "c", "h", "g", "l", "k", "j", "i"} {
		docs = append(docs, Doc{ID: id, Entry: entry("Same headline "+id, "same summary", "", "")})
	}
	for name, e := range map[string]Engine{"lexical": NewLexical(), "embeddings": NewEmbeddings(constEmbedder{}, "const")} {
		t.Run(name, func(t *testing.T) {
			x := buildIndex(t, e, docs)
			q := Doc{ID: "q", Entry: entry("Same headline q", "same summary", "", "")}
			for range 3 {
				ms, err := x.Closest(context.Background(), q, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if want := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}; !slices.Equal(ids(ms), want) {
					t.Fatalf("ties = %v, want %v", ids(ms), want)
				}
			}
		})
	}
}

func TestClosestEmpty(t *testing.T) {
	for name, e := range engines() {
		t.Run(name, func(t *testing.T) {
			x := buildIndex(t, e, nil)
			if err := x.Save(); err != nil {
				t.Fatal(err)
			}
			x, err := Open(x.path, e)
			if err != nil || x.Stale() != nil || x.Len() != 0 {
				t.Fatalf("an empty archive's index reopened: %v, stale %v, Len %d", err, x.Stale(), x.Len())
			}
			ms, err := x.Closest(context.Background(), archive()[0], 0, 0)
			if err != nil || ms == nil || len(ms) != 0 {
				t.Errorf("empty index: %v, %v; want an empty list", ms, err)
			}
			// Only itself in the index: still empty.
			if _, err := x.Add(context.Background(), archive()[0]); err != nil {
				t.Fatal(err)
			}
			ms, err = x.Closest(context.Background(), archive()[0], 0, 0)
			if err != nil || len(ms) != 0 {
				t.Errorf("index of itself: %v, %v; want an empty list", ms, err)
			}
		})
	}
}

// countingEmbedder embeds each text as a hashed bag of words and counts calls.
type countingEmbedder struct {
	calls, texts int
}

func (c *countingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	c.calls++
	c.texts += len(texts)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = bagOfWords(t, 64)
	}
	return out, nil
}

// bagOfWords is a crude embedding: term counts hashed into dim buckets.
func bagOfWords(text string, dim int) []float32 {
	v := make([]float32, dim)
	terms(text, func(w string) { v[hash64(w)%uint64(dim)]++ })
	return v
}

func TestAddUnchangedRedoesNothing(t *testing.T) {
	emb := &countingEmbedder{}
	e := NewEmbeddings(emb, "bow")
	docs := archive()
	path := filepath.Join(t.TempDir(), "index", FileName(e))
	x, err := Open(path, e)
	if err != nil {
		t.Fatal(err)
	}
	st, err := x.Sync(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Added != len(docs) || emb.texts != len(docs) || emb.calls != 1 {
		t.Fatalf("first sync: %+v, %d calls for %d texts; want %d added in one call", st, emb.calls, emb.texts, len(docs))
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}

	// Reopened: the vectors come from the file, nothing is embedded again.
	x, err = Open(path, e)
	if err != nil || x.Stale() != nil {
		t.Fatalf("reopen: %v, stale %v", err, x.Stale())
	}
	emb.calls, emb.texts = 0, 0
	st, err = x.Sync(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Unchanged != len(docs) || st.Encoded != 0 || emb.calls != 0 {
		t.Errorf("sync of an unchanged archive: %+v, %d calls; want nothing redone", st, emb.calls)
	}
	if _, err := x.Closest(context.Background(), docs[0], 0, 0); err != nil || emb.calls != 0 {
		t.Errorf("closest of an indexed entry: %v, %d calls; want no call", err, emb.calls)
	}

	// A new canonical URL changes no indexed text: recorded, not embedded.
	d := docs[2]
	d.CanonicalURL = "https://example.com/moved"
	st, err = x.Add(context.Background(), d)
	if err != nil || st.Unchanged != 1 || emb.calls != 0 {
		t.Errorf("add with a new URL: %+v, %v, %d calls; want unchanged, no call", st, err, emb.calls)
	}
	moved := d
	moved.ID = "moved"
	if ms, _ := x.Closest(context.Background(), moved, 0, 0); slices.Contains(ids(ms), d.ID) {
		t.Errorf("the new canonical URL was not recorded: %v", ids(ms))
	}
	emb.calls, emb.texts = 0, 0 // the query above embedded "moved"

	// A changed summary is embedded again, alone.
	d.Entry.Summary += " Vendors disagree."
	st, err = x.Add(context.Background(), d)
	if err != nil || st.Updated != 1 || emb.calls != 1 || emb.texts != 1 {
		t.Errorf("add with a new summary: %+v, %v, %d calls for %d texts; want one update", st, err, emb.calls, emb.texts)
	}
	if x.Len() != len(docs) {
		t.Errorf("Len = %d after an update, want %d", x.Len(), len(docs))
	}
	ms, err := x.Closest(context.Background(), docs[0], 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, docs[0], ms, MaxClosest, 0)
}

func TestSyncRemovesAndUpdates(t *testing.T) {
	for name, e := range engines() {
		t.Run(name, func(t *testing.T) {
			docs := archive()
			x := buildIndex(t, e, docs)
			st, err := x.Sync(context.Background(), docs[:4])
			if err != nil {
				t.Fatal(err)
			}
			if st.Removed != 2 || st.Unchanged != 4 || x.Len() != 4 {
				t.Errorf("sync to 4 entries: %+v, Len %d", st, x.Len())
			}
			if !x.Remove("saas") || x.Remove("saas") || x.Len() != 3 {
				t.Errorf("Remove: Len %d", x.Len())
			}
			ms, err := x.Closest(context.Background(), docs[0], 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.ID == "saas" || m.ID == "bread" || m.ID == "battery" {
					t.Errorf("closest lists removed %s", m.ID)
				}
			}
			// Save compacts; the reloaded index answers the same.
			if err := x.Save(); err != nil {
				t.Fatal(err)
			}
			y, err := Open(x.path, e)
			if err != nil {
				t.Fatal(err)
			}
			again, err := y.Closest(context.Background(), docs[0], 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if y.Len() != 3 || !sameMatches(ms, again) {
				t.Errorf("reloaded: Len %d, %v; want 3, %v", y.Len(), again, ms)
			}
		})
	}
}

func sameMatches(a, b []Match) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Title != b[i].Title || math.Abs(a[i].Score-b[i].Score) > 1e-5 {
			return false
		}
	}
	return true
}

func TestSaveOpenRoundTrip(t *testing.T) {
	for _, w := range []int{window, 64, 1} {
		t.Run(fmt.Sprintf("window %d", w), func(t *testing.T) {
			defer func(w int) { window = w }(window)
			window = w
			testSaveOpenRoundTrip(t)
		})
	}
}

func testSaveOpenRoundTrip(t *testing.T) {
	for name, e := range engines() {
		t.Run(name, func(t *testing.T) {
			docs := archive()
			x := buildIndex(t, e, docs)
			if err := x.Save(); err != nil {
				t.Fatal(err)
			}
			y, err := Open(x.path, e)
			if err != nil {
				t.Fatal(err)
			}
			if y.Stale() != nil || y.Len() != len(docs) {
				t.Fatalf("reopened: stale %v, Len %d", y.Stale(), y.Len())
			}
			for _, d := range docs {
				a, _ := x.Closest(context.Background(), d, 0, 0)
				b, err := y.Closest(context.Background(), d, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !sameMatches(a, b) {
					t.Errorf("%s: before save %v, after %v", d.ID, a, b)
				}
			}
			// Saving what was loaded unchanged writes the same bytes.
			before, _ := os.ReadFile(x.path)
			y.changed = true
			if err := y.Save(); err != nil {
				t.Fatal(err)
			}
			after, _ := os.ReadFile(x.path)
			if string(before) != string(after) {
				t.Errorf("load and save changed the file (%d → %d bytes)", len(before), len(after))
			}
		})
	}
}

func TestStaleUntilSync(t *testing.T) {
	e := NewLexical()
	path := filepath.Join(t.TempDir(), FileName(e))
	x, err := Open(path, e)
	if err != nil {
		t.Fatal(err)
	}
	if x.Stale() == nil {
		t.Fatal("a missing file is not stale")
	}
	// Adding one entry to a never-built index does not make it whole.
	if _, err := x.Add(context.Background(), archive()[0]); err != nil {
		t.Fatal(err)
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	x, err = Open(path, e)
	if err != nil {
		t.Fatal(err)
	}
	if x.Stale() == nil || !strings.Contains(x.Stale().Error(), "did not finish") || x.Len() != 1 {
		t.Errorf("index saved before any Sync: stale %v, Len %d", x.Stale(), x.Len())
	}
	if _, err := x.Sync(context.Background(), archive()); err != nil {
		t.Fatal(err)
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	x, _ = Open(path, e)
	if x.Stale() != nil {
		t.Errorf("after Sync and Save: stale %v", x.Stale())
	}
}

func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	e := NewLexical()
	path := filepath.Join(dir, FileName(e))
	x, err := Open(path, e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Sync(context.Background(), archive()); err != nil {
		t.Fatal(err)
	}
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	names := func() []string {
		es, _ := os.ReadDir(dir)
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{FileName(e)}) {
		t.Errorf("folder after Save = %v, want only the index", got)
	}

	// A Save that cannot rename over its target (a folder) fails, and leaves
	// no temporary file behind.
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	x.path = blocked
	x.changed = true
	if err := x.Save(); err == nil {
		t.Error("Save over a folder succeeded")
	}
	if got := names(); !slices.Equal(got, []string{"blocked", FileName(e)}) {
		t.Errorf("folder after a failed Save = %v, want no temporary file", got)
	}
}

func TestUntrustedFiles(t *testing.T) {
	e := NewLexical()
	x := buildIndex(t, e, archive())
	if err := x.Save(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(x.path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(good)
	flipped[len(flipped)/2] ^= 0x40
	oldVersion := slices.Clone(good)
	oldVersion[4] = 0
	other := buildIndex(t, NewEmbeddings(&tableEmbedder{}, "fake"), archive())
	if err := other.Save(); err != nil {
		t.Fatal(err)
	}
	otherEngine, _ := os.ReadFile(other.path)

	cases := []struct {
		name string
		data []byte
		why  string
	}{
		{"flipped byte", flipped, "checksum"},
		{"truncated", good[:len(good)-10], "checksum"},
		{"cut in the header", good[:6], "truncated"},
		{"empty", nil, "not an index"},
		{"wrong magic", append([]byte("DGIY"), good[4:]...), "not an index"},
		{"old version", oldVersion, "format version 0"},
		{"other engine", otherEngine, "built by another engine: embeddings (fake), want lexical"},
		{"garbage", []byte("DGIX this is not an index at all"), "format version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.dgix")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			y, err := Open(path, e)
			if err != nil {
				t.Fatal(err)
			}
			if y.Stale() == nil || !strings.Contains(y.Stale().Error(), c.why) {
				t.Errorf("stale = %v, want a reason with %q", y.Stale(), c.why)
			}
			if y.Len() != 0 {
				t.Errorf("untrusted file gave %d entries", y.Len())
			}
			// Rebuilt and saved, it is trusted again.
			if _, err := y.Sync(context.Background(), archive()); err != nil {
				t.Fatal(err)
			}
			if err := y.Save(); err != nil {
				t.Fatal(err)
			}
			z, err := Open(path, e)
			if err != nil || z.Stale() != nil || z.Len() != len(archive()) {
				t.Errorf("after rebuild: %v, stale %v, Len %d", err, z.Stale(), z.Len())
			}
		})
	}
}

// TestDecodeNeverPanics mutates valid files, fixes up the checksum so the
// parser itself is exercised, and expects an error or a consistent index,
// never a panic.
func TestDecodeNeverPanics(t *testing.T) {
	defer func(w int) { window = w }(window)
	window = 16 // every read refills the window, many grow it
	for name, e := range engines() {
		t.Run(name, func(t *testing.T) {
			x := buildIndex(t, e, archive())
			if err := x.Save(); err != nil {
				t.Fatal(err)
			}
			good, _ := os.ReadFile(x.path)
			for i := 8; i < len(good)-4; i++ {
				for _, bit := range []byte{0x01, 0x80, 0xff} {
					data := slices.Clone(good)
					data[i] ^= bit
					fixCRC(data)
					y := newIndex("", e)
					if err := y.decode(bytes.NewReader(data), int64(len(data))); err == nil {
						for _, d := range archive() {
							if _, err := y.Closest(context.Background(), d, 0, 0); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
			}
			for n := 8; n < len(good); n++ {
				data := slices.Clone(good[:n])
				if len(data) >= 12 {
					fixCRC(data)
				}
				if err := newIndex("", e).decode(bytes.NewReader(data), int64(len(data))); err == nil && n != len(good) {
					t.Errorf("a file cut at %d of %d bytes decoded", n, len(good))
				}
			}
		})
	}
}

// TestAddAfterLoad: entries added to a loaded index answer as if the index
// had been built with them from the start.
func TestAddAfterLoad(t *testing.T) {
	for name, e := range map[string]Engine{"lexical": NewLexical(), "embeddings": NewEmbeddings(&countingEmbedder{}, "bow")} {
		t.Run(name, func(t *testing.T) {
			// Enough entries over a small vocabulary that terms have long
			// lists, which grow in place after loading.
			docs := synthetic(60)
			x := buildIndex(t, e, docs[:50])
			if err := x.Save(); err != nil {
				t.Fatal(err)
			}
			y, err := Open(x.path, e)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs[50:] {
				if _, err := y.Add(context.Background(), d); err != nil {
					t.Fatal(err)
				}
			}
			y.Remove(docs[7].ID)
			docs = slices.Delete(docs, 7, 8)
			// An update after loading, too.
			docs[1].Entry.Summary = "something else entirely"
			if _, err := y.Add(context.Background(), docs[1]); err != nil {
				t.Fatal(err)
			}
			if _, err := y.Sync(context.Background(), docs); err != nil { // refreshes idf, as a fresh build has it
				t.Fatal(err)
			}
			fresh := buildIndex(t, e, docs)
			for _, d := range docs {
				a, err := y.Closest(context.Background(), d, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := fresh.Closest(context.Background(), d, 0, 0)
				if !sameMatches(a, b) {
					t.Errorf("%s: after load and add %v, built at once %v", d.ID, a, b)
				}
			}
			if err := y.Save(); err != nil {
				t.Fatal(err)
			}
			z, err := Open(x.path, e)
			if err != nil || z.Len() != len(docs) {
				t.Fatalf("reopen: %v, Len %d", err, z.Len())
			}
			for _, d := range docs {
				a, _ := z.Closest(context.Background(), d, 0, 0)
				b, _ := fresh.Closest(context.Background(), d, 0, 0)
				if !sameMatches(a, b) {
					t.Errorf("%s: saved and reopened %v, built at once %v", d.ID, a, b)
				}
			}
		})
	}
}

// synthetic returns n entries of words drawn from a vocabulary of 40.
func synthetic(n int) []Doc {
	rng := rand.New(rand.NewPCG(5, 6))
	vocab := strings.Fields(`reef coral ocean heat battery cell charge grid solar wind
		model train data consent privacy zoom video cloud vendor market
		bread yeast grain farm water river city transit rail road
		chip fab wafer memory robot drone satellite orbit launch rocket`)
	out := make([]Doc, n)
	for i := range out {
		var ws []string
		for range 12 + rng.IntN(12) {
			ws = append(ws, vocab[rng.IntN(len(vocab))])
		}
		out[i] = Doc{ID: fmt.Sprintf("s%03d", i), Entry: entry(ws[0]+" "+ws[1], strings.Join(ws[2:], " "), "", "")}
	}
	return out
}
