package extract

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
)

// The article-extraction benchmark lives beside the repository, not in it
// (../shared/bench, see its README.md); CI clones only this repository.
const aebDir = "../../shared/bench/aeb-dev"

var aebPred = flag.String("aeb.pred", "", "write BenchmarkAEB's predictions as JSON to this file, for aebscore")

// BenchmarkAEB extracts every page of the benchmark with FromHTML and reports
// the time per page (mean, median, p95) and the benchmark's F1, precision
// and recall. go run ./bench/extract gives the same with halves and a
// baseline.
func BenchmarkAEB(b *testing.B) {
	paths, _ := filepath.Glob(filepath.Join(aebDir, "html", "*.html.gz"))
	if len(paths) == 0 {
		b.Skip("no benchmark pages in " + aebDir)
	}
	raw, err := os.ReadFile(filepath.Join(aebDir, "ground-truth.json"))
	if err != nil {
		b.Fatal(err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		b.Fatal(err)
	}
	type page struct {
		id, url string
		html    []byte
	}
	var pages []page
	for _, p := range paths {
		id := strings.TrimSuffix(filepath.Base(p), ".html.gz")
		pages = append(pages, page{id, truth[id].URL, gunzipFile(b, p)})
	}

	x := New(Options{})
	preds := map[string]string{}
	var perPage []time.Duration
	failed := 0
	b.ResetTimer()
	for b.Loop() {
		failed = 0
		for _, p := range pages {
			start := time.Now()
			a, err := x.FromHTML(bytes.NewReader(p.html), p.url)
			perPage = append(perPage, time.Since(start))
			if err != nil {
				failed++
			}
			preds[p.id] = a.Text
		}
	}
	b.StopTimer()

	slices.Sort(perPage)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(pages)), "ms/page")
	b.ReportMetric(float64(perPage[len(perPage)/2].Microseconds())/1000, "median-ms/page")
	b.ReportMetric(float64(perPage[len(perPage)*95/100].Microseconds())/1000, "p95-ms/page")
	var scores []tpfpfn
	for _, p := range pages {
		scores = append(scores, shingleMatch(truth[p.id].ArticleBody, preds[p.id]))
	}
	f1, precision, recall := aebMetrics(scores)
	b.ReportMetric(f1, "F1")
	b.ReportMetric(precision, "precision")
	b.ReportMetric(recall, "recall")
	b.ReportMetric(float64(failed), "failed")

	if *aebPred != "" {
		out := map[string]map[string]string{}
		for id, text := range preds {
			out[id] = map[string]string{"articleBody": text}
		}
		data, err := json.MarshalIndent(out, "", " ")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(*aebPred, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

func gunzipFile(tb testing.TB, path string) []byte {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(path, err)
	}
	return data
}

// The benchmark's metric, ported from ../shared/bench/aebscore/metric.go
// (which follows the benchmark's evaluate.py): 4-token shingles, tp/fp/fn
// per page normalised to sum 1, precision and recall averaged over pages,
// F1 the harmonic mean of the two averages. aebscore's exact big.Rat mean is
// a plain float mean here; the two agree to far more than three decimals.

type tpfpfn [3]float64

// aebTokens splits like Python's re.findall(r'\w+'): runs of letters,
// numbers and '_'.
func aebTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r))
	})
}

// shingles counts the runs of 4 consecutive tokens; a text of 1 to 3
// tokens is one shorter shingle.
func shingles(s string) map[string]int {
	toks := aebTokens(s)
	out := map[string]int{}
	if len(toks) == 0 {
		return out
	}
	for i := 0; i == 0 || i+4 <= len(toks); i++ {
		out[strings.Join(toks[i:min(i+4, len(toks))], "\x00")]++
	}
	return out
}

func shingleMatch(truth, pred string) tpfpfn {
	tc, pc := shingles(truth), shingles(pred)
	var tp, fp, fn float64
	for k, t := range tc {
		p := pc[k]
		tp += float64(min(t, p))
		fp += float64(max(0, p-t))
		fn += float64(max(0, t-p))
	}
	for k, p := range pc {
		if _, ok := tc[k]; !ok {
			fp += float64(p)
		}
	}
	if s := tp + fp + fn; s > 0 {
		return tpfpfn{tp / s, fp / s, fn / s}
	}
	return tpfpfn{}
}

func aebMetrics(xs []tpfpfn) (f1, precision, recall float64) {
	var ps, rs []float64
	for _, x := range xs {
		tp, fp, fn := x[0], x[1], x[2]
		if tp+fp > 0 {
			ps = append(ps, tp/(tp+fp))
		}
		if tp+fn > 0 {
			rs = append(rs, tp/(tp+fn))
		}
	}
	precision, recall = mean(ps), mean(rs)
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return f1, precision, recall
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
