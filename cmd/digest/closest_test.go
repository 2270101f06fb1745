package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digest-tool/digest/extract"
	"github.com/digest-tool/digest/render"
)

type fixtureEntry struct {
	url, title, summary string
	keywords            []string
}

var fixtureEntries = []fixtureEntry{
	{"https://news.example/zoom-terms", "Zoom's terms of service let it train AI on customer data",
		"Zoom changed its terms of service so customer data can train its AI models, with consent required for generative AI features.",
		[]string{"Zoom", "terms of service", "customer data", "AI models", "consent"}},
	{"https://other.example/zoom-consent", "Zoom says customer consent is needed before AI training on meetings",
		"After criticism, Zoom said it will not use audio, video or chat content to train AI models without customer consent.",
		[]string{"Zoom", "consent", "AI training", "customer content", "video platform"}},
	{"https://city.example/boilers", "City bans gas boilers in new buildings from 2030",
		"The city council voted to ban gas boilers in new buildings by 2030 to cut carbon emissions, pushing heat pumps.",
		[]string{"gas boilers", "heat pumps", "carbon emissions", "city council", "building rules"}},
	{"https://cars.example/batteries", "Battery recycling plants scale up as electric cars age",
		"Recyclers are building plants to recover lithium and nickel from the batteries of ageing electric cars.",
		[]string{"battery recycling", "lithium", "nickel", "electric cars", "recyclers"}},
}

// writeFixtureArchive renders the fixture entries into dir as <id>.md and
// returns their ids in order.
func writeFixtureArchive(t *testing.T, dir string) []string {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	var ids []string
	for _, f := range fixtureEntries {
		e := render.Entry{Title: f.title, IssueDate: "20230820", IssueURL: "https://kghosh.substack.com/p/20230820", URL: f.url,
			Summary: f.summary, Keywords: f.keywords, Themes: []string{"technology", "policy"},
			Signals: []render.Signal{{Signal: f.title, Change: "more", Horizon: "later", Force: "demand"}}}
		md, err := render.Default().Render(e)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := extract.Canonicalize(f.url)
		id := extract.ID(c)
		ids = append(ids, id)
		if err := os.WriteFile(filepath.Join(dir, id+".md"), md, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func TestImportClosestAndNew(t *testing.T) {
	ta := newTestApp(t)
	src := filepath.Join(ta.dir, "old")
	ids := writeFixtureArchive(t, src)
	seed, _ := os.ReadFile("../../testdata/seed-entry.md")
	os.WriteFile(filepath.Join(src, "seed.md"), seed, 0o644)
	os.WriteFile(filepath.Join(src, "broken.md"), []byte("# not an entry\n"), 0o644)

	code := ta.run("import", src)
	if code != exitPartial {
		t.Fatalf("import: exit %d, want %d: %s", code, exitPartial, ta.err)
	}
	if !strings.Contains(ta.out.String(), "imported 5, already in the archive 0, skipped as bad 1") {
		t.Fatalf("import summary %q", ta.out)
	}
	if !strings.Contains(ta.err.String(), "broken.md: skipped: line") || !strings.Contains(ta.err.String(), "seed.md:43: warning: repeats id") {
		t.Fatalf("import should name the bad file and warn about the seed: %q", ta.err)
	}
	if b, _ := os.ReadFile(filepath.Join(ta.dir, "entries", ids[0]+".md")); string(b) == "" {
		t.Fatal("entry not imported")
	}
	seedCanon, _ := extract.Canonicalize("https://www.cnbc.com/2023/08/07/zoom-ai-tools-trained-using-some-customer-data.html?utm_source=substack&utm_medium=email")
	if b, _ := os.ReadFile(filepath.Join(ta.dir, "entries", extract.ID(seedCanon)+".md")); string(b) != string(seed) {
		t.Fatal("the seed is not imported byte for byte under its URL's id")
	}

	// The near duplicate comes first; never self, never twice; the
	// unrelated boiler entry is below the first two Zoom entries.
	if code := ta.run("closest", ids[0][:8], "--json"); code != 0 {
		t.Fatalf("closest: exit %d: %s", code, ta.err)
	}
	var ms []struct {
		ID    string
		Score float64
	}
	if err := json.Unmarshal(ta.out.Bytes(), &ms); err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].ID != ids[1] && ms[0].ID != extract.ID(seedCanon) {
		t.Fatalf("closest to the Zoom entry: %+v", ms)
	}
	seen := map[string]bool{}
	for i, m := range ms {
		if m.ID == ids[0] || seen[m.ID] {
			t.Fatalf("self or repeat in %+v", ms)
		}
		seen[m.ID] = true
		if i > 0 && m.Score > ms[i-1].Score {
			t.Fatalf("not sorted: %+v", ms)
		}
		if m.ID == ids[2] && i < 2 {
			t.Fatalf("unrelated entry ranked %d: %+v", i, ms)
		}
	}

	// A new draft about Zoom lists Zoom entries, not itself.
	if code := ta.run("new", "--html", "../../testdata/article.html", "--url", "https://example.com/news/zoom-ai-terms"); code != 0 {
		t.Fatalf("new: exit %d: %s", code, ta.err)
	}
	d, md := ta.draft(t)
	if len(d.Entry.Closest) == 0 || !strings.Contains(d.Entry.Closest[0].Title, "Zoom") {
		t.Fatalf("draft Closest %+v", d.Entry.Closest)
	}
	if !strings.Contains(string(md), "* ["+d.Entry.Closest[0].Title) {
		t.Fatal("Closest not rendered")
	}

	// A corrupt index is rebuilt, not trusted.
	idxFiles, _ := filepath.Glob(filepath.Join(ta.dir, ".digest", "index", "*"))
	if len(idxFiles) != 1 {
		t.Fatalf("index files %v", idxFiles)
	}
	os.WriteFile(idxFiles[0], []byte("DGIXgarbage"), 0o644)
	if code := ta.run("closest", ids[0], "--json"); code != 0 || !strings.Contains(ta.out.String(), ids[1]) {
		t.Fatalf("after corruption: exit %d %s %s", code, ta.out, ta.err)
	}

	// Importing again changes nothing.
	ta.run("import", src)
	if !strings.Contains(ta.out.String(), "imported 0, already in the archive 5") {
		t.Fatalf("re-import %q", ta.out)
	}
	if code := ta.run("index"); code != 0 || !strings.Contains(ta.out.String(), "5 entries") {
		t.Fatalf("index: %d %q %q", code, ta.out, ta.err)
	}
}

func TestClosestUnknown(t *testing.T) {
	ta := newTestApp(t)
	if code := ta.run("closest", "abcdef12"); code == 0 || !strings.Contains(ta.err.String(), "abcdef12") {
		t.Fatalf("exit %d %q", code, ta.err)
	}
	if code := ta.run("closest", "zz"); code != exitUsage {
		t.Fatalf("exit %d %q", code, ta.err)
	}
}
