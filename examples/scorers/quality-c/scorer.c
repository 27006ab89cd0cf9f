/*
 * quality-c: the C port of examples/scorers/quality. Same challenge from the same seed
 * (splitmix64), same scoring formula, same state: on every Round it returns the same Scores
 * bytes as the Go scorer (plugins/lang_c_test.go checks this on random and hostile rounds).
 *
 * The challenge is a summing task derived from the round's seed, so every validator of the
 * round asks the same question and an auditor can recompute it; each miner's answer is compared
 * with the exact sum, and the score is an exponential moving average of answer quality kept in
 * the scorer's state.
 *
 * Go decodes the challenge, the answers and the state with encoding/json into typed fields; this
 * port reads them the same way (keys matched case-insensitively, the last one wins, null leaves
 * a field as it was, a value of the wrong type is an error), so hostile JSON gives the same
 * result in both. It is built from this file and the kit (pdk/c) by `subnetd plugin build`.
 */
#pragma STDC FP_CONTRACT OFF

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "subnetd.h"

#define SYNAPSE "SumTask"
#define TASK_LEN 16
static const double ALPHA = 0.3;
static const double KEEP = 0.7; /* 1 - ALPHA as the float64 nearest 0.7, the Go scorer's constant */
#define TIMEOUT_MS 12000

static int hex_nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* seed_bytes decodes the seed's hex (0x prefix optional) as Go's hex.DecodeString; it returns
 * the byte count, or -1 when it is not hex of at least 8 bytes. */
static long seed_bytes(sd_str seed, unsigned char **out) {
    const char *s = seed.p;
    size_t n = seed.n;
    if (n >= 2 && s[0] == '0' && s[1] == 'x') s += 2, n -= 2;
    if (n % 2) return -1;
    unsigned char *b = sd_alloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        b[i] = (unsigned char)(hi << 4 | lo);
    }
    if (n / 2 < 8) return -1;
    *out = b;
    return (long)(n / 2);
}

/* challenge derives this round's task from the round seed: TASK_LEN numbers in [0, 1000) with
 * two decimals from a splitmix64 sequence. The same seed gives the same task. */
static const char *challenge(const sd_round *req, sd_challenge *out) {
    unsigned char *seed;
    if (seed_bytes(req->seed, &seed) < 0) {
        sd_buf q = {0};
        sd_buf_string(&q, req->seed.p, req->seed.n);
        return sd_errorf("quality: round seed %.*s is not hex of at least 8 bytes", (int)q.n, q.p);
    }
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = x << 8 | seed[i];
    sd_buf *b = &out->body;
    sd_buf_cstr(b, "{\"task\":\"sum\",\"id\":\"");
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        sd_buf_byte(b, hex[seed[i] >> 4]);
        sd_buf_byte(b, hex[seed[i] & 15]);
    }
    sd_buf_cstr(b, "\",\"numbers\":[");
    for (int i = 0; i < TASK_LEN; i++) {
        x += 0x9e3779b97f4a7c15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        if (i) sd_buf_byte(b, ',');
        sd_buf_f64(b, (double)(z % 100000) / 100);
    }
    sd_buf_cstr(b, "]}");
    out->synapse = SYNAPSE;
    out->timeout_ms = TIMEOUT_MS;
    return NULL;
}

static double from_bits(uint64_t u) {
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* pow2 is 2^k for -1022 <= k <= 1023, built from its bits. */
static double pow2(int k) { return from_bits((uint64_t)(k + 1023) << 52); }

/* exp_neg returns e^x for x <= 0 with +, -, *, / and floor only, each rounded once (FP_CONTRACT
 * OFF and -ffp-contract=off: no fused multiply-add): the exact computation of expNeg in
 * examples/scorers/quality/main.go (see there), so both give the same bits. */
static double exp_neg(double x) {
    const double log2e = from_bits(0x3ff71547652b82feull);
    const double ln2_hi = from_bits(0x3fe62e42fee00000ull);
    const double ln2_lo = from_bits(0x3dea39ef35793c76ull);
    if (x < -745.5) return 0;
    if (x > 0) x = 0;
    double k = floor(x * log2e + 0.5);
    double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0;
    for (int i = 14; i >= 1; i--) p = 1 + (p * r) / (double)i;
    if (isnan(k)) return p; /* NaN in, NaN out: the encoder refuses it, as Go's does */
    int ki = (int)k;
    if (ki < -1021) return (p * pow2(ki + 54)) * pow2(-54);
    return p * pow2(ki);
}

/* go_max is Go's math.Max for the values it meets here. */
static double go_max(double a, double b) {
    if (isnan(a) || isnan(b)) return NAN;
    return a > b ? a : b;
}

/* quality rates one miner's answer against the exact sum. The answer is read as Go reads it
 * into a *float64 field: the last "answer" key wins, null clears it, and a value of another
 * type anywhere (or beyond float64) makes the whole answer unreadable. */
static double quality(const sd_miner *m, double want) {
    if (m->status != 200 || m->response.n == 0) return 0;
    if (sd_json_kind(m->response) != SD_OBJECT) return 0;
    bool has = false;
    double got = 0;
    sd_iter it = sd_json_members(m->response);
    sd_json k, v;
    while (sd_next_member(&it, &k, &v)) {
        if (!sd_key_eq_fold(k, "answer")) continue;
        if (sd_json_is_null(v)) {
            has = false;
            continue;
        }
        if (!sd_json_f64(v, &got)) return 0;
        has = true;
    }
    if (!has) return 0;
    double rel = fabs(got - want) / go_max(1, fabs(want));
    return exp_neg(-20 * rel);
}

/* sum_of_task reads the task from the round's challenge as Go's encoding/json decodes it into
 * the Go scorer's Task struct, and sets *sum to the exact sum of its numbers. A "numbers" key
 * that repeats reuses the earlier array's memory in Go, so a null element keeps what was there:
 * nums/len/cap model that slice. */
static const char *sum_of_task(sd_json c, double *sum) {
    if (c.n == 0 || sd_json_is_null(c)) return "quality: the round carries no challenge";
    if (sd_json_kind(c) != SD_OBJECT) return "quality: challenge is not a sum task: the challenge is not a JSON object";
    sd_str task = {"", 0};
    bool bad = false;
    double *nums = NULL;
    size_t len = 0, cap = 0;
    sd_iter it = sd_json_members(c);
    sd_json k, v;
    while (sd_next_member(&it, &k, &v)) {
        if (sd_key_eq_fold(k, "task")) {
            if (sd_json_kind(v) == SD_STRING) sd_json_str(v, &task);
            else if (!sd_json_is_null(v)) bad = true;
        } else if (sd_key_eq_fold(k, "id")) {
            if (sd_json_kind(v) != SD_STRING && !sd_json_is_null(v)) bad = true;
        } else if (sd_key_eq_fold(k, "numbers")) {
            if (sd_json_is_null(v)) {
                nums = NULL;
                len = cap = 0;
            } else if (sd_json_kind(v) == SD_ARRAY) {
                size_t i = 0;
                sd_iter ei = sd_json_elements(v);
                sd_json e;
                while (sd_next_element(&ei, &e)) {
                    if (i >= cap) { /* Go's growth (runtime.nextslicecap); past 512 elements its
                                       allocation-class rounding is left out */
                        size_t ncap = cap;
                        if (i + 1 > 2 * cap) ncap = i + 1;
                        else if (cap < 256) ncap = 2 * cap;
                        else
                            while (ncap < i + 1) ncap += (ncap + 768) >> 2;
                        double *nn = sd_alloc(ncap * sizeof *nn);
                        memset(nn, 0, ncap * sizeof *nn);
                        if (len) memcpy(nn, nums, len * sizeof *nn);
                        nums = nn;
                        cap = ncap;
                    }
                    if (len < i + 1) len = i + 1;
                    if (!sd_json_is_null(e) && !sd_json_f64(e, &nums[i])) bad = true;
                    i++;
                }
                if (i == 0) {
                    nums = NULL;
                    len = cap = 0;
                } else {
                    len = i;
                }
            } else {
                bad = true;
            }
        }
    }
    if (bad) return "quality: challenge is not a sum task: a field has the wrong type";
    if (task.n != 3 || memcmp(task.p, "sum", 3) != 0) return "quality: challenge is not a sum task: <nil>";
    double s = 0;
    for (size_t i = 0; i < len; i++) s += nums[i];
    *sum = s;
    return NULL;
}

/* past is one miner's quality history, keyed by hotkey so a re-registered uid starts fresh. */
typedef struct {
    bool set;
    sd_str hotkey;
    double ema;
} past;

/* read_state decodes last round's state as Go's encoding/json decodes it into []past: fields of
 * the wrong type are left zero (and logged), the entries are kept, the last one of a uid wins.
 * prev has 65536 entries, one per uid. */
static void read_state(sd_str st, past *prev) {
    if (st.n == 0) return;
    sd_json doc;
    const char *err = sd_json_parse(st.p, st.n, &doc);
    if (err) {
        sd_log(SD_WARN, "quality: state unreadable, starting fresh: %s", err);
        return;
    }
    if (sd_json_kind(doc) != SD_ARRAY) {
        if (!sd_json_is_null(doc)) sd_log(SD_WARN, "quality: state unreadable, starting fresh: not an array");
        return;
    }
    bool problems = false;
    sd_iter ei = sd_json_elements(doc);
    sd_json e;
    while (sd_next_element(&ei, &e)) {
        uint64_t uid = 0;
        past p = {true, {"", 0}, 0};
        if (sd_json_kind(e) == SD_OBJECT) {
            sd_iter it = sd_json_members(e);
            sd_json k, v;
            while (sd_next_member(&it, &k, &v)) {
                if (sd_key_eq_fold(k, "uid")) {
                    uint64_t u;
                    if (sd_json_u64(v, &u) && u <= 65535) uid = u;
                    else if (!sd_json_is_null(v)) problems = true;
                } else if (sd_key_eq_fold(k, "hotkey")) {
                    if (!sd_json_str(v, &p.hotkey) && !sd_json_is_null(v)) problems = true;
                } else if (sd_key_eq_fold(k, "ema")) {
                    if (!sd_json_f64(v, &p.ema) && !sd_json_is_null(v)) problems = true;
                }
            }
        } else if (!sd_json_is_null(e)) {
            problems = true;
        }
        prev[uid] = p;
    }
    if (problems) sd_log(SD_WARN, "quality: state unreadable, starting fresh: a field has the wrong type");
}

static const sd_miner *order_miners;

static int by_uid(const void *a, const void *b) {
    uint16_t x = order_miners[*(const size_t *)a].uid, y = order_miners[*(const size_t *)b].uid;
    return x < y ? -1 : x > y;
}

/* score compares each answer with the exact sum of the task the round sent. Quality is
 * exp(-relative error x 20): an exact answer scores 1, 5% off scores about 0.37, no answer 0. */
static const char *score(const sd_round *r, sd_scores *out) {
    double want;
    const char *err = sum_of_task(r->challenge, &want);
    if (err) return err;
    past *prev = NULL;
    if (r->state.n) {
        prev = sd_alloc(65536 * sizeof *prev);
        memset(prev, 0, 65536 * sizeof *prev);
        read_state(r->state, prev);
    }
    double *emas = sd_alloc((r->n_miners + 1) * sizeof *emas);
    bool sorted = true;
    for (size_t i = 0; i < r->n_miners; i++) {
        const sd_miner *m = &r->miners[i];
        double q = quality(m, want);
        double ema = q;
        if (prev && prev[m->uid].set && prev[m->uid].hotkey.n == m->hotkey.n &&
            memcmp(prev[m->uid].hotkey.p, m->hotkey.p, m->hotkey.n) == 0)
            ema = ALPHA * q + KEEP * prev[m->uid].ema;
        emas[i] = ema;
        sd_scores_add(out, m->uid, ema);
        if (i && r->miners[i - 1].uid > m->uid) sorted = false;
    }
    /* the state lists uids ascending, as the Go scorer sorts it (a host-made Round is sorted) */
    size_t *order = sd_alloc((r->n_miners + 1) * sizeof *order);
    for (size_t i = 0; i < r->n_miners; i++) order[i] = i;
    if (!sorted) {
        order_miners = r->miners;
        qsort(order, r->n_miners, sizeof *order, by_uid);
    }
    sd_buf *st = &out->state;
    sd_buf_byte(st, '[');
    for (size_t j = 0; j < r->n_miners; j++) {
        const sd_miner *m = &r->miners[order[j]];
        if (j) sd_buf_byte(st, ',');
        sd_buf_cstr(st, "{\"uid\":");
        sd_buf_u64(st, m->uid);
        sd_buf_cstr(st, ",\"hotkey\":");
        sd_buf_string(st, m->hotkey.p, m->hotkey.n);
        sd_buf_cstr(st, ",\"ema\":");
        if (!sd_buf_f64(st, emas[order[j]])) return "quality: json: unsupported value: NaN";
        sd_buf_byte(st, '}');
    }
    sd_buf_byte(st, ']');
    return NULL;
}

SUBNETD_SCORE(score)
SUBNETD_CHALLENGE(challenge)
