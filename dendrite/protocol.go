package dendrite

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Version is the protocol version sent in bt_header_dendrite_version and bt_header_axon_version:
// the SDK's version_as_int for 10.2.0. Axons apply the windowed nonce rule to versions >= 7002000.
const Version = 10_002_000

// nonceWindowVersion is the first version whose nonces are checked against the time window.
const nonceWindowVersion = 7_002_000

// DefaultTimeout is the SDK dendrite's default per-request timeout.
const DefaultTimeout = 12 * time.Second

// nonceAllowedDelta is the SDK's ALLOWED_DELTA: how old a first nonce may be beyond the timeout.
const nonceAllowedDelta = 4 * time.Second

// Header names, as the SDK writes them. net/http canonicalises names it sets with Header.Set, so the
// client writes these keys into the header map directly and the axon looks them up without regard
// to case.
const (
	hName             = "name"
	hTimeout          = "timeout"
	hTotalSize        = "total_size"
	hHeaderSize       = "header_size"
	hBodyHash         = "computed_body_hash"
	hAxonIP           = "bt_header_axon_ip"
	hAxonPort         = "bt_header_axon_port"
	hAxonHotkey       = "bt_header_axon_hotkey"
	hAxonNonce        = "bt_header_axon_nonce"
	hAxonUUID         = "bt_header_axon_uuid"
	hAxonVersion      = "bt_header_axon_version"
	hAxonSignature    = "bt_header_axon_signature"
	hAxonStatusCode   = "bt_header_axon_status_code"
	hAxonStatusMsg    = "bt_header_axon_status_message"
	hAxonProcessTime  = "bt_header_axon_process_time"
	hDendriteIP       = "bt_header_dendrite_ip"
	hDendriteVersion  = "bt_header_dendrite_version"
	hDendriteNonce    = "bt_header_dendrite_nonce"
	hDendriteUUID     = "bt_header_dendrite_uuid"
	hDendriteHotkey   = "bt_header_dendrite_hotkey"
	hDendriteSig      = "bt_header_dendrite_signature"
	hInputObjPrefix   = "bt_header_input_obj_"
	hDendriteStatus   = "bt_header_dendrite_status_code"
	hDendriteStatusMs = "bt_header_dendrite_status_message"
)

// baseFields are the pydantic fields every Synapse has. The client adds them to the request body and
// strips them from the miner's answer, so Response.Body holds the subnet's own fields only.
var baseFields = map[string]bool{
	"name": true, "timeout": true, "total_size": true, "header_size": true,
	"dendrite": true, "axon": true, "computed_body_hash": true, "required_hash_fields": true,
}

// synapseNameRE is what a synapse (a Python class name) may be called.
var synapseNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// ValidSynapseName reports whether name can be a synapse class name and so a URL path segment.
func ValidSynapseName(name string) bool { return synapseNameRE.MatchString(name) }

// SignatureMessage is the message a dendrite signs:
// "{nonce}.{dendrite_hotkey}.{axon_hotkey}.{dendrite_uuid}.{body_hash}".
func SignatureMessage(nonce int64, dendriteHotkey, axonHotkey, uuid, bodyHash string) string {
	return fmt.Sprintf("%d.%s.%s.%s.%s", nonce, dendriteHotkey, axonHotkey, uuid, bodyHash)
}

// AxonSignatureMessage is the message an axon signs into bt_header_axon_signature:
// "{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}".
func AxonSignatureMessage(axonNonce int64, dendriteHotkey, axonHotkey, axonUUID string) string {
	return fmt.Sprintf("%d.%s.%s.%s", axonNonce, dendriteHotkey, axonHotkey, axonUUID)
}

// headerGet returns a header's first value, matching the name without regard to case.
func headerGet(h http.Header, name string) string {
	if v := h.Values(name); len(v) > 0 { // canonical form
		return v[0]
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, name) {
			return v[0]
		}
	}
	return ""
}

// emptyInputObj returns base64 of the JSON of an empty value of raw's JSON type, the SDK's
// bt_header_input_obj_<field> value ("" for strings, 0 or 0.0 for numbers, [] and {} for containers,
// false for bools). It returns false for null, which the SDK leaves out.
func emptyInputObj(raw json.RawMessage) (string, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "", false
	}
	var v string
	switch s[0] {
	case '"':
		v = `""`
	case '[':
		v = `[]`
	case '{':
		v = `{}`
	case 't', 'f':
		v = `false`
	case 'n':
		return "", false
	default:
		v = "0"
		if strings.ContainsAny(s, ".eE") {
			v = "0.0"
		}
	}
	return base64.StdEncoding.EncodeToString([]byte(v)), true
}
