package runtime

import (
	"encoding/base64"
	"slices"
)

// uidSet is a set of uids: one bit per possible uid (8 KiB), cheaper than a map for the
// thousands of uids of a large subnet.
type uidSet [65536 / 64]uint64

func (s *uidSet) add(u uint16)      { s[u>>6] |= 1 << (u & 63) }
func (s *uidSet) has(u uint16) bool { return s[u>>6]&(1<<(u&63)) != 0 }

// fastScores is ValidateScores for the Scores layout the kits write: one object with the keys
// "scores" (an array of objects with exactly the keys "uid" and "score") and optionally "state"
// (a base64 string without escapes), each once, in any order, with JSON whitespace anywhere. It
// decodes in one pass without reflection. It answers ok=false for anything else and for any
// message that fails a check; ValidateScores then takes the general path, whose result and error
// are the reference (a differential test and a fuzz target hold the two paths equal).
func fastScores(out []byte, uids []uint16, maxState int) (res Scores, ok bool) {
	var known, seen uidSet
	for _, u := range uids {
		known.add(u)
	}
	p := scan{b: out}
	if !p.byte('{') {
		return Scores{}, false
	}
	var haveScores, haveState bool
	for first := true; ; first = false {
		if p.byte('}') {
			if first {
				return Scores{}, false // {} has no scores: the general path says so
			}
			break
		}
		if !first && !p.byte(',') {
			return Scores{}, false
		}
		switch key := p.key(); key {
		case "scores":
			if haveScores || !p.byte('[') {
				return Scores{}, false
			}
			haveScores = true
			res.Scores = make([]Score, 0, len(uids))
			for n := 0; ; n++ {
				if p.byte(']') {
					break
				}
				if n > 0 && !p.byte(',') {
					return Scores{}, false
				}
				u, v, ok := p.entry()
				if !ok || !known.has(u) || seen.has(u) {
					return Scores{}, false
				}
				seen.add(u)
				res.Scores = append(res.Scores, Score{UID: u, Score: v})
			}
		case "state":
			if haveState {
				return Scores{}, false
			}
			haveState = true
			s, ok := p.plainString()
			if !ok {
				return Scores{}, false
			}
			if len(s) > 0 {
				st := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
				n, err := base64.StdEncoding.Decode(st, s)
				if err != nil || n > maxState {
					return Scores{}, false
				}
				res.State = st[:n]
			}
		default:
			return Scores{}, false
		}
	}
	p.space()
	if !haveScores || p.i != len(p.b) {
		return Scores{}, false
	}
	if !slices.IsSortedFunc(res.Scores, func(a, b Score) int { return int(a.UID) - int(b.UID) }) {
		slices.SortFunc(res.Scores, func(a, b Score) int { return int(a.UID) - int(b.UID) })
	}
	return res, true
}

// scan reads JSON tokens from b at i.
type scan struct {
	b []byte
	i int
}

func (p *scan) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c (after whitespace) if it is next.
func (p *scan) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// plainString reads a string without escapes or control characters and returns its bytes.
func (p *scan) plainString() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// key reads an object key and its colon ("" when there is none).
func (p *scan) key() string {
	k, ok := p.plainString()
	if !ok || !p.byte(':') {
		return ""
	}
	switch string(k) { // no allocation: the compiler compares in place
	case "scores":
		return "scores"
	case "state":
		return "state"
	case "uid":
		return "uid"
	case "score":
		return "score"
	}
	return ""
}

// number reads a JSON number token and returns its bytes.
func (p *scan) number() ([]byte, bool) {
	p.space()
	b, start := p.b, p.i
	i := start
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false
		}
	}
	p.i = i
	return b[start:i], true
}

// entry reads {"uid":U,"score":S} (either order): U a plain integer in 0..65535, S a number
// parseScore accepts.
func (p *scan) entry() (uid uint16, score float64, ok bool) {
	if !p.byte('{') {
		return 0, 0, false
	}
	var haveUID, haveScore bool
	for k := 0; k < 2; k++ {
		if k > 0 && !p.byte(',') {
			return 0, 0, false
		}
		switch p.key() {
		case "uid":
			tok, ok := p.number()
			if haveUID || !ok || len(tok) > 5 || tok[0] == '-' {
				return 0, 0, false
			}
			v := 0
			for _, c := range tok {
				if c < '0' || c > '9' {
					return 0, 0, false
				}
				v = v*10 + int(c-'0')
			}
			if v > 65535 {
				return 0, 0, false
			}
			uid, haveUID = uint16(v), true
		case "score":
			tok, ok := p.number()
			if haveScore || !ok {
				return 0, 0, false
			}
			v, err := parseScore(tok)
			if err != nil {
				return 0, 0, false
			}
			score, haveScore = v, true
		default:
			return 0, 0, false
		}
	}
	if !p.byte('}') {
		return 0, 0, false
	}
	return uid, score, true
}
