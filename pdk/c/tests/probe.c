/* probe exposes the kit's JSON number and string handling to plugins/lang_c_test.go, which
 * compares it with Go's encoding/json inside Wasm, and its two Round readers with each other. */
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

static void dump_str(sd_buf *b, const char *name, sd_str s) {
    sd_buf_cstr(b, name);
    sd_buf_u64(b, s.n);
    sd_buf_byte(b, ':');
    sd_buf_bytes(b, s.p, s.n);
    sd_buf_byte(b, ';');
}

static void dump_f64(sd_buf *b, const char *name, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    sd_buf_cstr(b, name);
    sd_buf_u64(b, bits);
    sd_buf_byte(b, ';');
}

static void dump_view(sd_buf *b, const char *name, sd_json v, const char *msg) {
    sd_buf_cstr(b, name);
    sd_buf_i64(b, v.n ? (int64_t)(v.p - msg) : -1); /* where it lies in the message */
    sd_buf_byte(b, '+');
    sd_buf_u64(b, v.n);
    sd_buf_byte(b, ';');
}

/* dump writes every field of a Round. */
static void dump(sd_buf *b, const sd_round *r, const char *msg) {
    sd_buf_cstr(b, "abi");
    sd_buf_i64(b, r->abi);
    sd_buf_cstr(b, ";netuid");
    sd_buf_u64(b, r->netuid);
    sd_buf_cstr(b, ";block");
    sd_buf_u64(b, r->block);
    sd_buf_cstr(b, ";time");
    sd_buf_i64(b, r->block_time_ms);
    sd_buf_cstr(b, ";vuid");
    sd_buf_u64(b, r->validator.uid);
    sd_buf_byte(b, ';');
    dump_str(b, "hash", r->block_hash);
    dump_str(b, "seed", r->seed);
    dump_str(b, "vhotkey", r->validator.hotkey);
    dump_str(b, "state", r->state);
    dump_view(b, "challenge", r->challenge, msg);
    sd_buf_cstr(b, "miners");
    sd_buf_u64(b, r->n_miners);
    for (size_t i = 0; i < r->n_miners; i++) {
        const sd_miner *m = &r->miners[i];
        sd_buf_cstr(b, "\n uid");
        sd_buf_u64(b, m->uid);
        sd_buf_cstr(b, ";status");
        sd_buf_i64(b, m->status);
        sd_buf_byte(b, ';');
        dump_str(b, "hotkey", m->hotkey);
        dump_f64(b, "stake", m->stake);
        dump_f64(b, "latency", m->latency_ms);
        dump_view(b, "response", m->response, msg);
        dump_view(b, "features", m->features, msg);
    }
}

/* probe_round reads the Round message at [p, p+n) with both of the kit's readers and says how
 * they compare: "fast", "reference" (the one-pass reader gave up) or "differ: ...". */
__attribute__((export_name("probe_round"))) int64_t probe_round(const char *p, int32_t n) {
    sd_round fast, ref;
    sd_buf out = {0};
    if (!sd__round_read(p, (size_t)n, &fast)) {
        sd_buf_cstr(&out, "reference");
        return hand_over(&out);
    }
    const char *err = sd__round_parse_reference(p, (size_t)n, &ref);
    sd_buf a = {0}, b = {0};
    dump(&a, &fast, p);
    if (!err) dump(&b, &ref, p);
    if (!err && a.n == b.n && memcmp(a.p, b.p, a.n) == 0) {
        sd_buf_cstr(&out, "fast");
        return hand_over(&out);
    }
    sd_buf_cstr(&out, "differ: one-pass ");
    sd_buf_bytes(&out, a.p, a.n);
    sd_buf_cstr(&out, " reference ");
    if (err) sd_buf_cstr(&out, err);
    else sd_buf_bytes(&out, b.p, b.n);
    return hand_over(&out);
}

static const char *score(const sd_round *r, sd_scores *out) {
    (void)r;
    (void)out;
    return NULL;
}

SUBNETD_SCORE(score)
