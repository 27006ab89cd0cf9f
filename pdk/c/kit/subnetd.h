/*
 * subnetd.h: the subnetd scorer kit for C (ABI v1). A scorer is one function:
 *
 *     #include "subnetd.h"
 *
 *     static const char *score(const sd_round *r, sd_scores *out) {
 *         for (size_t i = 0; i < r->n_miners; i++)
 *             sd_scores_add(out, r->miners[i].uid, r->miners[i].status == 200 ? 1.0 : 0.0);
 *         return NULL;            // or an error message: the round fails with it
 *     }
 *     SUBNETD_SCORE(score)
 *
 * Built with `clang --target=wasm32-wasi -mexec-model=reactor` (subnetd plugin build does it),
 * SUBNETD_SCORE defines the export subnetd_score, and SUBNETD_CHALLENGE(fn) the optional
 * subnetd_challenge; built natively, SUBNETD_SCORE defines a main serving `plugin bench`.
 *
 * The JSON reader and writer behave as Go's encoding/json: floats print with the shortest
 * round-trip digits in Go's form, strings are escaped as Go escapes them, keys can be matched
 * as Go matches struct fields (sd_key_eq_fold). Memory comes from an arena (sd_alloc) that is never freed in Wasm: a
 * fresh instance serves every call.
 */
#ifndef SUBNETD_H
#define SUBNETD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- JSON reading -------------------------------------------------------------------------- */

/* sd_kind is the type of a JSON value. */
typedef enum { SD_ABSENT, SD_NULL, SD_BOOL, SD_NUMBER, SD_STRING, SD_ARRAY, SD_OBJECT } sd_kind;

/* sd_json is a view of one checked JSON value inside a message (n == 0: absent). */
typedef struct {
    const char *p;
    size_t n;
} sd_json;

/* sd_str is a byte string (a decoded JSON string: UTF-8, NUL-terminated, may hold NULs). */
typedef struct {
    const char *p;
    size_t n;
} sd_str;

/* sd_json_parse checks that text is one JSON value (white space around allowed; nesting up to
 * 10000 as in Go) and sets *out to it. It returns NULL, or why the text is not JSON. */
const char *sd_json_parse(const char *text, size_t n, sd_json *out);
sd_kind sd_json_kind(sd_json v);
bool sd_json_is_null(sd_json v);
/* sd_json_f64: a number within float64's range (Go refuses others into a float64). */
bool sd_json_f64(sd_json v, double *out);
/* sd_json_u64: a number written as digits only; sd_json_i64: an optional minus and digits. */
bool sd_json_u64(sd_json v, uint64_t *out);
bool sd_json_i64(sd_json v, int64_t *out);
/* sd_json_str: a string decoded as Go decodes it (lone surrogates, bad UTF-8 -> U+FFFD). */
bool sd_json_str(sd_json v, sd_str *out);

/* sd_iter walks the members of an object or the elements of an array. */
typedef struct {
    const char *b;
    size_t n, i;
} sd_iter;
sd_iter sd_json_members(sd_json v);
bool sd_next_member(sd_iter *it, sd_json *key, sd_json *val);
sd_iter sd_json_elements(sd_json v);
bool sd_next_element(sd_iter *it, sd_json *val);

/* sd_key_eq: the key (a string value) decodes to name exactly. sd_key_eq_fold: it names the
 * field name as Go's encoding/json matches keys to fields (case-insensitively, with Unicode
 * simple folding: "ANSWER" and "an\u017fwer" name "answer"); name must be ASCII. */
bool sd_key_eq(sd_json key, const char *name);
bool sd_key_eq_fold(sd_json key, const char *name);

/* ---- JSON writing -------------------------------------------------------------------------- */

/* sd_buf is a growing byte buffer. */
typedef struct {
    char *p;
    size_t n, cap;
} sd_buf;
void sd_buf_bytes(sd_buf *b, const void *p, size_t n);
void sd_buf_cstr(sd_buf *b, const char *s);
void sd_buf_byte(sd_buf *b, char c);
void sd_buf_u64(sd_buf *b, uint64_t v);
void sd_buf_i64(sd_buf *b, int64_t v);
/* sd_buf_f64 appends v as Go's encoding/json prints a float64; false (nothing written) for NaN
 * and infinities, which have no JSON form. */
bool sd_buf_f64(sd_buf *b, double v);
/* sd_buf_string appends the bytes as a JSON string escaped as Go escapes it. */
void sd_buf_string(sd_buf *b, const char *p, size_t n);
/* sd_buf_base64 appends standard base64 with padding. */
void sd_buf_base64(sd_buf *b, const void *p, size_t n);
/* sd_buf_compact appends a checked JSON value without white space, <, >, & and U+2028/9
 * escaped, as Go writes a json.RawMessage. */
void sd_buf_compact(sd_buf *b, sd_json v);

/* ---- messages ------------------------------------------------------------------------------ */

/* sd_validator identifies the validator running a round. */
typedef struct {
    uint16_t uid;
    sd_str hotkey;
} sd_validator;

/* sd_miner is one miner's answer (in a challenge request: uid, hotkey and stake only). */
typedef struct {
    uint16_t uid;
    sd_str hotkey;
    double stake;
    int64_t status;     /* 200 answered, 408 timed out, 503 unreachable, ... */
    double latency_ms;
    sd_json response;   /* the miner's JSON answer (null when none) */
    sd_json features;   /* feature providers' values (absent when none) */
} sd_miner;

/* sd_round is a Round (or a ChallengeRequest: no challenge, miners without answers). */
typedef struct {
    int64_t abi;
    uint16_t netuid;
    uint64_t block;
    sd_str block_hash;
    int64_t block_time_ms;
    sd_str seed;         /* "0x" and 64 hex digits */
    sd_validator validator;
    sd_json challenge;   /* the body sent to the miners (null when none) */
    sd_miner *miners;    /* uids ascending */
    size_t n_miners;
    sd_str state;        /* what the scorer returned as state last round (empty: none) */
} sd_round;

/* sd_round_parse decodes a Round or ChallengeRequest message; NULL or the reason it failed. */
const char *sd_round_parse(const char *msg, size_t n, sd_round *out);
/* For the kit's tests: sd__round_read is the one-pass reader sd_round_parse tries first (false:
 * it gave the message up), sd__round_parse_reference the reader it falls back on. */
bool sd__round_read(const char *msg, size_t n, sd_round *out);
const char *sd__round_parse_reference(const char *msg, size_t n, sd_round *out);

/* sd_score is one miner's score: finite and >= 0. */
typedef struct {
    uint16_t uid;
    double score;
} sd_score;

/* sd_scores is the output of a score call; a uid left out scores 0. */
typedef struct {
    sd_score *scores;
    size_t n, cap;
    sd_buf state; /* the next round's state (empty: none) */
} sd_scores;
void sd_scores_add(sd_scores *s, uint16_t uid, double score);
/* sd_scores_json encodes the Scores message as the Go kit does; NULL or the reason. */
const char *sd_scores_json(const sd_scores *s, sd_buf *out);

/* sd_challenge is what the validator sends to every serving miner this round. */
typedef struct {
    const char *synapse;
    sd_buf body;        /* a JSON object */
    int64_t timeout_ms; /* 0: the subnet's default */
} sd_challenge;
const char *sd_challenge_json(const sd_challenge *c, sd_buf *out);

/* A score function returns NULL on success, or the reason the round fails. */
typedef const char *(*sd_score_fn)(const sd_round *r, sd_scores *out);
typedef const char *(*sd_challenge_fn)(const sd_round *req, sd_challenge *out);

/* sd_alloc returns n bytes (16-aligned) that live until the call ends; sd_realloc grows a block
 * of old bytes to n (in place when it was the last one allocated). The kit uses them for
 * everything it allocates; a scorer may too (plain malloc works, but is never freed in a bench
 * loop natively). */
void *sd_alloc(size_t n);
void *sd_realloc(void *p, size_t old, size_t n);
void sd_arena_reset(void);

/* sd_errorf formats an error message (printf-style) for a score function to return. */
const char *sd_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log levels. */
enum { SD_DEBUG = 0, SD_INFO = 1, SD_WARN = 2, SD_ERROR = 3 };
/* sd_log sends one line to the validator's log (natively: stderr). */
void sd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* sd_score_json / sd_challenge_json_call: what the exports do, callable natively. */
const char *sd_score_json(sd_score_fn fn, const char *msg, size_t n, sd_buf *out);
const char *sd_challenge_json_call(sd_challenge_fn fn, const char *msg, size_t n, sd_buf *out);

int64_t sd__run_score(sd_score_fn fn, int32_t ptr, int32_t len);
int64_t sd__run_challenge(sd_challenge_fn fn, int32_t ptr, int32_t len);
int sd__native_main(int argc, char **argv, sd_score_fn fn);

#ifdef __wasm__
#define SUBNETD_SCORE(fn)                                                                          \
    __attribute__((export_name("subnetd_score"))) int64_t subnetd_score(int32_t ptr, int32_t len) { \
        return sd__run_score(fn, ptr, len);                                                        \
    }
#define SUBNETD_CHALLENGE(fn)                                                                      \
    __attribute__((export_name("subnetd_challenge"))) int64_t subnetd_challenge(int32_t ptr,        \
                                                                                int32_t len) {     \
        return sd__run_challenge(fn, ptr, len);                                                    \
    }
#else
#define SUBNETD_SCORE(fn)                                                                          \
    int main(int argc, char **argv) { return sd__native_main(argc, argv, fn); }
#define SUBNETD_CHALLENGE(fn) sd_challenge_fn sd__native_challenge = fn;
#endif

#ifdef __cplusplus
}
#endif
#endif
