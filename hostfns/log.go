package hostfns

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Level is a scorer log level: 0 debug, 1 info, 2 warn, 3 error (other values are kept as given).
type Level int32

// LogLimits caps what one instance may log. Past a cap, lines are counted as dropped, not kept;
// the guest is never told, so a log flood costs it only its own execution budget.
type LogLimits struct {
	// MaxLines is the number of lines kept per instance.
	MaxLines int
	// MaxLineBytes truncates longer lines.
	MaxLineBytes int
}

// DefaultLogLimits returns the limits used when a config gives none: 64 lines of 1 KiB.
func DefaultLogLimits() LogLimits { return LogLimits{MaxLines: 64, MaxLineBytes: 1024} }

// LogLine is one captured line.
type LogLine struct {
	// Level is the scorer's level; stdout lines are info, stderr lines warn.
	Level Level `json:"level"`
	// Source is "log", "stdout" or "stderr".
	Source string `json:"source"`
	// Text is the line, truncated to MaxLineBytes, with control characters replaced.
	Text string `json:"text"`
	// Truncated reports that the line was longer than MaxLineBytes.
	Truncated bool `json:"truncated,omitempty"`
}

// LogBuffer collects the lines of one instance.
type LogBuffer struct {
	limits  LogLimits
	lines   []LogLine
	dropped int
	streams [3]stream // index 1 stdout, 2 stderr
	last    string    // the last stderr line, kept even when the cap dropped it
}

// stream is the unterminated tail of what the guest wrote to stdout or stderr.
type stream struct {
	buf []byte
	cut bool
}

// NewLogBuffer returns an empty buffer with the given limits (zero fields take the defaults).
func NewLogBuffer(l LogLimits) *LogBuffer {
	d := DefaultLogLimits()
	if l.MaxLines <= 0 {
		l.MaxLines = d.MaxLines
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	return &LogBuffer{limits: l}
}

// Lines returns the kept lines, flushing any unterminated stdout/stderr output first.
func (b *LogBuffer) Lines() []LogLine {
	for fd := 1; fd <= 2; fd++ {
		if len(b.streams[fd].buf) > 0 || b.streams[fd].cut {
			b.flush(fd)
		}
	}
	return b.lines
}

// LastStderr returns the last line written to stderr, even one the cap dropped: a crashing
// program's last words (a Python exception's "ValueError: bad").
func (b *LogBuffer) LastStderr() string {
	b.Lines()
	return b.last
}

// Dropped returns how many lines were dropped because MaxLines was reached.
func (b *LogBuffer) Dropped() int { return b.dropped }

// add keeps one line if the cap allows.
func (b *LogBuffer) add(level Level, source string, text []byte, truncated bool) {
	if len(b.lines) >= b.limits.MaxLines {
		b.dropped++
		return
	}
	b.lines = append(b.lines, LogLine{Level: level, Source: source, Text: sanitize(text), Truncated: truncated})
}

// write takes bytes the guest wrote to fd 1 or 2 and turns complete lines into log lines.
// A line longer than MaxLineBytes is cut there; the rest of it is skipped up to its newline.
func (b *LogBuffer) write(fd int, p []byte) {
	s := &b.streams[fd]
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := b.limits.MaxLineBytes - len(s.buf); len(chunk) > room {
			chunk = chunk[:max(room, 0)]
			s.cut = true
		}
		s.buf = append(s.buf, chunk...)
		if i < 0 {
			return
		}
		b.flush(fd)
		p = p[i+1:]
	}
}

// flush turns the pending bytes of fd into a line.
func (b *LogBuffer) flush(fd int) {
	s := &b.streams[fd]
	level, source := Level(1), "stdout"
	if fd == 2 {
		level, source = 2, "stderr"
		if len(s.buf) > 0 {
			b.last = sanitize(s.buf)
		}
	}
	b.add(level, source, s.buf, s.cut)
	s.buf, s.cut = s.buf[:0], false
}

// sanitize turns guest bytes into one printable line: invalid UTF-8 and control characters
// (other than tab) become U+FFFD, so a scorer cannot forge log lines or terminal escapes.
func sanitize(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\t') {
			sb.WriteRune(utf8.RuneError)
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
