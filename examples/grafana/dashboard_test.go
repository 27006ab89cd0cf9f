// Package grafana holds the Grafana dashboard for the daemon's Prometheus metrics; its test
// checks the dashboard against the metrics the daemon really registers.
package grafana

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/subnetd/subnetd/validator"
)

// recorder is a prometheus.Registerer that keeps what is registered on it.
type recorder struct{ cs []prometheus.Collector }

func (r *recorder) Register(c prometheus.Collector) error { r.cs = append(r.cs, c); return nil }
func (r *recorder) MustRegister(cs ...prometheus.Collector) {
	r.cs = append(r.cs, cs...)
}
func (r *recorder) Unregister(prometheus.Collector) bool { return false }

var (
	descName   = regexp.MustCompile(`fqName: "([^"]+)"`)
	descLabels = regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
)

// exported returns every series name the daemon exports with its labels: the validator's
// metrics (a histogram as its _bucket, _sum and _count series) and the Go and process collectors
// the daemon registers beside them (validator/daemon.go).
func exported(t *testing.T) map[string][]string {
	t.Helper()
	rec := &recorder{}
	validator.NewMetrics(rec)
	rec.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	out := map[string][]string{}
	for _, c := range rec.cs {
		_, histogram := c.(*prometheus.HistogramVec)
		ch := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			m := descName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read a metric name from %s", d)
			}
			var labels []string
			if l := descLabels.FindStringSubmatch(d.String()); l != nil && l[1] != "" {
				labels = strings.Split(l[1], ",")
			}
			if histogram {
				out[m[1]+"_bucket"] = append(labels, "le")
				out[m[1]+"_sum"] = labels
				out[m[1]+"_count"] = labels
				continue
			}
			out[m[1]] = labels
		}
	}
	return out
}

type panel struct {
	Title   string  `json:"title"`
	Type    string  `json:"type"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// selector is a metric name followed by an optional {label matchers}.
var selector = regexp.MustCompile(`\b((?:subnetd|go|process)_[a-z0-9_]+)\b(\{([^}]*)\})?`)

// scrapeLabels are added by Prometheus to every series it scrapes.
var scrapeLabels = map[string]bool{"job": true, "instance": true}

// TestDashboard_QueriesNameExportedMetrics: every panel has a query, every query names at least
// one metric, and every metric it names (with every label it matches on) is one the daemon
// exports.
func TestDashboard_QueriesNameExportedMetrics(t *testing.T) {
	b, err := os.ReadFile("subnetd.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string  `json:"title"`
		UID    string  `json:"uid"`
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("subnetd.json: %v", err)
	}
	if d.Title == "" || d.UID == "" {
		t.Error("dashboard has no title or uid")
	}
	metrics := exported(t)
	used := map[string]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				sels := selector.FindAllStringSubmatch(tg.Expr, -1)
				if len(sels) == 0 {
					t.Errorf("panel %q: query %q names no metric", p.Title, tg.Expr)
				}
				for _, s := range sels {
					labels, ok := metrics[s[1]]
					if !ok {
						t.Errorf("panel %q: %s is not a metric the daemon exports", p.Title, s[1])
						continue
					}
					used[s[1]] = true
					for _, m := range strings.Split(s[3], ",") {
						op := strings.IndexAny(m, "=!~")
						if op < 0 {
							continue // no matchers
						}
						name := strings.TrimSpace(m[:op])
						if scrapeLabels[name] {
							continue
						}
						if !contains(labels, name) {
							t.Errorf("panel %q: %s has no label %q (it has %v)", p.Title, s[1], name, labels)
						}
					}
				}
			}
		}
	}
	walk(d.Panels)
	// Every subnetd metric appears on some panel.
	var missing []string
	for m := range metrics {
		if strings.HasPrefix(m, "subnetd_") && !used[m] && !strings.HasSuffix(m, "_bucket") && !strings.HasSuffix(m, "_sum") && !strings.HasSuffix(m, "_count") {
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("metrics on no panel: %v", missing)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
