package prompt

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/digest-tool/digest/internal/atomicfile"
)

// cacheEntry is one cached answer, as stored in <CacheDir>/<key>.json. It
// holds what was asked and answered, never the API key.
type cacheEntry struct {
	Key           string `json:"key"`
	Model         string `json:"model"`
	PromptVersion string `json:"prompt_version"`
	Structured    string `json:"structured"`
	Fields        Fields `json:"fields"`
	Usage         Usage  `json:"usage"` // what the answer cost when it was made
	InputCut      bool   `json:"input_cut"`
}

// cacheKey hashes everything that shapes an answer: the server and model
// (one model name can mean different models on two servers), the prompt
// version (prompt files, schemas, one request or one per module), the
// structured mode, the input budget, the temperature and the article text.
func (c *Client) cacheKey(text string) string {
	h := sha256.New()
	fmt.Fprintf(h, "digest-cache-2\x00%s\x00%s\x00%s\x00%s\x00%d\x00%g\x00", c.endpoint, c.cfg.Model, c.version, c.mode, c.cfg.MaxInputTokens, c.cfg.Temperature)
	h.Write([]byte(text))
	return hex.EncodeToString(h.Sum(nil))
}

// loadCache returns the cached answer for key. Unreadable entries and
// answers the current validation rejects count as misses.
func (c *Client) loadCache(key, text string) (cacheEntry, bool) {
	var e cacheEntry
	if c.cfg.CacheDir == "" {
		return e, false
	}
	b, err := os.ReadFile(filepath.Join(c.cfg.CacheDir, key+".json"))
	if err != nil || json.Unmarshal(b, &e) != nil || e.Key != key || len(Validate(e.Fields, text)) > 0 {
		return cacheEntry{}, false
	}
	return e, true
}

// storeCache writes e atomically: a temporary file in the same folder,
// renamed over the entry, so that a reader never sees half an entry (and
// the first write of a process removes those a killed one left).
func (c *Client) storeCache(key string, e cacheEntry) error {
	if c.cfg.CacheDir == "" {
		return nil
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.cfg.CacheDir, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	tmp, err := atomicfile.CreateTemp(filepath.Join(c.cfg.CacheDir, key+".json"))
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(c.cfg.CacheDir, key+".json"))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
