package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/digest-tool/digest/internal/fakeopenai"
	"github.com/digest-tool/digest/internal/testpages"
)

// Secrets a run may be given: the API key (sentinelKey), a password in a
// link's userinfo, and tokens in a link's query. None may reach an output
// stream or a file of the workspace (draft, entry, cache, journal, report,
// index).
const (
	secretPassword = "pw-SENTINEL-basic"
	secretToken    = "tok-SENTINEL-query"
	secretAPIParam = "SENTINEL-apikey-param"
)

var allSecrets = []string{sentinelKey, secretPassword, secretToken, secretAPIParam}

// leakyModel is a fake model server that repeats the Authorization header
// it was sent in its error messages, as some proxies do, for the articles
// of stories 50 (500), 51 (400) and 52 (401); others get valid answers.
func leakyModel(t *testing.T) *fakeopenai.Server {
	return fakeopenai.New(t, func(req fakeopenai.Request) fakeopenai.Reply {
		echo := "request with " + req.Authorization + " failed"
		switch m := testpages.Marker.FindStringSubmatch(req.Article()); {
		case m == nil:
		case m[1] == "050":
			return fakeopenai.Reply{Status: 500, ErrMessage: echo}
		case m[1] == "051":
			return fakeopenai.Reply{Status: 400, ErrMessage: echo}
		case m[1] == "052":
			return fakeopenai.Reply{Status: 401, ErrMessage: "Incorrect API key provided: " + strings.TrimPrefix(req.Authorization, "Bearer ")}
		}
		return fakeopenai.Reply{}
	})
}

// TestSecretsNeverLeak runs every command, with successes and failures,
// verbose or not, with the key from the environment and from
// model.api_key_cmd, and links carrying a password and tokens: no output
// stream and no file written holds any of the secrets, and the model
// server got the key (so it was in play).
func TestSecretsNeverLeak(t *testing.T) {
	for _, source := range []string{"env", "api_key_cmd"} {
		t.Run(source, func(t *testing.T) {
			t.Parallel()
			pages := pageServer(t)
			model := leakyModel(t)
			w := newWorkspace(t, model)
			w.env["EDITOR"] = "true" // edit: leave the draft as it is
			if source == "api_key_cmd" {
				delete(w.env, "OPENAI_API_KEY")
				keyFile := filepath.Join(w.env["HOME"], "key")
				os.MkdirAll(w.env["HOME"], 0o700)
				if err := os.WriteFile(keyFile, []byte(sentinelKey+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				w.write("config.toml", "[model]\napi_key_cmd = \"cat '"+keyFile+"'\"\n")
			}
			base := pages.URL
			cred := strings.Replace(base, "http://", "http://reader:"+secretPassword+"@", 1)
			tokenURL := func(p string) string {
				return cred + p + "?token=" + secretToken + "&api_key=" + secretAPIParam + "&id=3"
			}

			var outputs []string
			do := func(code int, stdin string, args ...string) result {
				t.Helper()
				r := w.run(stdin, args...)
				outputs = append(outputs, r.stdout, r.stderr)
				if r.code != code {
					t.Errorf("exit %d, want %d\n%s", r.code, code, r)
				}
				return r
			}
			do(0, "", "--version")
			do(0, "", "--help")
			do(0, "", "config")
			do(0, "", "-v", "config", "--json")
			do(0, "", "new", cred+"/p/1", "--json")
			do(0, "", "new", cred+"/p/2")
			do(0, testpages.Article(3, 6), "new", "--html", "-", "--url", cred+"/p/3", "--stdout")
			r := do(1, "", "-v", "new", tokenURL("/status/404"))
			// Redacted, not dropped: the user still sees which link failed.
			if !strings.Contains(r.stderr, "http://***@"+strings.TrimPrefix(base, "http://")+"/status/404?token=***&api_key=***&id=3") {
				t.Errorf("the link is not shown redacted:\n%s", r)
			}
			do(1, "", "-v", "new", tokenURL("/status/500"))
			do(1, "", "-v", "new", tokenURL("/to-file"))
			do(1, "", "-v", "new", strings.Replace(base, "http://", "http://reader:"+secretPassword+"@", 1)+"/hang?token="+secretToken)
			do(1, "", "-v", "new", cred+"/p/50")
			do(1, "", "-v", "new", cred+"/p/51")
			do(4, "", "-v", "new", cred+"/p/52")
			do(0, "", "extract", cred+"/p/4", "--json")
			do(1, "", "-v", "extract", tokenURL("/status/403"))
			do(2, "", "-v", "extract", "ftp://reader:"+secretPassword+"@example.com/x?token="+secretToken)
			list := strings.Join([]string{
				cred + "/p/5", tokenURL("/status/404"), cred + "/p/50", cred + "/p/6?utm_source=x",
				"ftp://reader:" + secretPassword + "@example.com/?token=" + secretToken, tokenURL("/pdf"),
			}, "\n")
			do(3, list, "batch", "-", "--json")
			do(3, list, "-v", "batch", "-")
			do(0, "", "drafts")
			r = do(0, "", "drafts", "--json")
			ids := draftIDs(w)
			if len(ids) < 3 {
				t.Fatalf("want 3 drafts or more, have %v\n%s", ids, r)
			}
			do(0, "", "show", ids[0])
			mds, _ := filepath.Glob(filepath.Join(w.dir, "drafts", "*.md"))
			do(0, "", append([]string{"check"}, mds...)...)
			do(0, "", "regen", ids[0], "--section", "headline")
			do(0, "", "edit", ids[0])
			do(0, "", "accept", ids[0])
			do(0, "", "reject", ids[1], "--reason", "off topic")
			do(0, "", "index")
			do(0, "", "closest", ids[0])
			imp := filepath.Join(w.dir, "import")
			os.MkdirAll(imp, 0o755)
			seed, err := os.ReadFile("../testdata/seed-entry.md")
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(imp, "3b96c74f728c6281fc7f1a045a5befc7.md"), seed, 0o644)
			do(0, "", "import", imp)
			do(0, "", "completion", "bash")

			if model.Count() == 0 {
				t.Fatal("the model server was never asked")
			}
			for _, req := range model.Requests() {
				if req.Authorization != "Bearer "+sentinelKey {
					t.Fatalf("the model server got %q, not the key", req.Authorization)
				}
			}
			w.noSecret(allSecrets, outputs...)
			w.noTemp()
		})
	}
}

// draftIDs lists the ids of the workspace's drafts, sorted.
func draftIDs(w *workspace) []string {
	var ids []string
	for id := range w.drafts() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
