package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digest-tool/digest/render"
	"github.com/digest-tool/digest/store"
)

const articleHTML = "../../testdata/article.html"

// newDraft makes an offline draft of the saved page html under link and
// returns its id.
func (ta *testApp) newDraft(t *testing.T, html, link string) string {
	t.Helper()
	if code := ta.run("new", "--html", html, "--url", link); code != 0 {
		t.Fatalf("new %s: exit %d: %s", link, code, ta.err)
	}
	return strings.TrimSuffix(filepath.Base(strings.TrimSpace(ta.out.String())), ".md")
}

// ws is the test workspace as the store sees it.
func (ta *testApp) ws() *store.Workspace { return store.Open(ta.dir, "drafts", "entries") }

// exists reports whether the workspace file name exists.
func (ta *testApp) exists(name string) bool {
	_, err := os.Stat(filepath.Join(ta.dir, name))
	return err == nil
}

// gitInit makes the test workspace a git repository with an identity and
// returns a function running git in it.
func (ta *testApp) gitInit(t *testing.T) func(args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = ta.dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q")
	git("config", "user.name", "Digest Test")
	git("config", "user.email", "digest@example.com")
	git("config", "commit.gpgsign", "false")
	return git
}

// saveDraft writes a draft with id and entry e straight to the store.
func (ta *testApp) saveDraft(t *testing.T, id string, e render.Entry) {
	t.Helper()
	md, err := render.Default().Render(e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.ws().SaveDraft(store.Draft{ID: id, Entry: e, Engine: "openai", Model: "m"}, md); err != nil {
		t.Fatal(err)
	}
}

func cleanEntry(title string) render.Entry {
	return render.Entry{
		Title: title, IssueDate: "20230827", IssueURL: "https://kghosh.substack.com/p/20230827",
		URL: "https://example.com/" + strings.ReplaceAll(strings.ToLower(title), " ", "-"), Summary: "One. Two. Three.",
		Keywords: []string{"alpha", "beta"}, Themes: []string{"gamma", "delta"},
		Signals: []render.Signal{{Signal: "s", Change: "c", Horizon: "h", Force: "f"}},
		Closest: []render.Related{},
	}
}

func TestDraftsJSON(t *testing.T) {
	ta := newTestApp(t)
	if code := ta.run("drafts", "--json"); code != 0 || ta.out.String() != "[]\n" {
		t.Fatalf("empty: exit %d, %q", code, ta.out)
	}
	zoom := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	clean := strings.Repeat("0", 32)
	ta.saveDraft(t, clean, cleanEntry("A clean draft"))
	if code := ta.run("drafts", "--json"); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	var got []map[string]json.RawMessage
	if err := json.Unmarshal(ta.out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d drafts", len(got))
	}
	keys := []string{"created", "engine", "flags", "id", "model", "path", "title", "url"}
	for _, d := range got {
		var k []string
		for key := range d {
			k = append(k, key)
		}
		slices.Sort(k)
		if !slices.Equal(k, keys) {
			t.Fatalf("keys %v, want %v", k, keys)
		}
	}
	// Both were made at the test clock's time: the older sidecar has no time, so it sorts first.
	var infos []draftInfo
	json.Unmarshal(ta.out.Bytes(), &infos)
	if infos[0].ID != clean || infos[1].ID != zoom {
		t.Fatalf("order %s %s", infos[0].ID, infos[1].ID)
	}
	if string(got[0]["flags"]) != "[]" {
		t.Errorf("a draft with no flags has flags %s, want []", got[0]["flags"])
	}
	z := infos[1]
	if z.Engine != "offline" || z.Path != filepath.Join("drafts", zoom+".md") || z.URL != "https://example.com/news/zoom" || z.Created.IsZero() {
		t.Errorf("zoom draft %+v", z)
	}
	if len(z.Flags) == 0 || z.Flags[0].Kind != store.FlagToReview || len(z.Flags[0].Items) == 0 {
		t.Errorf("offline draft flags %+v", z.Flags)
	}
	// The same bytes every time.
	first := ta.out.String()
	ta.run("drafts", "--json")
	if ta.out.String() != first {
		t.Fatal("drafts --json is not stable")
	}
}

func TestDraftsText(t *testing.T) {
	ta := newTestApp(t)
	zoom := ta.newDraft(t, articleHTML, "https://example.com/news/zoom")
	if code := ta.run("drafts"); code != 0 {
		t.Fatalf("exit %d: %s", code, ta.err)
	}
	f := strings.Split(strings.TrimSuffix(ta.out.String(), "\n"), "\t")
	if len(f) != 6 || f[0] != zoom || f[2] != "offline" || f[4] != "https://example.com/news/zoom" || !strings.HasPrefix(f[5], "to review (") {
		t.Fatalf("piped line %q", f)
	}
	ta.StdoutTTY = true
	ta.run("drafts")
	if out := ta.out.String(); !strings.Contains(out, zoom[:8]+"  "+ta.Now().Local().Format("2006-01-02")+"  offline") || !strings.Contains(out, "! to review (") {
		t.Fatalf("terminal output:\n%s", out)
	}
	// A sidecar that cannot be read is reported; the others are listed.
	ta.write(t, "drafts/"+strings.Repeat("e", 32)+".json", "{not json")
	ta.StdoutTTY = false
	if code := ta.run("drafts"); code != exitFailure || !strings.Contains(ta.err.String(), strings.Repeat("e", 32)+".json") || !strings.Contains(ta.out.String(), zoom) {
		t.Fatalf("broken sidecar: exit %d, out %q, err %q", code, ta.out, ta.err)
	}
}
