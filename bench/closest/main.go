// Command closest measures the closest package on a synthetic archive:
// index build time, file size, load time, query time for one entry,
// incremental add time and memory, for both engines.
//
//	go run ./bench/closest [-n 100000] [-dim 256] [-engine both]
//
// The archive is generated: entries of pseudo-words drawn from a Zipf
// distribution mixed with per-topic vocabularies for the lexical engine, and
// random unit vectors from a fake embedder for the embeddings engine (no
// network). Load, queries and adds run in a child process, so its peak
// memory is the index's, not the generator's.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/digest-tool/digest/closest"
	"github.com/digest-tool/digest/render"
)

type options struct {
	n, dim, queries, adds int
	engine, dir, child    string
	file, cpuprofile      string
}

// result is what the child reports.
type result struct {
	Load      time.Duration
	LoadCPU   time.Duration
	QueryCPU  time.Duration // mean CPU time a query, all threads
	QueryP50  time.Duration
	QueryP95  time.Duration
	QueryMax  time.Duration
	DraftP50  time.Duration
	AddP50    time.Duration
	AddMax    time.Duration
	Save      time.Duration
	HeapInuse uint64
	LiveHeap  uint64 // after a collection at the end: what the index itself holds
	Sys       uint64
	PeakRSS   uint64
	Entries   int
	Matches   float64
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 100000, "entries in the synthetic archive")
	flag.IntVar(&o.dim, "dim", 256, "embedding dimensions")
	flag.IntVar(&o.queries, "queries", 100, "queries to time")
	flag.IntVar(&o.adds, "adds", 100, "incremental adds to time")
	flag.StringVar(&o.engine, "engine", "both", "lexical | embeddings | both")
	flag.StringVar(&o.dir, "dir", "", "folder for the index files (default: a temporary one, removed)")
	flag.StringVar(&o.child, "child", "", "internal: measure loading and querying this engine")
	flag.StringVar(&o.file, "file", "", "internal: the index file")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the build to this file")
	flag.Parse()
	if o.child != "" {
		if err := child(o); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.dir == "" {
		dir, err := os.MkdirTemp("", "closest-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.dir = dir
	}
	names := []string{"lexical", "embeddings"}
	if o.engine != "both" {
		names = []string{o.engine}
	}
	fmt.Printf("synthetic archive: %d entries, %d-dimension embeddings, %d CPUs, %s\n", o.n, o.dim, runtime.NumCPU(), runtime.Version())
	for _, name := range names {
		if err := bench(o, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func bench(o options, name string) error {
	e := engine(name, o.dim)
	path := filepath.Join(o.dir, closest.FileName(e))
	os.Remove(path)

	t0 := time.Now()
	docs := make([]closest.Doc, o.n)
	for i := range docs {
		docs[i] = doc(i)
	}
	gen := time.Since(t0)

	x, err := closest.Open(path, e)
	if err != nil {
		return err
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile + "." + name)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
	}
	t0, c0 := time.Now(), cpu()
	if _, err := x.Sync(context.Background(), docs); err != nil {
		return err
	}
	build, buildCPU := time.Since(t0), cpu()-c0
	pprof.StopCPUProfile()
	t0 = time.Now()
	if err := x.Save(); err != nil {
		return err
	}
	save := time.Since(t0)
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	docs, x = nil, nil
	runtime.GC()

	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "-child", name, "-file", path, "-n", strconv.Itoa(o.n), "-dim", strconv.Itoa(o.dim),
		"-queries", strconv.Itoa(o.queries), "-adds", strconv.Itoa(o.adds), "-cpuprofile", o.cpuprofile)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("child: %w", err)
	}
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("child said %q: %w", out, err)
	}

	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
	mb := func(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
	fmt.Printf("\n%s (%s)\n", name, closest.FileName(e))
	fmt.Printf("  generate archive    %s (not part of the index)\n", gen.Round(time.Millisecond))
	fmt.Printf("  build (Sync)        %s (CPU %s)\n", build.Round(time.Millisecond), buildCPU.Round(time.Millisecond))
	fmt.Printf("  save                %s\n", save.Round(time.Millisecond))
	fmt.Printf("  file size           %s (%d bytes, %.0f B/entry)\n", mb(uint64(st.Size())), st.Size(), float64(st.Size())/float64(o.n))
	fmt.Printf("  load (Open)         %s (CPU %s)   target < 1 s\n", ms(r.Load), ms(r.LoadCPU))
	fmt.Printf("  query, indexed      p50 %s  p95 %s  max %s over %d (CPU %s a query, all threads)   target < 20 ms; %.1f matches on average\n", ms(r.QueryP50), ms(r.QueryP95), ms(r.QueryMax), o.queries, ms(r.QueryCPU), r.Matches)
	fmt.Printf("  query, new draft    p50 %s (text encoded first%s)\n", ms(r.DraftP50), map[bool]string{true: "; fake embedder, no network", false: ""}[name == "embeddings"])
	fmt.Printf("  incremental add     p50 %s  max %s over %d   target < 5 ms\n", ms(r.AddP50), ms(r.AddMax), o.adds)
	fmt.Printf("  save after adds     %s (the whole file is rewritten)\n", ms(r.Save))
	fmt.Printf("  memory              heap in use after load %s; Go runtime total at the end %s; live heap after a final GC %s\n", mb(r.HeapInuse), mb(r.Sys), mb(r.LiveHeap))
	fmt.Printf("  peak RSS            %s (load, %d queries, %d adds)   target < 300 MB\n", mb(r.PeakRSS), o.queries, o.adds)
	return nil
}

func child(o options) error {
	e := engine(o.child, o.dim)
	var r result
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile + ".load." + o.child)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
	}
	t0, c0 := time.Now(), cpu()
	x, err := closest.Open(o.file, e)
	if err != nil {
		return err
	}
	r.Load, r.LoadCPU = time.Since(t0), cpu()-c0
	pprof.StopCPUProfile()
	if x.Stale() != nil {
		return x.Stale()
	}
	r.Entries = x.Len()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.HeapInuse = ms.HeapInuse

	rng := rand.New(rand.NewPCG(1, 2))
	var qs, drafts []time.Duration
	matches := 0
	c0 = cpu()
	for range o.queries {
		d := doc(rng.IntN(o.n))
		t0 := time.Now()
		res, err := x.Closest(context.Background(), d, closest.MaxClosest, e.DefaultMin())
		if err != nil {
			return err
		}
		qs = append(qs, time.Since(t0))
		matches += len(res)
	}
	r.QueryCPU = (cpu() - c0) / time.Duration(o.queries)
	r.Matches = float64(matches) / float64(o.queries)
	for i := range o.queries {
		d := doc(o.n + o.adds + i) // not in the index
		t0 := time.Now()
		if _, err := x.Closest(context.Background(), d, closest.MaxClosest, e.DefaultMin()); err != nil {
			return err
		}
		drafts = append(drafts, time.Since(t0))
	}
	var adds []time.Duration
	for i := range o.adds {
		d := doc(o.n + i)
		t0 := time.Now()
		if _, err := x.Add(context.Background(), d); err != nil {
			return err
		}
		adds = append(adds, time.Since(t0))
	}
	t0 = time.Now()
	if err := x.Save(); err != nil {
		return err
	}
	r.Save = time.Since(t0)
	runtime.ReadMemStats(&ms)
	r.Sys = ms.Sys
	r.PeakRSS = peakRSS() // before the collection below, which would lower later peaks
	runtime.GC()
	runtime.ReadMemStats(&ms)
	r.LiveHeap = ms.HeapAlloc
	runtime.KeepAlive(x)

	r.QueryP50, r.QueryP95, r.QueryMax = pct(qs, 50), pct(qs, 95), pct(qs, 100)
	r.DraftP50 = pct(drafts, 50)
	r.AddP50, r.AddMax = pct(adds, 50), pct(adds, 100)
	return json.NewEncoder(os.Stdout).Encode(r)
}

// cpu is the CPU time the process used so far, user and system: on a
// shared machine it says more than the wall clock.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, (len(s)*p)/100)]
}

// peakRSS is the process's high-water resident set (Linux), 0 elsewhere.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func engine(name string, dim int) closest.Engine {
	if name == "embeddings" {
		return closest.NewEmbeddings(randomEmbedder{dim}, fmt.Sprintf("synthetic@%d", dim))
	}
	return closest.NewLexical()
}

// randomEmbedder gives each text a random unit vector seeded by the text,
// so the same text always gets the same vector.
type randomEmbedder struct{ dim int }

func (r randomEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		rng := rand.New(rand.NewPCG(h.Sum64(), 7))
		v := make([]float32, r.dim)
		var ss float64
		for j := range v {
			v[j] = float32(rng.NormFloat64())
			ss += float64(v[j]) * float64(v[j])
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(ss))
		}
		out[i] = v
	}
	return out, nil
}

// The synthetic language: vocabSize pseudo-words; a document draws 60% of
// its words from a Zipf distribution over all of them (the common words of
// the archive) and 40% from one of topics topic vocabularies.
const (
	vocabSize  = 40000
	topics     = 400
	topicWords = 60
)

var vocab = func() []string {
	syl := strings.Fields("ka lo mi re tu sa ne vo pi da fe go hu ji ko lu ma no pe qui ra si te ul va wo xi ya ze bo")
	rng := rand.New(rand.NewPCG(42, 42))
	seen := map[string]bool{}
	var out []string
	for len(out) < vocabSize {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}()

// doc returns synthetic entry i; the same i always gives the same entry.
func doc(i int) closest.Doc {
	rng := rand.New(rand.NewPCG(uint64(i), 99))
	zipf := rand.NewZipf(rng, 1.07, 2, vocabSize-1)
	topic := rng.IntN(topics)
	word := func() string {
		if rng.IntN(10) < 4 {
			return vocab[(topic*topicWords+rng.IntN(topicWords)*7919)%vocabSize]
		}
		return vocab[zipf.Uint64()]
	}
	words := func(n int) string {
		ws := make([]string, n)
		for j := range ws {
			ws[j] = word()
		}
		return strings.Join(ws, " ")
	}
	e := render.Entry{
		Title:     words(8),
		IssueDate: "20230827",
		Summary:   words(110),
	}
	for range 10 {
		e.Keywords = append(e.Keywords, words(1+rng.IntN(3)))
	}
	for range 4 {
		e.Themes = append(e.Themes, words(2+rng.IntN(2)))
	}
	for range 4 {
		e.Signals = append(e.Signals, render.Signal{Signal: words(7), Change: words(6), Horizon: words(6), Force: words(5)})
	}
	id := fmt.Sprintf("%032x", fnv64(strconv.Itoa(i)))
	return closest.Doc{ID: id, CanonicalURL: "https://example.com/" + strconv.Itoa(i), Entry: e}
}

func fnv64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
