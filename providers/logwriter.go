package providers

import (
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
)

// A provider's stderr becomes log lines: each line cut at maxLineBytes, control characters
// replaced, and at most burstLines lines at once refilled at linesPerSecond, so a provider
// that floods its stderr costs a bounded amount of logging; the number of dropped lines is
// logged when lines flow again.
const (
	maxLineBytes   = 1024
	burstLines     = 64
	linesPerSecond = 16
)

type logWriter struct {
	log *slog.Logger

	mu      sync.Mutex
	line    []byte
	long    bool // the current line passed maxLineBytes
	tokens  float64
	last    time.Time
	dropped int
}

func newLogWriter(log *slog.Logger) *logWriter {
	return &logWriter{log: log, tokens: burstLines, last: time.Now()}
}

// Write takes any part of the stream; complete lines are logged.
func (w *logWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range b {
		if c == '\n' {
			w.emit()
			continue
		}
		if len(w.line) < maxLineBytes {
			w.line = append(w.line, c)
		} else {
			w.long = true
		}
	}
	return len(b), nil
}

// flush logs a last unterminated line.
func (w *logWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.line) > 0 {
		w.emit()
	}
}

func (w *logWriter) emit() {
	line := sanitize(string(w.line))
	if w.long {
		line += "…"
	}
	w.line, w.long = w.line[:0], false
	now := time.Now()
	w.tokens = min(burstLines, w.tokens+now.Sub(w.last).Seconds()*linesPerSecond)
	w.last = now
	if w.tokens < 1 {
		w.dropped++
		return
	}
	w.tokens--
	if w.dropped > 0 {
		w.log.Warn("provider stderr: lines dropped (rate limit)", "dropped", w.dropped)
		w.dropped = 0
	}
	w.log.Info("provider stderr", "line", line)
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return '?'
	}, strings.TrimRight(s, "\r"))
}
