package pdk

import "math/bits"

// scanValue checks the JSON value starting at b[i] (after any white space) and returns the
// index just past it, in one function with no recursion: raw values (miners' responses) are
// checked but not decoded, and Go's Wasm code pays dearly for each call. It reports false
// for invalid JSON and for nesting deeper than 64, where the recursive skip takes over.
func scanValue(b []byte, i int) (int, bool) {
	var objects uint64 // bit d set: level d+1 is an object, else an array
	depth := 0
	for {
		// A value.
		for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; {
		case c == '"':
			if j := plainStringEnd(b, i); j > 0 {
				i = j
				break
			}
			j, ok := scanString(b, i)
			if !ok {
				return 0, false
			}
			i = j
		case c == '{' || c == '[':
			if depth == 64 {
				return 0, false
			}
			i++
			for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
				i++
			}
			if i < len(b) && (c == '{' && b[i] == '}' || c == '[' && b[i] == ']') {
				i++
				break // an empty object or array is a whole value
			}
			if c == '{' {
				objects |= 1 << depth
			} else {
				objects &^= 1 << depth
			}
			depth++
			if c == '{' {
				if j := plainStringEnd(b, i); j > 0 && j < len(b) && b[j] == ':' {
					i = j + 1
					continue
				}
				j, ok := scanKey(b, i)
				if !ok {
					return 0, false
				}
				i = j
			}
			continue
		case c == 't' && len(b)-i >= 4 && b[i+1] == 'r' && b[i+2] == 'u' && b[i+3] == 'e',
			c == 'n' && len(b)-i >= 4 && b[i+1] == 'u' && b[i+2] == 'l' && b[i+3] == 'l':
			i += 4
		case c == 'f' && len(b)-i >= 5 && b[i+1] == 'a' && b[i+2] == 'l' && b[i+3] == 's' && b[i+4] == 'e':
			i += 5
		default:
			// A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
			if c == '-' {
				i++
			}
			switch {
			case i < len(b) && b[i] == '0':
				i++
			case i < len(b) && b[i]-'1' < 9:
				for i < len(b) && b[i]-'0' < 10 {
					i++
				}
			default:
				return 0, false
			}
			if i < len(b) && b[i] == '.' {
				i++
				f := i
				for i < len(b) && b[i]-'0' < 10 {
					i++
				}
				if i == f {
					return 0, false
				}
			}
			if i < len(b) && b[i]|0x20 == 'e' {
				i++
				if i < len(b) && (b[i] == '+' || b[i] == '-') {
					i++
				}
				f := i
				for i < len(b) && b[i]-'0' < 10 {
					i++
				}
				if i == f {
					return 0, false
				}
			}
		}
		// After a value: close what ends here, or go on to the next member or element.
		for {
			if depth == 0 {
				return i, true
			}
			for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
				i++
			}
			if i >= len(b) {
				return 0, false
			}
			inObject := objects&(1<<(depth-1)) != 0
			switch c := b[i]; {
			case c == ',':
				i++
				if inObject {
					if j := plainStringEnd(b, i); j > 0 && j < len(b) && b[j] == ':' {
						i = j + 1
						break
					}
					j, ok := scanKey(b, i)
					if !ok {
						return 0, false
					}
					i = j
				}
			case inObject && c == '}' || !inObject && c == ']':
				i++
				depth--
				continue
			default:
				return 0, false
			}
			break
		}
	}
}

// plainStringEnd returns the index past the JSON string at b[i] when it is plain: no escapes
// and only printable ASCII, so its bytes are its value (the usual case, found a word at a
// time: the first byte special8 marks must be the closing quote). It returns 0 when b[i] is
// not a quote or the string is not plain: scanString or stringToken then reads it.
func plainStringEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return 0
	}
	i++
	for i+8 <= len(b) {
		if s := special8(le64(b[i : i+8])); s != 0 {
			i += bits.TrailingZeros64(s) >> 3
			if b[i] == '"' {
				return i + 1
			}
			return 0
		}
		i += 8
	}
	for i < len(b) && b[i] != '"' && b[i] >= 0x20 && b[i] < 0x80 && b[i] != '\\' {
		i++
	}
	if i < len(b) && b[i] == '"' {
		return i + 1
	}
	return 0
}

// scanKey checks `"key" :` at b[i] (after any white space) and returns the index past the colon.
func scanKey(b []byte, i int) (int, bool) {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	i, ok := scanString(b, i)
	if !ok {
		return 0, false
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	if i >= len(b) || b[i] != ':' {
		return 0, false
	}
	return i + 1, true
}

// scanString checks the JSON string whose opening quote is b[i] and returns the index past
// its closing quote.
func scanString(b []byte, i int) (int, bool) {
	i++
	for {
		for i+8 <= len(b) && special8(le64(b[i:i+8])) == 0 {
			i += 8
		}
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			if i+1 >= len(b) {
				return 0, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		default:
			i++
		}
	}
}
