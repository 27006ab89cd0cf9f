package pdk

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// The Round decoder below reads the messages the host writes without reflection: in a Go
// guest compiled to Wasm, encoding/json's reflection was most of a call's time. It produces
// exactly what json.Unmarshal produces: whenever it meets anything it does not handle itself
// (a key matching a field only case-insensitively, a duplicate key, a number out of its
// field's range, a value of the wrong kind, invalid JSON, deep nesting), it gives up and the
// caller decodes the message with json.Unmarshal, which then also gives the same errors as
// before. docs/SCORERS.md ("Go kit speed") says why.
//
// Strings and raw values point into one copy of the message (a string copy for strings, a
// byte copy for json.RawMessage fields, each raw value capped at its own length so an append
// reallocates): two allocations for the whole message instead of one or more per field.

// maxFastDepth is the nesting depth past which the fast decoder hands over to encoding/json
// (whose own limit is 10000).
const maxFastDepth = 512

// decodeRound decodes a Round message as json.Unmarshal(msg, r) does, into a zero r.
func decodeRound(msg []byte, r *Round) error {
	d := newDecoder(msg)
	if d.round(r) {
		return nil
	}
	*r = Round{}
	return json.Unmarshal(msg, r)
}

// decoder is a cursor over one message. Any method returning false means "not handled here".
type decoder struct {
	b   []byte // the message (read only)
	s   string // a copy of b, for string fields
	raw []byte // a copy of b, for raw fields
	i   int
}

func newDecoder(msg []byte) *decoder {
	return &decoder{b: msg}
}

// str returns b[i:j] as a string sharing one copy of the message.
func (d *decoder) str(i, j int) string {
	if d.s == "" {
		d.s = string(d.b)
	}
	return d.s[i:j]
}

// rawAt returns b[i:j] as a json.RawMessage sharing one copy of the message, capped at j.
func (d *decoder) rawAt(i, j int) json.RawMessage {
	if d.raw == nil {
		d.raw = append([]byte(nil), d.b...)
	}
	return json.RawMessage(d.raw[i:j:j])
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte (0 at the end).
func (d *decoder) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

// lit consumes the literal word (true, false, null) at i.
func (d *decoder) lit(word string) bool {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

// null consumes a null literal if one comes next.
func (d *decoder) null() bool {
	return d.peek() == 'n' && d.lit("null")
}

// stringToken consumes a JSON string and returns the bounds of its contents (without quotes)
// and whether it is plain: no escapes and only printable ASCII, so its bytes are its value.
func (d *decoder) stringToken() (start, end int, plain, ok bool) {
	if d.peek() != '"' {
		return 0, 0, false, false
	}
	d.i++
	start, plain = d.i, true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return start, d.i - 1, plain, true
		case c < 0x20:
			return 0, 0, false, false
		case c == '\\':
			plain = false
			d.i++
			if d.i >= len(d.b) {
				return 0, 0, false, false
			}
			switch d.b[d.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i++
			case 'u':
				if len(d.b)-d.i < 5 {
					return 0, 0, false, false
				}
				for _, h := range d.b[d.i+1 : d.i+5] {
					if !isHex(h) {
						return 0, 0, false, false
					}
				}
				d.i += 5
			default:
				return 0, 0, false, false
			}
		case c >= 0x80:
			plain = false
			d.i++
		default:
			d.i++
		}
	}
	return 0, 0, false, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// stringValue consumes a JSON string and returns its value as json.Unmarshal would.
func (d *decoder) stringValue() (string, bool) {
	at := d.i
	start, end, plain, ok := d.stringToken()
	if !ok {
		return "", false
	}
	if plain {
		return d.str(start, end), true
	}
	// Escapes or non-ASCII (invalid UTF-8 becomes U+FFFD): let encoding/json unquote it.
	var s string
	if json.Unmarshal(d.b[at:d.i], &s) != nil {
		return "", false
	}
	return s, true
}

// numberToken consumes a JSON number and returns it; isInt reports no fraction or exponent.
func (d *decoder) numberToken() (tok string, isInt, ok bool) {
	d.ws()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.i < len(d.b) && '1' <= d.b[d.i] && d.b[d.i] <= '9':
		d.digits()
	default:
		return "", false, false
	}
	isInt = true
	if d.i < len(d.b) && d.b[d.i] == '.' {
		isInt = false
		d.i++
		if d.digits() == 0 {
			return "", false, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		isInt = false
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return "", false, false
		}
	}
	return d.str(start, d.i), isInt, true
}

func (d *decoder) digits() int {
	n := 0
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}

// intValue consumes an integer that fits in bits signed bits; null leaves *v alone.
func (d *decoder) intValue(v *int64, bits int) bool {
	if d.null() {
		return true
	}
	tok, isInt, ok := d.numberToken()
	if !ok || !isInt {
		return false
	}
	n, err := strconv.ParseInt(tok, 10, bits)
	if err != nil {
		return false
	}
	*v = n
	return true
}

// uintValue consumes an unsigned integer that fits in bits bits; null leaves *v alone.
func (d *decoder) uintValue(v *uint64, bits int) bool {
	if d.null() {
		return true
	}
	tok, isInt, ok := d.numberToken()
	if !ok || !isInt || tok[0] == '-' {
		return false
	}
	n, err := strconv.ParseUint(tok, 10, bits)
	if err != nil {
		return false
	}
	*v = n
	return true
}

// floatValue consumes a number that parses as a float64; null leaves *v alone.
func (d *decoder) floatValue(v *float64) bool {
	if d.null() {
		return true
	}
	tok, _, ok := d.numberToken()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		return false
	}
	*v = f
	return true
}

// rawValue consumes any JSON value and returns its bytes.
func (d *decoder) rawValue() (json.RawMessage, bool) {
	d.ws()
	start := d.i
	if !d.skip(0) {
		return nil, false
	}
	return d.rawAt(start, d.i), true
}

// skip consumes one JSON value, checking its syntax.
func (d *decoder) skip(depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	switch d.peek() {
	case '{':
		d.i++
		if d.peek() == '}' {
			d.i++
			return true
		}
		for {
			if _, _, _, ok := d.stringToken(); !ok || d.peek() != ':' {
				return false
			}
			d.i++
			if !d.skip(depth + 1) {
				return false
			}
			switch d.peek() {
			case ',':
				d.i++
			case '}':
				d.i++
				return true
			default:
				return false
			}
		}
	case '[':
		d.i++
		if d.peek() == ']' {
			d.i++
			return true
		}
		for {
			if !d.skip(depth + 1) {
				return false
			}
			switch d.peek() {
			case ',':
				d.i++
			case ']':
				d.i++
				return true
			default:
				return false
			}
		}
	case '"':
		_, _, _, ok := d.stringToken()
		return ok
	case 't':
		return d.lit("true")
	case 'f':
		return d.lit("false")
	case 'n':
		return d.lit("null")
	default:
		_, _, ok := d.numberToken()
		return ok
	}
}

// objectStart consumes the '{' of an object.
func (d *decoder) objectStart() bool {
	if d.peek() != '{' {
		return false
	}
	d.i++
	return true
}

// objectState is where key is inside one object.
type objectState struct {
	seen    uint64 // the names met so far, by index
	started bool   // a key was read
}

// key consumes the next key of an object (and the comma before it, or the closing brace)
// and returns its index in names with the cursor on its value, or -1 when the object is
// done. names are the struct's JSON names; a key matching none of them exactly but one of
// them case-insensitively, a key with escapes or non-ASCII bytes, or a key seen twice gives
// up (encoding/json's own rules then apply); other keys are skipped, as encoding/json does.
func (d *decoder) key(names []string, o *objectState) (int, bool) {
	for {
		c := d.peek()
		if c == '}' {
			d.i++
			return -1, true
		}
		if o.started {
			if c != ',' {
				return 0, false
			}
			d.i++
		}
		o.started = true
		start, end, plain, ok := d.stringToken()
		if !ok || !plain || d.peek() != ':' {
			return 0, false
		}
		d.i++
		k := matchKey(names, d.b[start:end])
		switch {
		case k == -2:
			return 0, false
		case k == -1:
			if !d.skip(0) {
				return 0, false
			}
		case o.seen&(1<<k) != 0:
			return 0, false
		default:
			o.seen |= 1 << k
			return k, true
		}
	}
}

// matchKey returns the index of key in names, -1 for a key encoding/json would ignore, or -2
// for one it would match only by case folding.
func matchKey(names []string, key []byte) int {
	for k, n := range names {
		if n == string(key) {
			return k
		}
	}
	for _, n := range names {
		if equalFoldASCII(n, key) {
			return -2
		}
	}
	// encoding/json also folds 'k' with the Kelvin sign and 's' with the long s, which are
	// not ASCII: plain keys (printable ASCII only) cannot contain them.
	return -1
}

func equalFoldASCII(s string, b []byte) bool {
	if len(s) != len(b) {
		return false
	}
	for i := range len(s) {
		x, y := s[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// end checks that nothing but white space follows the top-level value.
func (d *decoder) end() bool {
	d.ws()
	return d.i == len(d.b)
}

var roundNames = []string{"abi", "netuid", "block", "block_hash", "block_time_ms", "seed", "validator", "challenge", "miners", "state"}

func (d *decoder) round(r *Round) bool {
	if d.null() {
		return d.end()
	}
	if !d.objectStart() {
		return false
	}
	var o objectState
	for {
		k, ok := d.key(roundNames, &o)
		if !ok {
			return false
		}
		switch k {
		case -1:
			return d.end()
		case 0:
			v := int64(r.ABI)
			ok = d.intValue(&v, 64)
			r.ABI = int(v)
		case 1:
			v := uint64(r.Netuid)
			ok = d.uintValue(&v, 16)
			r.Netuid = uint16(v)
		case 2:
			ok = d.uintValue(&r.Block, 64)
		case 3:
			ok = d.stringField(&r.BlockHash)
		case 4:
			ok = d.intValue(&r.BlockTimeMs, 64)
		case 5:
			ok = d.stringField(&r.Seed)
		case 6:
			ok = d.validator(&r.Validator)
		case 7:
			r.Challenge, ok = d.rawValue()
		case 8:
			ok = d.miners(&r.Miners)
		default:
			ok = d.bytesField(&r.State)
		}
		if !ok {
			return false
		}
	}
}

// stringField consumes a string or null (which leaves *v alone).
func (d *decoder) stringField(v *string) bool {
	if d.null() {
		return true
	}
	s, ok := d.stringValue()
	*v = s
	return ok
}

// bytesField consumes base64 text as encoding/json decodes a []byte, or null (nil).
func (d *decoder) bytesField(v *[]byte) bool {
	if d.null() {
		*v = nil
		return true
	}
	s, ok := d.stringValue()
	if !ok {
		return false
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, []byte(s))
	if err != nil {
		return false
	}
	*v = b[:n]
	return true
}

var validatorNames = []string{"uid", "hotkey"}

func (d *decoder) validator(v *Validator) bool {
	if d.null() {
		return true
	}
	if !d.objectStart() {
		return false
	}
	var o objectState
	for {
		k, ok := d.key(validatorNames, &o)
		switch {
		case !ok:
			return false
		case k == -1:
			return true
		case k == 0:
			u := uint64(v.UID)
			ok = d.uintValue(&u, 16)
			v.UID = uint16(u)
		default:
			ok = d.stringField(&v.Hotkey)
		}
		if !ok {
			return false
		}
	}
}

func (d *decoder) miners(v *[]Miner) bool {
	if d.null() {
		*v = nil
		return true
	}
	if d.peek() != '[' {
		return false
	}
	d.i++
	ms := []Miner{}
	if d.peek() == ']' {
		d.i++
		*v = ms
		return true
	}
	for {
		ms = append(ms, Miner{})
		if !d.miner(&ms[len(ms)-1]) {
			return false
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			*v = ms
			return true
		default:
			return false
		}
	}
}

var minerNames = []string{"uid", "hotkey", "stake", "status", "latency_ms", "response", "features"}

func (d *decoder) miner(m *Miner) bool {
	if !d.objectStart() {
		return false
	}
	var o objectState
	for {
		k, ok := d.key(minerNames, &o)
		if !ok {
			return false
		}
		switch k {
		case -1:
			return true
		case 0:
			u := uint64(m.UID)
			ok = d.uintValue(&u, 16)
			m.UID = uint16(u)
		case 1:
			ok = d.stringField(&m.Hotkey)
		case 2:
			ok = d.floatValue(&m.Stake)
		case 3:
			v := int64(m.Status)
			ok = d.intValue(&v, 64)
			m.Status = int(v)
		case 4:
			ok = d.floatValue(&m.LatencyMs)
		case 5:
			m.Response, ok = d.rawValue()
		default:
			ok = d.features(&m.Features)
		}
		if !ok {
			return false
		}
	}
}

// features consumes a provider-name → raw JSON object, or null (nil map).
func (d *decoder) features(v *map[string]json.RawMessage) bool {
	if d.null() {
		*v = nil
		return true
	}
	if d.peek() != '{' {
		return false
	}
	d.i++
	m := map[string]json.RawMessage{}
	if d.peek() == '}' {
		d.i++
		*v = m
		return true
	}
	for {
		name, ok := d.stringValue()
		if !ok || d.peek() != ':' {
			return false
		}
		d.i++
		raw, ok := d.rawValue()
		if !ok {
			return false
		}
		m[name] = raw
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			*v = m
			return true
		default:
			return false
		}
	}
}
