/* probe exposes the kit's JSON number and string handling to plugins/lang_c_test.go, which
 * compares it with Go's encoding/json inside Wasm. */
#include <string.h>

#include "subnetd.h"

static int parse_ok;

static int64_t hand_over(sd_buf *b) { return (int64_t)((uint64_t)(uintptr_t)b->p << 32 | (uint64_t)b->n); }

/* probe_format_f64 prints the float64 with these bits as Go's encoding/json does (0: refused). */
__attribute__((export_name("probe_format_f64"))) int64_t probe_format_f64(uint64_t bits) {
    double v;
    memcpy(&v, &bits, 8);
    sd_buf b = {0};
    if (!sd_buf_f64(&b, v)) return 0;
    return hand_over(&b);
}

/* probe_parse_f64 reads the JSON number at [p, p+n) and returns its bits. */
__attribute__((export_name("probe_parse_f64"))) uint64_t probe_parse_f64(const char *p, int32_t n) {
    sd_json j;
    double v = 0;
    parse_ok = sd_json_parse(p, (size_t)n, &j) == NULL && sd_json_f64(j, &v);
    uint64_t bits;
    memcpy(&bits, &v, 8);
    return parse_ok ? bits : 0;
}

/* probe_parse_ok is 1 when the last probe_parse_f64 read a float64. */
__attribute__((export_name("probe_parse_ok"))) int32_t probe_parse_ok(void) { return parse_ok; }

/* probe_string decodes the JSON string at [p, p+n) and encodes it again. */
__attribute__((export_name("probe_string"))) int64_t probe_string(const char *p, int32_t n) {
    sd_json j;
    sd_str s = {"", 0};
    if (sd_json_parse(p, (size_t)n, &j) == NULL) sd_json_str(j, &s);
    sd_buf b = {0};
    sd_buf_string(&b, s.p, s.n);
    return hand_over(&b);
}

static const char *score(const sd_round *r, sd_scores *out) {
    (void)r;
    (void)out;
    return NULL;
}

SUBNETD_SCORE(score)
