// Package config loads digest's settings and remembers where each came from.
//
// Precedence, highest first: flag > environment > workspace config.toml >
// $XDG_CONFIG_HOME/digest/config.toml > built-in defaults (the repository's
// config.toml, embedded). Unknown keys, wrong types and bad values are errors
// that name the file and the key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	digest "github.com/digest-tool/digest"
)

// Config is the effective configuration. Field tags name the TOML keys.
type Config struct {
	Model      Model      `toml:"model"`
	Fetch      Fetch      `toml:"fetch"`
	Newsletter Newsletter `toml:"newsletter"`
	Batch      Batch      `toml:"batch"`
	Closest    Closest    `toml:"closest"`
	Paths      Paths      `toml:"paths"`
	Git        Git        `toml:"git"`

	sources map[string]string // key -> where its value came from
}

// Model configures the language model.
type Model struct {
	Engine            string   `toml:"engine"`
	BaseURL           string   `toml:"base_url"`
	Name              string   `toml:"name"`
	APIKeyEnv         string   `toml:"api_key_env"`
	APIKeyCmd         string   `toml:"api_key_cmd"`
	Structured        string   `toml:"structured"`
	Modules           bool     `toml:"modules"`
	Temperature       float64  `toml:"temperature"`
	Timeout           Duration `toml:"timeout"`
	MaxRetries        int      `toml:"max_retries"`
	MaxInputTokens    int      `toml:"max_input_tokens"`
	RequestsPerMinute int      `toml:"requests_per_minute"`
	TokensPerMinute   int      `toml:"tokens_per_minute"`
	Prices            Prices   `toml:"prices"`
}

// Prices are USD per million tokens; zero means unknown.
type Prices struct {
	Input       float64 `toml:"input"`
	CachedInput float64 `toml:"cached_input"`
	Output      float64 `toml:"output"`
}

// Fetch configures page downloads.
type Fetch struct {
	Timeout        Duration `toml:"timeout"`
	ConnectTimeout Duration `toml:"connect_timeout"`
	MaxBytes       int64    `toml:"max_bytes"`
	UserAgent      string   `toml:"user_agent"`
}

// Newsletter describes the newsletter the digest follows.
type Newsletter struct {
	IssueURL string `toml:"issue_url"`
	Date     string `toml:"date"`
}

// Batch configures `digest batch`.
type Batch struct {
	Concurrency int `toml:"concurrency"`
}

// Closest configures the related-entries index.
type Closest struct {
	Engine         string  `toml:"engine"`
	EmbeddingModel string  `toml:"embedding_model"`
	Dimensions     int     `toml:"dimensions"`
	MinSimilarity  float64 `toml:"min_similarity"`
	K              int     `toml:"k"`
}

// Paths are workspace folders, relative to the workspace.
type Paths struct {
	Drafts    string `toml:"drafts"`
	Entries   string `toml:"entries"`
	Templates string `toml:"templates"`
}

// Git configures what `digest accept` does in a workspace that is a git
// repository.
type Git struct {
	Commit bool `toml:"commit"`
}

// Duration is a time.Duration written as a string ("30s") in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses "30s"-style durations.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration like \"30s\" or \"2m\": %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back as a string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// File is a config file to layer on top of the defaults. A missing optional
// file is skipped.
type File struct {
	Path     string
	Optional bool
}

// Load builds the configuration: built-in defaults, then each file in order
// (later files win), then environment variables read through getenv.
func Load(files []File, readFile func(string) ([]byte, error), getenv func(string) string) (*Config, error) {
	c := &Config{sources: map[string]string{}}
	if err := c.layer("built-in config.toml", digest.DefaultConfig); err != nil {
		return nil, err
	}
	for k := range c.sources {
		c.sources[k] = "default"
	}
	for _, f := range files {
		b, err := readFile(f.Path)
		if err != nil {
			if f.Optional && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("read config %s: %w", f.Path, err)
		}
		if err := c.layer(f.Path, b); err != nil {
			return nil, err
		}
	}
	for _, k := range Keys() {
		name := EnvName(k)
		if v := getenv(name); v != "" {
			if err := c.Set(k, v, "env "+name); err != nil {
				return nil, err
			}
		}
	}
	if v := getenv("OPENAI_BASE_URL"); v != "" && getenv(EnvName("model.base_url")) == "" {
		if err := c.Set("model.base_url", v, "env OPENAI_BASE_URL"); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// layer decodes one TOML document over c and records its keys' source.
func (c *Config) layer(name string, b []byte) error {
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(c)
	if err != nil {
		return fileError(name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fmt.Errorf("%s: unknown key %q (see `digest config` for the known keys)", name, und[0].String())
	}
	for _, k := range md.Keys() {
		key := k.String()
		if _, ok := field(c, key); ok {
			c.sources[key] = name
		}
	}
	return c.validate(name)
}

// fileError turns a toml error into "<file>: line N: ..." naming the key.
func fileError(name string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" {
			return fmt.Errorf("%s: line %d: key %q: %s", name, pe.Position.Line, pe.LastKey, msg)
		}
		return fmt.Errorf("%s: line %d: %s", name, pe.Position.Line, msg)
	}
	// Type mismatches come as `toml: line 2 (last key "a.b"): msg`.
	if m := typeErr.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%s: line %s: key %q: %s", name, m[1], m[2], m[3])
	}
	return fmt.Errorf("%s: %w", name, err)
}

var typeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

var (
	engines        = []string{"auto", "openai", "offline"}
	structModes    = []string{"json_schema", "json_object", "prompt"}
	closestEngines = []string{"auto", "lexical", "embeddings"}
)

// validate checks values a type cannot: enumerations, ranges, formats.
func (c *Config) validate(name string) error {
	bad := func(key, format string, a ...any) error {
		return fmt.Errorf("%s: key %q: %s", name, key, fmt.Sprintf(format, a...))
	}
	oneOf := func(key, v string, allowed []string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return bad(key, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	if err := oneOf("model.engine", c.Model.Engine, engines); err != nil {
		return err
	}
	if err := oneOf("model.structured", c.Model.Structured, structModes); err != nil {
		return err
	}
	if err := oneOf("closest.engine", c.Closest.Engine, closestEngines); err != nil {
		return err
	}
	if c.Closest.Engine == "embeddings" && c.Closest.EmbeddingModel == "" {
		return bad("closest.engine", "embeddings needs closest.embedding_model")
	}
	switch {
	case c.Model.Name == "":
		return bad("model.name", "must not be empty")
	case c.Model.APIKeyEnv == "":
		return bad("model.api_key_env", "must name an environment variable")
	case c.Model.Temperature < 0 || c.Model.Temperature > 2:
		return bad("model.temperature", "%v is outside 0..2", c.Model.Temperature)
	case c.Model.Timeout.Duration <= 0:
		return bad("model.timeout", "must be positive")
	case c.Model.MaxRetries < 0 || c.Model.MaxRetries > 20:
		return bad("model.max_retries", "%d is outside 0..20", c.Model.MaxRetries)
	case c.Model.MaxInputTokens < 500:
		return bad("model.max_input_tokens", "%d is below 500", c.Model.MaxInputTokens)
	case c.Model.RequestsPerMinute < 0:
		return bad("model.requests_per_minute", "must not be negative")
	case c.Model.TokensPerMinute < 0:
		return bad("model.tokens_per_minute", "must not be negative")
	case c.Model.Prices.Input < 0 || c.Model.Prices.CachedInput < 0 || c.Model.Prices.Output < 0:
		return bad("model.prices", "prices must not be negative")
	case c.Fetch.Timeout.Duration <= 0:
		return bad("fetch.timeout", "must be positive")
	case c.Fetch.ConnectTimeout.Duration <= 0:
		return bad("fetch.connect_timeout", "must be positive")
	case c.Fetch.MaxBytes < 1024:
		return bad("fetch.max_bytes", "%d is below 1024", c.Fetch.MaxBytes)
	case c.Batch.Concurrency < 1 || c.Batch.Concurrency > 256:
		return bad("batch.concurrency", "%d is outside 1..256", c.Batch.Concurrency)
	case c.Closest.Dimensions < 0 || c.Closest.Dimensions > 8192:
		return bad("closest.dimensions", "%d is outside 0..8192", c.Closest.Dimensions)
	case c.Closest.MinSimilarity < 0 || c.Closest.MinSimilarity > 1:
		return bad("closest.min_similarity", "%v is outside 0..1", c.Closest.MinSimilarity)
	case c.Closest.K < 1 || c.Closest.K > 10:
		return bad("closest.k", "%d is outside 1..10", c.Closest.K)
	case c.Paths.Drafts == "" || c.Paths.Entries == "":
		return bad("paths", "drafts and entries must be set")
	case !strings.Contains(c.Newsletter.IssueURL, "{date}"):
		return bad("newsletter.issue_url", "must contain {date}")
	}
	if c.Model.BaseURL != "" && !strings.HasPrefix(c.Model.BaseURL, "http://") && !strings.HasPrefix(c.Model.BaseURL, "https://") {
		return bad("model.base_url", "%q must start with http:// or https://", c.Model.BaseURL)
	}
	if d := c.Newsletter.Date; d != "" {
		if err := CheckDate(d); err != nil {
			return bad("newsletter.date", "%v", err)
		}
	}
	return nil
}

// CheckDate reports whether d is a valid YYYYMMDD date.
func CheckDate(d string) error {
	if _, err := time.Parse("20060102", d); err != nil || len(d) != 8 {
		return fmt.Errorf("%q is not a date in the form YYYYMMDD", d)
	}
	return nil
}

// Set sets key (dotted, e.g. "model.name") from its string form and records
// source ("flag --model", "env DIGEST_MODEL_NAME"). The value is validated.
func (c *Config) Set(key, value, source string) error {
	v, ok := field(c, key)
	if !ok {
		return fmt.Errorf("%s: unknown key %q", source, key)
	}
	if err := setString(v, value); err != nil {
		return fmt.Errorf("%s: key %q: %w", source, key, err)
	}
	c.sources[key] = source
	return c.validate(source)
}

func setString(v reflect.Value, s string) error {
	if u, ok := v.Addr().Interface().(interface{ UnmarshalText([]byte) error }); ok {
		return u.UnmarshalText([]byte(s))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("cannot be set from text")
	}
	return nil
}

// Source says where key's value came from: "default", a file path,
// "env NAME" or "flag --name".
func (c *Config) Source(key string) string { return c.sources[key] }

// Setting is one key's effective value, as text, and its source.
type Setting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Settings lists every key with its value and source, in key order. No
// setting holds a secret: the API key lives only in the environment.
func (c *Config) Settings() []Setting {
	var out []Setting
	for _, k := range Keys() {
		v, _ := field(c, k)
		var s string
		switch x := v.Interface().(type) {
		case Duration:
			s = x.String()
		case string:
			s = strconv.Quote(x)
		default:
			s = fmt.Sprint(x)
		}
		out = append(out, Setting{Key: k, Value: s, Source: c.sources[k]})
	}
	return out
}

// Keys lists every dotted key, sorted.
func Keys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("toml")
			if tag == "" || !f.IsExported() {
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(Duration{}) {
				walk(f.Type, prefix+tag+".")
				continue
			}
			keys = append(keys, prefix+tag)
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	sort.Strings(keys)
	return keys
}

// EnvName is the environment variable that sets key: DIGEST_MODEL_NAME for
// "model.name".
func EnvName(key string) string {
	return "DIGEST_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// field finds the struct field for a dotted key.
func field(c *Config, key string) (reflect.Value, bool) {
	v := reflect.ValueOf(c).Elem()
	for _, part := range strings.Split(key, ".") {
		if v.Kind() != reflect.Struct || v.Type() == reflect.TypeOf(Duration{}) {
			return reflect.Value{}, false
		}
		found := false
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).Tag.Get("toml") == part {
				v = v.Field(i)
				found = true
				break
			}
		}
		if !found {
			return reflect.Value{}, false
		}
	}
	if v.Kind() == reflect.Struct && v.Type() != reflect.TypeOf(Duration{}) {
		return reflect.Value{}, false
	}
	return v, true
}

// APIKey finds the model API key: the environment variable named by
// model.api_key_env, else the output of model.api_key_cmd run through run.
// It returns where the key came from, never logging the key itself.
func (c *Config) APIKey(getenv func(string) string, run func(command string) (string, error)) (key, source string, err error) {
	if k := strings.TrimSpace(getenv(c.Model.APIKeyEnv)); k != "" {
		return k, "env " + c.Model.APIKeyEnv, nil
	}
	if c.Model.APIKeyCmd != "" && run != nil {
		out, err := run(c.Model.APIKeyCmd)
		if err != nil {
			// The command's output may hold the key: never include it.
			return "", "", fmt.Errorf("model.api_key_cmd failed (%s): fix the command or set %s", firstLine(err.Error()), c.Model.APIKeyEnv)
		}
		if k := strings.TrimSpace(out); k != "" {
			return k, "command model.api_key_cmd", nil
		}
	}
	return "", "", nil
}

// Engine resolves model.engine: "auto" means openai when an API key or a
// base URL is set, offline otherwise.
func (c *Config) Engine(haveKey bool) string {
	if c.Model.Engine != "auto" {
		return c.Model.Engine
	}
	if haveKey || c.Model.BaseURL != "" {
		return "openai"
	}
	return "offline"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
