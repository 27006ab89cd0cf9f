package pdk

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"unsafe"
)

// The Round decoder below reads the messages the host writes without reflection: in a Go
// guest compiled to Wasm, encoding/json's reflection was most of a call's time. It produces
// exactly what json.Unmarshal produces: whenever it meets anything it does not handle itself
// (a key matching a field only case-insensitively, a duplicate key, a number out of its
// field's range, a value of the wrong kind, invalid JSON, deep nesting), it gives up and the
// caller decodes the message with json.Unmarshal, which then also gives the same errors as
// before. The package documentation (Speed) says why.
//
// Strings and raw values point into one copy of the message (each raw value capped at its
// own length so an append reallocates): one allocation for the whole message instead of one
// or more per field, and no more memory than encoding/json's copies of the same bytes.

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
	b  []byte // the message (read only)
	cp []byte // a copy of b, shared by the strings and raw values of the Round
	i  int
}

func newDecoder(msg []byte) *decoder {
	return &decoder{b: msg}
}

// str returns b[i:j] as a string sharing one copy of the message.
//
// The string's bytes are never written: the copy is the kit's own, and the only slices of it
// a scorer gets are raw values, capped at their own length and disjoint from every string
// (a string field is never inside a raw value).
func (d *decoder) str(i, j int) string {
	if i == j {
		return ""
	}
	d.copyMessage()
	return unsafe.String(&d.cp[i], j-i)
}

// rawAt returns b[i:j] as a json.RawMessage sharing the same copy of the message, capped at j
// so that an append reallocates.
func (d *decoder) rawAt(i, j int) json.RawMessage {
	d.copyMessage()
	return json.RawMessage(d.cp[i:j:j])
}

// copyMessage makes the one copy of the message that strings and raw values share, so the
// Round owes nothing to the caller's buffer and the message is copied once, not per field.
func (d *decoder) copyMessage() {
	if d.cp == nil {
		d.cp = append(make([]byte, 0, len(d.b)), d.b...)
	}
}

func (d *decoder) ws() {
	for d.i < len(d.b) && d.b[d.i] <= ' ' { // one test for the usual non-space byte
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
	if j := plainStringEnd(d.b, d.i); j > 0 {
		start = d.i + 1
		d.i = j
		return start, j - 1, true, true
	}
	b, i := d.b, d.i+1
	start, plain = i, true
	for {
		// Eight bytes at a time while none of them needs a look: Go's Wasm code pays
		// dearly for every branch, and this loop has one per eight bytes.
		for i+8 <= len(b) && special8(le64(b[i:i+8])) == 0 {
			i += 8
		}
		if i >= len(b) {
			return 0, 0, false, false
		}
		c := b[i]
		switch {
		case c == '"':
			d.i = i + 1
			return start, i, plain, true
		case c < 0x20:
			return 0, 0, false, false
		case c == '\\':
			plain = false
			i++
			if i >= len(b) {
				return 0, 0, false, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return 0, 0, false, false
				}
				i += 5
			default:
				return 0, 0, false, false
			}
		case c >= 0x80:
			plain = false
			i++
		default:
			i++
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special8 is non-zero when one of the eight bytes of x is a quote, a backslash, a control
// character or not ASCII. Its lowest set bit is in the first such byte (the borrows of
// the subtractions only ever mark bytes above a real match).
func special8(x uint64) uint64 {
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return ((x-ones*0x20)&^x | (quote-ones)&^quote | (backslash-ones)&^backslash | x) & highs
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

// number is a JSON number as numberToken read it.
type number struct {
	start, end int
	neg        bool
	mant       uint64 // the digits without the point, when digits <= 19
	digits     int    // how many digits mant holds (all of the number's digits)
	exp10      int    // the value is mant × 10^exp10 (when expOK)
	isInt      bool   // no fraction and no exponent
	expOK      bool   // the exponent was small enough to read
}

// numberToken consumes a JSON number, reading its digits as it checks its syntax.
func (d *decoder) numberToken() (number, bool) {
	d.ws()
	b, i := d.b, d.i
	n := number{start: i, isInt: true, expOK: true}
	if i < len(b) && b[i] == '-' {
		n.neg = true
		i++
	}
	if i >= len(b) || b[i] < '0' || b[i] > '9' {
		return n, false
	}
	if b[i] == '0' {
		i++
		n.digits = 1
	} else {
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			n.mant = n.mant*10 + uint64(b[i]-'0')
			n.digits++
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		n.isInt = false
		i++
		f := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			n.mant = n.mant*10 + uint64(b[i]-'0')
			n.digits++
			i++
		}
		if i == f {
			return n, false
		}
		n.exp10 = f - i
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		n.isInt = false
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		f, e := i, 0
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			e = e*10 + int(b[i]-'0')
			i++
		}
		switch {
		case i == f:
			return n, false
		case i-f > 6:
			n.expOK = false
		case eneg:
			n.exp10 -= e
		default:
			n.exp10 += e
		}
	}
	n.end, d.i = i, i
	return n, true
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// float returns the number as strconv.ParseFloat(text, 64) does. When the digits fit in 53
// bits and the power of ten is exact, one correctly rounded multiplication or division
// gives the correctly rounded result, which is ParseFloat's; otherwise ParseFloat runs.
func (d *decoder) float(n number) (float64, bool) {
	if n.digits <= 19 && n.expOK && n.mant <= 1<<53 && -22 <= n.exp10 && n.exp10 <= 22 {
		f := float64(n.mant)
		if n.exp10 >= 0 {
			f *= pow10[n.exp10]
		} else {
			f /= pow10[-n.exp10]
		}
		if n.neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(d.str(n.start, n.end), 64)
	return f, err == nil
}

// plainDecimal reads the JSON number at b[i] when it has the usual form -?digits(.digits)?,
// no exponent, at most 19 digits that fit in 53 bits and at most 22 after the point, and
// returns its value (ParseFloat's: see float) and the index past it, in one call where
// numberToken and float take three. ok is false for any other text, which numberToken and
// float then read (or reject).
func plainDecimal(b []byte, i int) (f float64, end int, ok bool) {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	s := i
	var mant uint64
	for i < len(b) && b[i]-'0' < 10 {
		mant = mant*10 + uint64(b[i]-'0')
		i++
	}
	digits, frac := i-s, 0
	if digits == 0 || digits > 1 && b[s] == '0' {
		return 0, 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		f := i
		for i < len(b) && b[i]-'0' < 10 {
			mant = mant*10 + uint64(b[i]-'0')
			i++
		}
		frac = i - f
		if frac == 0 {
			return 0, 0, false
		}
		digits += frac
	}
	if digits > 19 || frac > 22 || mant > 1<<53 || i < len(b) && b[i]|0x20 == 'e' {
		return 0, 0, false
	}
	f = float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, i, true
}

// intValue consumes an integer that fits in bits signed bits; null leaves *v alone.
func (d *decoder) intValue(v *int64, bits int) bool {
	if d.null() {
		return true
	}
	n, ok := d.numberToken()
	if !ok || !n.isInt {
		return false
	}
	if n.digits <= 18 {
		x := int64(n.mant)
		if n.neg {
			x = -x
		}
		if bits < 64 && (x < -1<<(bits-1) || x >= 1<<(bits-1)) {
			return false
		}
		*v = x
		return true
	}
	x, err := strconv.ParseInt(d.str(n.start, n.end), 10, bits)
	if err != nil {
		return false
	}
	*v = x
	return true
}

// uintValue consumes an unsigned integer that fits in bits bits; null leaves *v alone.
func (d *decoder) uintValue(v *uint64, bits int) bool {
	if d.null() {
		return true
	}
	n, ok := d.numberToken()
	if !ok || !n.isInt || n.neg {
		return false
	}
	if n.digits <= 19 {
		if bits < 64 && n.mant >= 1<<bits {
			return false
		}
		*v = n.mant
		return true
	}
	x, err := strconv.ParseUint(d.str(n.start, n.end), 10, bits)
	if err != nil {
		return false
	}
	*v = x
	return true
}

// floatValue consumes a number that parses as a float64; null leaves *v alone.
func (d *decoder) floatValue(v *float64) bool {
	if d.null() {
		return true
	}
	n, ok := d.numberToken()
	if !ok {
		return false
	}
	f, ok := d.float(n)
	if ok {
		*v = f
	}
	return ok
}

// rawValue consumes any JSON value and returns its bytes.
func (d *decoder) rawValue() (json.RawMessage, bool) {
	d.ws()
	start := d.i
	if end, ok := scanValue(d.b, start); ok {
		d.i = end
	} else if !d.skip(0) { // deep nesting (or invalid JSON)
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
		_, ok := d.numberToken()
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

// fields are a struct's JSON names, with each name's `"name":` as two masked little-endian
// words, so that key recognises the name it expects with two compares.
type fields struct {
	names []string
	pat   []keyPattern
}

type keyPattern struct {
	w0, m0, w1, m1 uint64
	n              int
}

func newFields(names ...string) *fields {
	f := &fields{names: names}
	for _, n := range names {
		f.pat = append(f.pat, newPattern(`"`+n+`":`))
	}
	return f
}

// newPattern returns the masked words of q (at most 16 bytes).
func newPattern(q string) keyPattern {
	if len(q) > 16 {
		panic("pdk: pattern longer than 16 bytes: " + q)
	}
	var b, m [16]byte
	copy(b[:], q)
	for i := range len(q) {
		m[i] = 0xff
	}
	return keyPattern{w0: le64(b[:8]), m0: le64(m[:8]), w1: le64(b[8:]), m1: le64(m[8:]), n: len(q)}
}

// objectState is where key is inside one object.
type objectState struct {
	seen    uint64 // the names met so far, by index
	started bool   // a key was read
	next    int    // the index of the name expected next (the host writes them in order)
}

// key consumes the next key of an object (and the comma before it, or the closing brace)
// and returns its index in names with the cursor on its value, or -1 when the object is
// done. names are the struct's JSON names; a key matching none of them exactly but one of
// them case-insensitively, a key with escapes or non-ASCII bytes, or a key seen twice gives
// up (encoding/json's own rules then apply); other keys are skipped, as encoding/json does.
func (d *decoder) key(f *fields, o *objectState) (int, bool) {
	names := f.names
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
		// The name expected next, written as the host writes it: a few word compares.
		if k := o.next; k < len(names) && len(d.b)-d.i >= 16 {
			p := f.pat[k]
			if le64(d.b[d.i:d.i+8])&p.m0 == p.w0 && le64(d.b[d.i+8:d.i+16])&p.m1 == p.w1 {
				if o.seen&(1<<k) != 0 {
					return 0, false
				}
				d.i += p.n
				o.seen |= 1 << k
				o.next = k + 1
				return k, true
			}
		}
		start, end, plain, ok := d.stringToken()
		if !ok || !plain || d.peek() != ':' {
			return 0, false
		}
		d.i++
		k := o.next
		if k >= len(names) || names[k] != string(d.b[start:end]) {
			k = matchKey(names, d.b[start:end])
		}
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
			o.next = k + 1
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

var roundFields = newFields("abi", "netuid", "block", "block_hash", "block_time_ms", "seed", "validator", "challenge", "miners", "state")

func (d *decoder) round(r *Round) bool {
	if d.null() {
		return d.end()
	}
	if !d.objectStart() {
		return false
	}
	var o objectState
	for {
		k, ok := d.key(roundFields, &o)
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

var validatorFields = newFields("uid", "hotkey")

func (d *decoder) validator(v *Validator) bool {
	if d.null() {
		return true
	}
	if !d.objectStart() {
		return false
	}
	var o objectState
	for {
		k, ok := d.key(validatorFields, &o)
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
		if m := &ms[len(ms)-1]; !d.minerFast(m) && !d.miner(m) {
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

// The parts of a miner as the host writes it, in order (see minerFast).
var (
	patUID       = newPattern(`{"uid":`)
	patHotkey    = newPattern(`,"hotkey":"`)
	patStake     = newPattern(`,"stake":`)
	patStatus    = newPattern(`,"status":`)
	patLatencyMs = newPattern(`,"latency_ms":`)
	patResponse  = newPattern(`,"response":`)
)

// at reports whether b[i:] starts with p's bytes (and has 16 bytes to compare).
func at(b []byte, i int, p keyPattern) bool {
	return len(b)-i >= 16 && le64(b[i:i+8])&p.m0 == p.w0 && le64(b[i+8:i+16])&p.m1 == p.w1
}

// minerFast reads one miner written exactly as the host writes it, in one function (calls
// are dear in Go's Wasm code): {"uid":U,"hotkey":"H","stake":F,"status":S,"latency_ms":F,
// "response":R} with no white space, a plain hotkey, integers of at most 18 digits and
// nothing after the response. On anything else it reads nothing and returns false, and
// miner reads the object. Each value is read by the same rules as in miner.
func (d *decoder) minerFast(m *Miner) bool {
	b, start := d.b, d.i
	if !at(b, start, patUID) {
		return false
	}
	i := start + patUID.n
	// uid: digits, no leading zero, at most 65535.
	j, u := i, uint64(0)
	for j < len(b) && j-i < 6 && b[j]-'0' < 10 {
		u = u*10 + uint64(b[j]-'0')
		j++
	}
	if j == i || j-i > 5 || b[i] == '0' && j-i > 1 || u > 0xffff || !at(b, j, patHotkey) {
		return false
	}
	i = j + patHotkey.n
	// hotkey: a plain string (the pattern ends with its opening quote).
	j = plainStringEnd(b, i-1)
	if j == 0 || !at(b, j, patStake) {
		return false
	}
	uid, hotkey := uint16(u), d.str(i, j-1)
	d.i = j + patStake.n
	stake, end, ok := plainDecimal(b, d.i)
	if ok {
		d.i = end
	} else {
		stake, ok = d.fastFloat()
	}
	if !ok || !at(b, d.i, patStatus) {
		d.i = start
		return false
	}
	// status: an integer of at most 18 digits.
	i = d.i + patStatus.n
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	j, u = i, 0
	for j < len(b) && j-i < 19 && b[j]-'0' < 10 {
		u = u*10 + uint64(b[j]-'0')
		j++
	}
	if j == i || j-i > 18 || b[i] == '0' && j-i > 1 || !at(b, j, patLatencyMs) {
		d.i = start
		return false
	}
	status := int64(u)
	if neg {
		status = -status
	}
	d.i = j + patLatencyMs.n
	latency, end, ok := plainDecimal(b, d.i)
	if ok {
		d.i = end
	} else {
		latency, ok = d.fastFloat()
	}
	if !ok || !at(b, d.i, patResponse) {
		d.i = start
		return false
	}
	d.i += patResponse.n
	rs := d.i
	end, ok = scanValue(b, rs)
	if !ok || end >= len(b) || b[end] != '}' {
		d.i = start
		return false
	}
	m.UID, m.Hotkey, m.Stake, m.Status, m.LatencyMs = uid, hotkey, stake, int(status), latency
	m.Response = d.rawAt(rs, end)
	d.i = end + 1
	return true
}

// fastFloat reads a number at d.i whose value the exact fast path gives.
func (d *decoder) fastFloat() (float64, bool) {
	n, ok := d.numberToken()
	if !ok {
		return 0, false
	}
	return d.float(n)
}

var minerFields = newFields("uid", "hotkey", "stake", "status", "latency_ms", "response", "features")

func (d *decoder) miner(m *Miner) bool {
	if !d.objectStart() {
		return false
	}
	var o objectState
	for {
		k, ok := d.key(minerFields, &o)
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
