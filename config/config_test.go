package config

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"
)

func files(m map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if s, ok := m[p]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(nil, files(nil), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Name != "gpt-4o-mini" || c.Model.Timeout.Duration != 120*time.Second || c.Fetch.MaxBytes != 15<<20 || c.Batch.Concurrency != 8 {
		t.Fatalf("defaults not loaded: %+v", c)
	}
	if got := c.Source("model.name"); got != "default" {
		t.Fatalf("source = %q", got)
	}
}

func TestPrecedence(t *testing.T) {
	fs := files(map[string]string{
		"xdg.toml": "[model]\nname = \"from-xdg\"\ntemperature = 0.5\n",
		"ws.toml":  "[model]\nname = \"from-ws\"\n[batch]\nconcurrency = 3\n",
	})
	c, err := Load([]File{{"xdg.toml", true}, {"ws.toml", true}, {"missing.toml", true}}, fs,
		env(map[string]string{"DIGEST_BATCH_CONCURRENCY": "5", "OPENAI_BASE_URL": "http://localhost:11434/v1"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Name != "from-ws" || c.Source("model.name") != "ws.toml" {
		t.Errorf("model.name = %q from %q", c.Model.Name, c.Source("model.name"))
	}
	if c.Model.Temperature != 0.5 || c.Source("model.temperature") != "xdg.toml" {
		t.Errorf("temperature = %v from %q", c.Model.Temperature, c.Source("model.temperature"))
	}
	if c.Batch.Concurrency != 5 || c.Source("batch.concurrency") != "env DIGEST_BATCH_CONCURRENCY" {
		t.Errorf("concurrency = %d from %q", c.Batch.Concurrency, c.Source("batch.concurrency"))
	}
	if c.Model.BaseURL != "http://localhost:11434/v1" || c.Source("model.base_url") != "env OPENAI_BASE_URL" {
		t.Errorf("base_url = %q from %q", c.Model.BaseURL, c.Source("model.base_url"))
	}
	if err := c.Set("model.name", "gpt-4o", "flag --model"); err != nil {
		t.Fatal(err)
	}
	if c.Model.Name != "gpt-4o" || c.Source("model.name") != "flag --model" {
		t.Errorf("flag did not win: %q from %q", c.Model.Name, c.Source("model.name"))
	}
}

func TestErrorsNameFileAndKey(t *testing.T) {
	cases := []struct{ file, want string }{
		{"[model]\nnmae = \"x\"\n", `config.toml: unknown key "model.nmae"`},
		{"[model]\ntemperature = \"hot\"\n", `config.toml: line 2: key "model.temperature"`},
		{"[model]\nengine = \"gpt\"\n", `config.toml: key "model.engine": "gpt" is not one of auto, openai, offline`},
		{"[model]\ntimeout = \"soon\"\n", `config.toml: line 2: key "model.timeout"`},
		{"[batch]\nconcurrency = 0\n", `config.toml: key "batch.concurrency"`},
		{"[newsletter]\ndate = \"2023-08-27\"\n", `config.toml: key "newsletter.date"`},
		{"[model\n", `config.toml: line 2: expected`},
		{"[model]\nbase_url = \"localhost:8080\"\n", `key "model.base_url"`},
	}
	for _, tc := range cases {
		_, err := Load([]File{{"config.toml", false}}, files(map[string]string{"config.toml": tc.file}), env(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to contain %q", tc.file, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is more than one line: %q", tc.file, err)
		}
	}
}

func TestRequiredFileMissing(t *testing.T) {
	_, err := Load([]File{{"nope.toml", false}}, files(nil), env(nil))
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadEnvNamesVariable(t *testing.T) {
	_, err := Load(nil, files(nil), env(map[string]string{"DIGEST_MODEL_MAX_RETRIES": "many"}))
	if err == nil || !strings.Contains(err.Error(), "env DIGEST_MODEL_MAX_RETRIES") {
		t.Fatalf("err = %v", err)
	}
}

func TestSettingsNeverHoldKey(t *testing.T) {
	const secret = "sk-SENTINEL-do-not-print"
	c, err := Load(nil, files(nil), env(map[string]string{"OPENAI_API_KEY": secret}))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Settings() {
		if strings.Contains(s.Value, secret) {
			t.Fatalf("setting %s shows the key", s.Key)
		}
	}
	key, src, err := c.APIKey(env(map[string]string{"OPENAI_API_KEY": secret}), nil)
	if err != nil || key != secret || src != "env OPENAI_API_KEY" {
		t.Fatalf("APIKey = %q, %q, %v", key, src, err)
	}
}

func TestAPIKeyCommand(t *testing.T) {
	c, _ := Load(nil, files(nil), env(map[string]string{"DIGEST_MODEL_API_KEY_CMD": "print-key"}))
	key, src, err := c.APIKey(env(nil), func(cmd string) (string, error) { return "sk-from-cmd\n", nil })
	if err != nil || key != "sk-from-cmd" || src != "command model.api_key_cmd" {
		t.Fatalf("APIKey = %q, %q, %v", key, src, err)
	}
	_, _, err = c.APIKey(env(nil), func(string) (string, error) { return "", errors.New("exit status 1") })
	if err == nil || !strings.Contains(err.Error(), "OPENAI_API_KEY") {
		t.Fatalf("err = %v", err)
	}
}

func TestEngineAuto(t *testing.T) {
	c, _ := Load(nil, files(nil), env(nil))
	if c.Engine(false) != "offline" || c.Engine(true) != "openai" {
		t.Fatal("auto engine resolution wrong")
	}
	c.Model.BaseURL = "http://localhost:1234/v1"
	if c.Engine(false) != "openai" {
		t.Fatal("base_url should select openai")
	}
}

func TestKeysCoverEveryField(t *testing.T) {
	keys := Keys()
	want := []string{"batch.concurrency", "fetch.max_bytes", "model.prices.input", "newsletter.issue_url", "paths.templates"}
	for _, w := range want {
		found := false
		for _, k := range keys {
			found = found || k == w
		}
		if !found {
			t.Errorf("Keys() lacks %s", w)
		}
	}
	c, _ := Load(nil, files(nil), env(nil))
	for _, k := range keys {
		if c.Source(k) != "default" {
			t.Errorf("key %s is not in the built-in config.toml", k)
		}
	}
}
