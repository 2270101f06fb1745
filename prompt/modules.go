package prompt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/digest-tool/digest/templates"
)

// A module is one part of an entry. Its instruction is the prompt file
// templates/prompts/<name>.txt; its JSON key is its name.
type module struct {
	name string
	// schema is the JSON schema of the module's value.
	schema any
	// shape is the value as the prompt-described modes show it.
	shape string
	// validate checks the module's part of a Fields.
	validate func(Fields, *haystack) []string
	// field points at the module's part of a Fields.
	field func(*Fields) any
}

// copy sets the module's part of dst to that of src.
func (m module) copy(dst *Fields, src Fields) {
	reflect.ValueOf(m.field(dst)).Elem().Set(reflect.ValueOf(m.field(&src)).Elem())
}

var (
	str = object{{"type", "string"}}
	// modules in the order the model writes them: the summary before the
	// headline that condenses it, and in each signal the quote before the
	// reading of it.
	modules = []module{
		{"summary", str, `"…"`, validateSummary, func(f *Fields) any { return &f.Summary }},
		{"headline", str, `"…"`, validateHeadline, func(f *Fields) any { return &f.Headline }},
		{"keywords", array(str, keywordsMin, keywordsMax), `["…"]`, validateKeywords,
			func(f *Fields) any { return &f.Keywords }},
		{"themes", array(str, themesMin, themesMax), `["…"]`, validateThemes,
			func(f *Fields) any { return &f.Themes }},
		{"signals", array(strictObject([]string{"evidence", "signal", "change", "horizon", "force"},
			func(int) any { return str }), signalsMin, signalsMax),
			`[{"evidence":"…","signal":"…","change":"…","horizon":"…","force":"…"}]`,
			validateSignals, func(f *Fields) any { return &f.Signals }},
	}
)

// Modules lists the module names, in the order the model writes them.
func (c *Client) Modules() []string {
	names := make([]string, len(modules))
	for i, m := range modules {
		names[i] = m.name
	}
	return names
}

// object is a JSON object that keeps its keys in order, because a model
// following a strict schema writes the properties in schema order.
type object []struct {
	k string
	v any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.k)
		v, err := json.Marshal(kv.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func array(items any, lo, hi int) object {
	return object{{"type", "array"}, {"items", items}, {"minItems", lo}, {"maxItems", hi}}
}

// strictObject is an object schema as strict structured outputs want it:
// every property required, no others allowed.
func strictObject(keys []string, schema func(i int) any) object {
	props := make(object, len(keys))
	for i, k := range keys {
		props[i].k, props[i].v = k, schema(i)
	}
	return object{{"type", "object"}, {"properties", props}, {"required", keys}, {"additionalProperties", false}}
}

// job is what one request asks for: one module or all of them.
type job struct {
	mods   []module
	name   string          // schema name, "digest_entry" or "digest_<module>"
	schema json.RawMessage // strict schema of the answer object
	instr  string          // the modules' instructions
	format string          // the shape of the answer, in the prompt-described modes
}

// task is the instruction message of the job.
func (j job) task() string {
	if j.format == "" {
		return j.instr
	}
	return j.instr + "\n" + j.format
}

// texts are the prompt files in use.
type texts struct {
	system, json, repair, regen string
	module                      map[string]string
}

// loadTexts reads the prompt files, from dir when it has them.
func loadTexts(dir string) (texts, error) {
	t := texts{module: map[string]string{}}
	read := func(name string) (string, error) {
		b, _, err := templates.Read(dir, "prompts/"+name+".txt")
		if err != nil {
			return "", fmt.Errorf("prompt %s: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"system", &t.system}, {"json", &t.json}, {"repair", &t.repair}, {"regen", &t.regen}} {
		if *f.dst, err = read(f.name); err != nil {
			return t, err
		}
	}
	for _, m := range modules {
		if t.module[m.name], err = read(m.name); err != nil {
			return t, err
		}
	}
	return t, nil
}

// newJob builds the request shape for mods under the structured mode.
func newJob(t texts, mode string, mods []module) job {
	j := job{mods: mods, name: "digest_entry"}
	if len(mods) == 1 {
		j.name = "digest_" + mods[0].name
	}
	keys := make([]string, len(mods))
	var lines, shape []string
	for i, m := range mods {
		keys[i] = m.name
		lines = append(lines, t.module[m.name])
		shape = append(shape, fmt.Sprintf("%q:%s", m.name, m.shape))
	}
	j.schema, _ = json.Marshal(strictObject(keys, func(i int) any { return mods[i].schema }))
	j.instr = strings.Join(lines, "\n")
	if mode != StructuredSchema {
		j.format = strings.ReplaceAll(t.json, "{{shape}}", "{"+strings.Join(shape, ",")+"}")
	}
	return j
}

// version hashes everything that shapes the requests, so that editing a
// prompt file invalidates the cache.
func (t texts) version(jobs []job) string {
	h := sha256.New()
	for _, s := range []string{t.system, t.json, t.repair, t.regen} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	for _, j := range jobs {
		fmt.Fprintf(h, "%s|%s|%s", j.name, j.schema, j.task())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// part returns the module's value of f as JSON, for showing the model what
// it is asked to replace.
func part(m module, f Fields) string {
	b, _ := json.Marshal(m.field(&f))
	return string(b)
}

// decode reads the answer of a job: one JSON object holding each module's
// key. It returns the problems to send back when the answer is unusable.
func decode(content string, mods []module) (Fields, []string) {
	var f Fields
	raw, err := extractJSON(content)
	if err != nil {
		return f, []string{err.Error()}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return f, []string{"the answer is not a JSON object: " + clip(err.Error(), 120)}
	}
	var problems []string
	for _, m := range mods {
		v, ok := obj[m.name]
		if !ok {
			problems = append(problems, m.name+": missing")
			continue
		}
		if err := json.Unmarshal(v, m.field(&f)); err != nil {
			problems = append(problems, fmt.Sprintf("%s: wrong type, want %s", m.name, m.shape))
		}
	}
	trimFields(&f)
	return f, problems
}
