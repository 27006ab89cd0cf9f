/* subnetd.c: the subnetd scorer kit for C; see subnetd.h. */
#pragma STDC FP_CONTRACT OFF

#include "subnetd.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SD_MAX_DEPTH 10000

/* The kit allocates from an arena: a fresh instance serves every call, so nothing is freed in
 * Wasm; natively the bench loop resets it between calls (sd_arena_reset). */
typedef struct sd_block {
    struct sd_block *next;
    size_t cap, used;
    size_t last; /* offset of the last allocation, for in-place growth */
    _Alignas(16) char data[];
} sd_block;

static sd_block *sd_arena;

static void sd_oom(void) {
    fprintf(stderr, "subnetd: out of memory\n");
    abort();
}

void *sd_alloc(size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!n) n = 16;
    sd_block *b = sd_arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        b = malloc(sizeof *b + cap);
        if (!b) sd_oom();
        b->next = sd_arena;
        b->cap = cap;
        b->used = 0;
        sd_arena = b;
    }
    b->last = b->used;
    b->used += n;
    return b->data + b->last;
}

void *sd_realloc(void *p, size_t old, size_t n) {
    sd_block *b = sd_arena;
    if (p && b && (char *)p == b->data + b->last) {
        size_t need = (n + 15) & ~(size_t)15;
        if (b->cap - b->last >= need) {
            b->used = b->last + need;
            return p;
        }
    }
    void *q = sd_alloc(n);
    if (p && old) memcpy(q, p, old < n ? old : n);
    return q;
}

void sd_arena_reset(void) {
    /* Keep one block as large as everything the call used, so that the next call reuses it. */
    if (sd_arena && !sd_arena->next) {
        sd_arena->used = sd_arena->last = 0;
        return;
    }
    size_t total = 0;
    while (sd_arena) {
        sd_block *next = sd_arena->next;
        total += sd_arena->cap;
        free(sd_arena);
        sd_arena = next;
    }
    if (total) {
        sd_arena = malloc(sizeof *sd_arena + total);
        if (!sd_arena) sd_oom();
        sd_arena->next = NULL;
        sd_arena->cap = total;
        sd_arena->used = sd_arena->last = 0;
    }
}

/* ---- host ---------------------------------------------------------------------------------- */

#ifdef __wasm__
__attribute__((import_module("subnetd"), import_name("log"))) void sd__host_log(int32_t level, const char *p, int32_t n);
__attribute__((import_module("subnetd"), import_name("abort"), noreturn)) void sd__host_abort(const char *p, int32_t n);

/* sd_reserve grows linear memory once, by about what a call on a message of size bytes will
 * use, and gives it back to malloc: without it memory grows in many small steps, and an engine
 * may copy all of it at each (wazero does). When that much memory is not allowed, nothing
 * happens. */
static void sd_reserve(size_t size) {
    size_t n = size * 4 + (1u << 20);
    if (n / 4 < size) return;
    volatile char *p = malloc(n);
    if (p) {
        p[0] = 0; /* used, so the compiler keeps the allocation */
        free((void *)p);
    }
}

__attribute__((export_name("subnetd_alloc"))) void *subnetd_alloc(int32_t size) {
    sd_reserve(size > 0 ? (size_t)size : 0);
    return sd_alloc(size > 0 ? (size_t)size : 1);
}
#endif

static const char *sd_vformat(const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = sd_alloc(n > 0 ? (size_t)n + 1 : 1);
    vsnprintf(s, n > 0 ? (size_t)n + 1 : 1, fmt, ap2);
    va_end(ap2);
    return s;
}

const char *sd_errorf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const char *s = sd_vformat(fmt, ap);
    va_end(ap);
    return s;
}

void sd_log(int level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const char *s = sd_vformat(fmt, ap);
    va_end(ap);
#ifdef __wasm__
    sd__host_log(level, s, (int32_t)strlen(s));
#else
    fprintf(stderr, "scorer log level=%d: %s\n", level, s);
#endif
}

/* ---- buffers ------------------------------------------------------------------------------- */

static void sd_buf_grow(sd_buf *b, size_t more) {
    if (b->n + more <= b->cap) return;
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->n + more) cap *= 2;
    b->p = sd_realloc(b->p, b->n, cap);
    b->cap = cap;
}

void sd_buf_bytes(sd_buf *b, const void *p, size_t n) {
    if (!n) return;
    sd_buf_grow(b, n);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

void sd_buf_cstr(sd_buf *b, const char *s) { sd_buf_bytes(b, s, strlen(s)); }

void sd_buf_byte(sd_buf *b, char c) {
    sd_buf_grow(b, 1);
    b->p[b->n++] = c;
}

void sd_buf_u64(sd_buf *b, uint64_t v) {
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sd_buf_bytes(b, tmp + i, (size_t)(24 - i));
}

void sd_buf_i64(sd_buf *b, int64_t v) {
    if (v < 0) {
        sd_buf_byte(b, '-');
        sd_buf_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        sd_buf_u64(b, (uint64_t)v);
    }
}

/* ---- floats -------------------------------------------------------------------------------- */

/* Shortest digits, exactly and without long double (wasm32's long double is 128-bit software
 * floating point, which makes printf and strtod slow there). A double is m * 2^e; its exact
 * decimal expansion, and those of the midpoints to its neighbours, come from a small big
 * integer in base 1e9. The shortest form is then the correctly rounded p-digit decimal (ties to
 * even) with the fewest digits p that lies between the midpoints (inclusive when m is even, as
 * a reader rounding ties to even maps them to v). A power of two has a narrower interval below
 * it: there the p-digit decimal just above may lie inside when the nearest does not. */
typedef struct {
    char d[800]; /* every significant digit */
    int nd;
    int exp; /* the first digit's power of ten */
} sd_dec;

static void sd_exact(uint64_t m, int e, sd_dec *x) {
    uint32_t w[96]; /* base 1e9, least significant first */
    int n = 0;
    while (m) {
        w[n++] = (uint32_t)(m % 1000000000u);
        m /= 1000000000u;
    }
    int shift = e >= 0 ? e : 0;
    int fives = e < 0 ? -e : 0;
    while (shift > 0 || fives > 0) {
        uint64_t mul;
        if (shift > 0) {
            int k = shift > 29 ? 29 : shift;
            mul = 1ull << k;
            shift -= k;
        } else {
            int k = fives > 13 ? 13 : fives;
            mul = 1;
            for (int i = 0; i < k; i++) mul *= 5;
            fives -= k;
        }
        uint64_t carry = 0;
        for (int i = 0; i < n; i++) {
            uint64_t t = (uint64_t)w[i] * mul + carry;
            w[i] = (uint32_t)(t % 1000000000u);
            carry = t / 1000000000u;
        }
        while (carry) {
            w[n++] = (uint32_t)(carry % 1000000000u);
            carry /= 1000000000u;
        }
    }
    char tmp[12];
    int k = 0;
    for (uint32_t top = w[n - 1]; top; top /= 10) tmp[k++] = (char)('0' + top % 10);
    for (int i = 0; i < k; i++) x->d[i] = tmp[k - 1 - i];
    x->nd = k;
    for (int i = n - 2; i >= 0; i--) {
        uint32_t v = w[i];
        for (int j = 8; j >= 0; j--) {
            x->d[x->nd + j] = (char)('0' + v % 10);
            v /= 10;
        }
        x->nd += 9;
    }
    x->exp = x->nd - 1 + (e < 0 ? e : 0);
    while (x->nd > 1 && x->d[x->nd - 1] == '0') x->nd--;
}

/* sd_cmp compares two positive decimals. */
static int sd_cmp(const sd_dec *a, const sd_dec *b) {
    if (a->exp != b->exp) return a->exp < b->exp ? -1 : 1;
    int n = a->nd > b->nd ? a->nd : b->nd;
    for (int i = 0; i < n; i++) {
        char x = i < a->nd ? a->d[i] : '0', y = i < b->nd ? b->d[i] : '0';
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

/* sd_round_to rounds the exact digits of v to p digits, ties to even. */
static void sd_round_to(const sd_dec *v, int p, sd_dec *x) {
    memcpy(x->d, v->d, (size_t)(p < v->nd ? p : v->nd));
    for (int i = v->nd; i < p; i++) x->d[i] = '0';
    x->nd = p;
    x->exp = v->exp;
    if (v->nd <= p) return;
    char t = v->d[p];
    bool up = t > '5';
    if (t == '5') {
        bool rest = false;
        for (int i = p + 1; i < v->nd; i++) rest |= v->d[i] != '0';
        up = rest || ((x->d[p - 1] - '0') & 1);
    }
    if (!up) return;
    int i = p - 1;
    while (i >= 0 && x->d[i] == '9') x->d[i--] = '0';
    if (i < 0) {
        x->d[0] = '1';
        x->exp++;
    } else {
        x->d[i]++;
    }
}

static void sd_next_up(sd_dec *x) {
    int i = x->nd - 1;
    while (i >= 0 && x->d[i] == '9') x->d[i--] = '0';
    if (i < 0) {
        x->d[0] = '1';
        x->exp++;
    } else {
        x->d[i]++;
    }
}

/* sd_shortest_fast gives what sd_shortest gives (the shortest digits that read back as a, the
 * nearest of them, the even one on a tie) for 2^-68 <= a < 2^113 (normal, exponent in
 * -120..60), in 128-bit integers instead of exact decimal expansions: Steele and White's
 * free-format algorithm as Burger and Dybvig state it. v and the half-gaps to its neighbours
 * are r/s, mp/s and mm/s, scaled by a power of ten until v < 1; each step takes the next digit
 * of 10v and stops as soon as the digits so far, or the next one up, lie within the gaps. Below
 * 1 the denominator is a power of two, so a digit is a shift. false: a is outside that range. */
static bool sd_shortest_fast(double a, sd_dec *out) {
    typedef unsigned __int128 u128;
    uint64_t bits;
    memcpy(&bits, &a, 8);
    int be = (int)((bits >> 52) & 0x7ff);
    if (be == 0) return false;
    u128 m = (u128)((bits & ((1ull << 52) - 1)) | (1ull << 52));
    int e = be - 1075;
    if (e < -120 || e > 60) return false;
    bool even = (m & 1) == 0;
    bool lower_near = m == ((u128)1 << 52) && be > 1; /* a power of two: the lower gap is half */
    u128 r, s, mp, mm;
    if (e >= 0) {
        r = lower_near ? m << (e + 2) : m << (e + 1);
        s = lower_near ? 4 : 2;
        mp = lower_near ? (u128)1 << (e + 1) : (u128)1 << e;
        mm = (u128)1 << e;
    } else {
        r = lower_near ? m << 2 : m << 1;
        s = lower_near ? (u128)1 << (2 - e) : (u128)1 << (1 - e);
        mp = lower_near ? 2 : 1;
        mm = 1;
    }
#define SD_MUL10(x) (((x) << 3) + ((x) << 1))
#define SD_REACHES(high) (even ? (high) >= s : (high) > s)
    /* k: the power of ten that brings v + mp just below 1 (to 1 when the gap is inclusive). */
    int k = ((e + 52) * 78913 >> 18) + 1;
    for (int i = 0; i < k; i++) s = SD_MUL10(s);
    for (int i = 0; i < -k; i++) {
        r = SD_MUL10(r);
        mp = SD_MUL10(mp);
        mm = SD_MUL10(mm);
    }
    while (SD_REACHES(r + mp)) {
        s = SD_MUL10(s);
        k++;
    }
    while (!SD_REACHES(SD_MUL10(r + mp))) {
        r = SD_MUL10(r);
        mp = SD_MUL10(mp);
        mm = SD_MUL10(mm);
        k--;
    }
    bool pow2 = (s & (s - 1)) == 0;
    if (pow2) {
        /* Scaled once so that s is 2^124 (10s still fits): each digit is then the bits above a
         * fixed point, a constant shift, which wasm32 does inline (a variable 128-bit shift is a
         * library call). */
        int shift = (uint64_t)s ? __builtin_ctzll((uint64_t)s) : 64 + __builtin_ctzll((uint64_t)(s >> 64));
        r <<= 124 - shift;
        mp <<= 124 - shift;
        mm <<= 124 - shift;
        s = (u128)1 << 124;
    }
    int n = 0;
    for (;;) {
        if (n == 20) return false;
        r = SD_MUL10(r);
        mp = SD_MUL10(mp);
        mm = SD_MUL10(mm);
        int d = 0;
        if (pow2) {
            d = (int)(uint64_t)(r >> 124);
            r &= ((u128)1 << 124) - 1;
        } else {
            while (r >= s) {
                r -= s;
                d++;
            }
        }
        bool low = even ? r <= mm : r < mm;
        bool high = SD_REACHES(r + mp);
        if (!low && !high) {
            out->d[n++] = (char)('0' + d);
            continue;
        }
        bool up = high;
        if (low && high) {
            u128 twice = r << 1;
            up = twice > s || (twice == s && (d & 1));
        }
        out->d[n++] = (char)('0' + d + up);
        break;
    }
#undef SD_MUL10
#undef SD_REACHES
    for (int i = n - 1; out->d[i] > '9'; i--) { /* a digit rounded up to ten carries */
        out->d[i] = '0';
        if (i == 0) {
            out->d[0] = '1';
            k++;
            break;
        }
        out->d[i - 1]++;
    }
    while (n > 1 && out->d[n - 1] == '0') n--;
    out->nd = n;
    out->exp = k - 1;
    return true;
}

static void sd_shortest(double a, sd_dec *out) {
    if (sd_shortest_fast(a, out)) return;
    uint64_t bits;
    memcpy(&bits, &a, 8);
    int be = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((1ull << 52) - 1);
    int e;
    if (be == 0) {
        e = -1074;
    } else {
        m |= 1ull << 52;
        e = be - 1075;
    }
    bool pow2 = m == (1ull << 52) && be > 1;
    static sd_dec v, lo, hi;
    sd_exact(m, e, &v);
    sd_exact(2 * m + 1, e - 1, &hi);
    if (pow2) sd_exact(4 * m - 1, e - 2, &lo);
    else sd_exact(2 * m - 1, e - 1, &lo);
    bool incl = (m & 1) == 0;
    if (pow2) {
        for (int p = 1; p <= 17; p++) {
            sd_round_to(&v, p, out);
            int cl = sd_cmp(out, &lo), ch = sd_cmp(out, &hi);
            if ((cl > 0 || (incl && cl == 0)) && (ch < 0 || (incl && ch == 0))) break;
            if (cl < 0) {
                sd_next_up(out);
                ch = sd_cmp(out, &hi);
                if (ch < 0 || (incl && ch == 0)) break;
            }
        }
    } else {
        /* with an even interval, lying inside is monotonic in p: search it */
        int a_ = 1, b_ = 17;
        while (a_ < b_) {
            int mid = (a_ + b_) / 2;
            sd_round_to(&v, mid, out);
            int cl = sd_cmp(out, &lo), ch = sd_cmp(out, &hi);
            if ((cl > 0 || (incl && cl == 0)) && (ch < 0 || (incl && ch == 0))) b_ = mid;
            else a_ = mid + 1;
        }
        sd_round_to(&v, a_, out);
    }
    while (out->nd > 1 && out->d[out->nd - 1] == '0') out->nd--;
}

bool sd_buf_f64(sd_buf *b, double v) {
    if (isnan(v) || isinf(v)) return false;
    if (v == 0) {
        sd_buf_cstr(b, signbit(v) ? "-0" : "0");
        return true;
    }
    if (v < 0) sd_buf_byte(b, '-');
    double a = fabs(v);
    static sd_dec x;
    sd_shortest(a, &x);
    const char *digits = x.d;
    int nd = x.nd, exp = x.exp;
    if (a < 1e-6 || a >= 1e21) {
        sd_buf_byte(b, digits[0]);
        if (nd > 1) {
            sd_buf_byte(b, '.');
            sd_buf_bytes(b, digits + 1, (size_t)(nd - 1));
        }
        sd_buf_byte(b, 'e');
        if (exp < 0) {
            sd_buf_byte(b, '-');
            sd_buf_u64(b, (uint64_t)(-exp));
        } else {
            sd_buf_byte(b, '+');
            if (exp < 10) sd_buf_byte(b, '0');
            sd_buf_u64(b, (uint64_t)exp);
        }
        return true;
    }
    int point = exp + 1;
    if (point <= 0) {
        sd_buf_cstr(b, "0.");
        for (int i = 0; i < -point; i++) sd_buf_byte(b, '0');
        sd_buf_bytes(b, digits, (size_t)nd);
    } else if (point >= nd) {
        sd_buf_bytes(b, digits, (size_t)nd);
        for (int i = 0; i < point - nd; i++) sd_buf_byte(b, '0');
    } else {
        sd_buf_bytes(b, digits, (size_t)point);
        sd_buf_byte(b, '.');
        sd_buf_bytes(b, digits + point, (size_t)(nd - point));
    }
    return true;
}

/* ---- strings ------------------------------------------------------------------------------- */

/* sd_utf8 returns the length of the valid UTF-8 sequence at p (as Go's utf8.DecodeRune accepts
 * it), or 0 when the byte at p does not start one. */
static size_t sd_utf8(const unsigned char *p, size_t n, uint32_t *r) {
    unsigned c = p[0];
    if (c < 0x80) {
        *r = c;
        return 1;
    }
    unsigned lo = 0x80, hi = 0xbf;
    size_t len;
    uint32_t v;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    v = (v << 6) | (p[1] & 0x3f);
    for (size_t i = 2; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    *r = v;
    return len;
}

static const char sd_hex[] = "0123456789abcdef";

void sd_buf_string(sd_buf *b, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    sd_buf_grow(b, n + 2);
    sd_buf_byte(b, '"');
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
                i++;
                continue;
            }
            sd_buf_bytes(b, s + start, i - start);
            switch (c) {
            case '"': sd_buf_cstr(b, "\\\""); break;
            case '\\': sd_buf_cstr(b, "\\\\"); break;
            case '\b': sd_buf_cstr(b, "\\b"); break;
            case '\f': sd_buf_cstr(b, "\\f"); break;
            case '\n': sd_buf_cstr(b, "\\n"); break;
            case '\r': sd_buf_cstr(b, "\\r"); break;
            case '\t': sd_buf_cstr(b, "\\t"); break;
            default: {
                char e[6] = {'\\', 'u', '0', '0', sd_hex[c >> 4], sd_hex[c & 15]};
                sd_buf_bytes(b, e, 6);
            }
            }
            i++;
            start = i;
            continue;
        }
        uint32_t r;
        size_t len = sd_utf8(p + i, n - i, &r);
        if (len == 0) {
            sd_buf_bytes(b, s + start, i - start);
            sd_buf_cstr(b, "\\ufffd");
            i++;
            start = i;
            continue;
        }
        if (r == 0x2028 || r == 0x2029) {
            sd_buf_bytes(b, s + start, i - start);
            sd_buf_cstr(b, r == 0x2028 ? "\\u2028" : "\\u2029");
            i += len;
            start = i;
            continue;
        }
        i += len;
    }
    sd_buf_bytes(b, s + start, n - start);
    sd_buf_byte(b, '"');
}

static const char sd_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sd_buf_base64(sd_buf *b, const void *data, size_t n) {
    const unsigned char *p = data;
    sd_buf_grow(b, (n + 2) / 3 * 4);
    char *o = b->p + b->n; /* room made above: written directly, four characters per three bytes */
    size_t i = 0;
    for (; i + 3 <= n; i += 3, o += 4) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        o[0] = sd_b64[(v >> 18) & 63];
        o[1] = sd_b64[(v >> 12) & 63];
        o[2] = sd_b64[(v >> 6) & 63];
        o[3] = sd_b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        o[0] = sd_b64[(v >> 18) & 63];
        o[1] = sd_b64[(v >> 12) & 63];
        o[2] = i + 1 < n ? sd_b64[(v >> 6) & 63] : '=';
        o[3] = '=';
        o += 4;
    }
    b->n = (size_t)(o - b->p);
}

static bool sd_base64_decode(const char *s, size_t n, sd_buf *out) {
    uint32_t quad = 0;
    int k = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int v;
        if (c == '\r' || c == '\n') continue;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') {
            v = 0;
            pad++;
        } else return false;
        if (pad && c != '=') return false;
        quad = quad << 6 | (uint32_t)v;
        if (++k == 4) {
            sd_buf_byte(out, (char)(quad >> 16));
            if (pad < 2) sd_buf_byte(out, (char)(quad >> 8));
            if (pad < 1) sd_buf_byte(out, (char)quad);
            k = 0;
            quad = 0;
            if (pad) break;
        }
    }
    return k == 0 && pad <= 2;
}

/* ---- JSON checking ------------------------------------------------------------------------- */

static size_t sd_ws(const char *b, size_t n, size_t i) {
    while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) i++;
    return i;
}

static bool sd_ishex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static bool sd_isdigit(char c) { return c >= '0' && c <= '9'; }

/* sd_skip_plain returns the index of the first byte from k that a string's check must look at (",
 * \\, a control character), eight bytes per step while eight remain, else the index where fewer
 * remain. A step per word instead of per byte makes the check several times cheaper in Wasm. */
static size_t sd_skip_plain(const char *b, size_t n, size_t k) {
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    while (k + 8 <= n) {
        uint64_t w;
        memcpy(&w, b + k, 8); /* one unaligned load (little-endian in Wasm and on x86) */
        uint64_t q = w ^ (ones * '"'), s = w ^ (ones * '\\');
        /* The bit trick sets the high bit of each byte that is zero (or below 0x20); a borrow
         * can set it in a later byte too, never in an earlier one: the lowest bit set marks the
         * first such byte exactly. */
        uint64_t special = ((q - ones) & ~q | (s - ones) & ~s | (w - ones * 0x20) & ~w) & high;
        if (special) return k + (size_t)(__builtin_ctzll(special) / 8);
        k += 8;
    }
    return k;
}

static const char *sd_check_string(const char *b, size_t n, size_t *i) {
    size_t k = *i + 1;
    for (;;) {
        k = sd_skip_plain(b, n, k);
        if (k >= n) return "unterminated string";
        unsigned char c = (unsigned char)b[k];
        if (c == '"') {
            *i = k + 1;
            return NULL;
        }
        if (c == '\\') {
            if (k + 1 >= n) return "unterminated string";
            char e = b[k + 1];
            if (e == 'u') {
                if (k + 6 > n || !sd_ishex(b[k + 2]) || !sd_ishex(b[k + 3]) || !sd_ishex(b[k + 4]) || !sd_ishex(b[k + 5]))
                    return "invalid \\u escape";
                k += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                k += 2;
            } else {
                return "invalid escape";
            }
            continue;
        }
        if (c < 0x20) return "control character in string";
        k++;
    }
}

static const char *sd_check_number(const char *b, size_t n, size_t *i) {
    size_t k = *i;
    if (b[k] == '-') k++;
    if (k >= n) return "invalid number";
    if (b[k] == '0') k++;
    else if (sd_isdigit(b[k]))
        while (k < n && sd_isdigit(b[k])) k++;
    else return "invalid number";
    if (k < n && b[k] == '.') {
        k++;
        if (k >= n || !sd_isdigit(b[k])) return "invalid number";
        while (k < n && sd_isdigit(b[k])) k++;
    }
    if (k < n && (b[k] == 'e' || b[k] == 'E')) {
        k++;
        if (k < n && (b[k] == '+' || b[k] == '-')) k++;
        if (k >= n || !sd_isdigit(b[k])) return "invalid number";
        while (k < n && sd_isdigit(b[k])) k++;
    }
    *i = k;
    return NULL;
}

static const char *sd_check_lit(const char *b, size_t n, size_t *i, const char *lit) {
    size_t l = strlen(lit);
    if (*i + l > n || memcmp(b + *i, lit, l) != 0) return "invalid literal";
    *i += l;
    return NULL;
}

static const char *sd_check_key(const char *b, size_t n, size_t *i) {
    if (*i >= n || b[*i] != '"') return "expected a string key";
    const char *err = sd_check_string(b, n, i);
    if (err) return err;
    *i = sd_ws(b, n, *i);
    if (*i >= n || b[*i] != ':') return "expected : after a key";
    (*i)++;
    return NULL;
}

/* sd_check_value_at checks one value at *i (no leading white space) without recursion; base
 * containers are open around it (the depth limit counts them too). The first 32 open
 * containers are kept on the stack, so checking a small value allocates nothing. */
static const char *sd_check_value_at(const char *b, size_t n, size_t *pi, size_t base) {
    char small[32];
    char *stack = small;
    size_t depth = 0, cap = sizeof small;
    size_t i = *pi;
    const char *err = NULL;
    for (;;) {
        i = sd_ws(b, n, i);
        if (i >= n) {
            err = "unexpected end of input";
            goto out;
        }
        char c = b[i];
        if (c == '{' || c == '[') {
            if (base + depth >= SD_MAX_DEPTH) {
                err = "exceeded max depth";
                goto out;
            }
            if (depth == cap) {
                char *grown = malloc(cap * 2);
                if (!grown) abort();
                memcpy(grown, stack, cap);
                if (stack != small) free(stack);
                stack = grown;
                cap *= 2;
            }
            stack[depth++] = c;
            i = sd_ws(b, n, i + 1);
            char close = c == '{' ? '}' : ']';
            if (i < n && b[i] == close) {
                depth--;
                i++;
            } else {
                if (c == '{' && (err = sd_check_key(b, n, &i))) goto out;
                continue;
            }
        } else if (c == '"') {
            if ((err = sd_check_string(b, n, &i))) goto out;
        } else if (c == 't') {
            if ((err = sd_check_lit(b, n, &i, "true"))) goto out;
        } else if (c == 'f') {
            if ((err = sd_check_lit(b, n, &i, "false"))) goto out;
        } else if (c == 'n') {
            if ((err = sd_check_lit(b, n, &i, "null"))) goto out;
        } else if (c == '-' || sd_isdigit(c)) {
            if ((err = sd_check_number(b, n, &i))) goto out;
        } else {
            err = "invalid character looking for a value";
            goto out;
        }
        for (;;) {
            if (depth == 0) goto out;
            char top = stack[depth - 1];
            i = sd_ws(b, n, i);
            if (i >= n) {
                err = "unexpected end of input";
                goto out;
            }
            if (b[i] == (top == '{' ? '}' : ']')) {
                depth--;
                i++;
                continue;
            }
            if (b[i] != ',') {
                err = "expected , or a closing bracket";
                goto out;
            }
            i = sd_ws(b, n, i + 1);
            if (top == '{' && (err = sd_check_key(b, n, &i))) goto out;
            break;
        }
    }
out:
    if (stack != small) free(stack);
    *pi = i;
    return err;
}

static const char *sd_check_value(const char *b, size_t n, size_t *pi) { return sd_check_value_at(b, n, pi, 0); }

const char *sd_json_parse(const char *text, size_t n, sd_json *out) {
    size_t start = sd_ws(text, n, 0), i = start;
    const char *err = sd_check_value(text, n, &i);
    if (!err && sd_ws(text, n, i) != n) err = "data after the value";
    if (err) {
        out->p = text;
        out->n = 0;
        return sd_errorf("invalid JSON at byte %zu: %s", i, err);
    }
    out->p = text + start;
    out->n = i - start;
    return NULL;
}

/* ---- JSON views ---------------------------------------------------------------------------- */

sd_kind sd_json_kind(sd_json v) {
    if (v.n == 0) return SD_ABSENT;
    switch (v.p[0]) {
    case 'n': return SD_NULL;
    case 't':
    case 'f': return SD_BOOL;
    case '"': return SD_STRING;
    case '[': return SD_ARRAY;
    case '{': return SD_OBJECT;
    default: return SD_NUMBER;
    }
}

bool sd_json_is_null(sd_json v) { return v.n == 4 && memcmp(v.p, "null", 4) == 0; }

/* sd_fast_f64 reads a number whose digits fit in 2^53 and whose power of ten is at most 22 in
 * size: then m * 10^k or m / 10^k is one correctly rounded operation (Clinger's fast path). */
static bool sd_fast_f64(const char *p, size_t n, double *out) {
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    bool neg = false;
    if (i < n && p[i] == '-') neg = true, i++;
    uint64_t m = 0;
    int digits = 0, scale = 0;
    for (; i < n && sd_isdigit(p[i]); i++) {
        if (m || p[i] != '0') digits++;
        if (digits > 19) return false;
        m = m * 10 + (uint64_t)(p[i] - '0');
    }
    if (i < n && p[i] == '.') {
        for (i++; i < n && sd_isdigit(p[i]); i++) {
            if (m || p[i] != '0') digits++;
            if (digits > 19) return false;
            m = m * 10 + (uint64_t)(p[i] - '0');
            scale--;
        }
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool eneg = false;
        if (p[i] == '+' || p[i] == '-') eneg = p[i] == '-', i++;
        int ex = 0;
        for (; i < n && sd_isdigit(p[i]); i++) {
            if (ex > 10000) return false;
            ex = ex * 10 + (p[i] - '0');
        }
        scale += eneg ? -ex : ex;
    }
    if (m > (1ull << 53) || scale < -22 || scale > 22) return false;
    double d = (double)m;
    d = scale < 0 ? d / pow10[-scale] : d * pow10[scale];
    *out = neg ? -d : d;
    return true;
}

bool sd_json_f64(sd_json v, double *out) {
    if (sd_json_kind(v) != SD_NUMBER) return false;
    if (sd_fast_f64(v.p, v.n, out)) return true;
    char small[64];
    char *s = v.n < sizeof small ? small : sd_alloc(v.n + 1);
    memcpy(s, v.p, v.n);
    s[v.n] = 0;
    double d = strtod(s, NULL);
    if (isinf(d)) return false;
    *out = d;
    return true;
}

bool sd_json_u64(sd_json v, uint64_t *out) {
    if (v.n == 0 || v.n > 20) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (!sd_isdigit(v.p[i])) return false;
        unsigned d = (unsigned)(v.p[i] - '0');
        if (x > (UINT64_MAX - d) / 10) return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

bool sd_json_i64(sd_json v, int64_t *out) {
    bool neg = v.n > 0 && v.p[0] == '-';
    sd_json d = {v.p + neg, v.n - neg};
    uint64_t x;
    if (!sd_json_u64(d, &x)) return false;
    if (neg ? x > (uint64_t)INT64_MAX + 1 : x > (uint64_t)INT64_MAX) return false;
    *out = neg ? (int64_t)(0 - x) : (int64_t)x;
    return true;
}

static int sd_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}

static int32_t sd_u4(const char *s, size_t n) {
    if (n < 6 || s[0] != '\\' || s[1] != 'u') return -1;
    for (int k = 2; k < 6; k++)
        if (!sd_ishex(s[k])) return -1;
    return sd_hexval(s[2]) << 12 | sd_hexval(s[3]) << 8 | sd_hexval(s[4]) << 4 | sd_hexval(s[5]);
}

static void sd_buf_rune(sd_buf *b, uint32_t r) {
    char e[4];
    if (r < 0x80) {
        sd_buf_byte(b, (char)r);
    } else if (r < 0x800) {
        e[0] = (char)(0xc0 | r >> 6);
        e[1] = (char)(0x80 | (r & 0x3f));
        sd_buf_bytes(b, e, 2);
    } else if (r < 0x10000) {
        e[0] = (char)(0xe0 | r >> 12);
        e[1] = (char)(0x80 | ((r >> 6) & 0x3f));
        e[2] = (char)(0x80 | (r & 0x3f));
        sd_buf_bytes(b, e, 3);
    } else {
        e[0] = (char)(0xf0 | r >> 18);
        e[1] = (char)(0x80 | ((r >> 12) & 0x3f));
        e[2] = (char)(0x80 | ((r >> 6) & 0x3f));
        e[3] = (char)(0x80 | (r & 0x3f));
        sd_buf_bytes(b, e, 4);
    }
}

/* sd_decode decodes the checked string token tok (quotes included) as Go does. */
static sd_str sd_decode(const char *tok, size_t len) {
    const char *s = tok + 1;
    size_t n = len - 2;
    sd_buf b = {0};
    sd_buf_grow(&b, n + 1);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            char e = s[i + 1];
            if (e != 'u') {
                char out = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
                sd_buf_byte(&b, out);
                i += 2;
                continue;
            }
            uint32_t r = (uint32_t)sd_u4(s + i, n - i);
            i += 6;
            if (r >= 0xd800 && r < 0xe000) {
                int32_t lo = sd_u4(s + i, n - i);
                if (r < 0xdc00 && lo >= 0xdc00 && lo < 0xe000) {
                    r = 0x10000 + ((r - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
                    i += 6;
                } else {
                    r = 0xfffd;
                }
            }
            sd_buf_rune(&b, r);
            continue;
        }
        if (c < 0x80) {
            sd_buf_byte(&b, (char)c);
            i++;
            continue;
        }
        uint32_t r;
        size_t l = sd_utf8((const unsigned char *)s + i, n - i, &r);
        if (l == 0) {
            sd_buf_rune(&b, 0xfffd);
            i++;
        } else {
            sd_buf_bytes(&b, s + i, l);
            i += l;
        }
    }
    sd_buf_byte(&b, 0);
    sd_str out = {b.p, b.n - 1};
    return out;
}

bool sd_json_str(sd_json v, sd_str *out) {
    if (sd_json_kind(v) != SD_STRING) return false;
    *out = sd_decode(v.p, v.n);
    return true;
}

/* sd_scan returns the end of the checked value at i. */
static size_t sd_scan(const char *b, size_t n, size_t i) {
    size_t depth = 0;
    while (i < n) {
        char c = b[i];
        if (c == '"') {
            i++;
            for (;;) { /* a checked string: its end is the first unescaped quote */
                i = sd_skip_plain(b, n, i);
                if (b[i] == '"') break;
                i += b[i] == '\\' ? 2 : 1;
            }
            i++;
            if (depth == 0) return i;
        } else if (c == '{' || c == '[') {
            depth++;
            i++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) return i;
            depth--;
            i++;
            if (depth == 0) return i;
        } else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (depth == 0) return i;
            i++;
        } else {
            i++;
        }
    }
    return i;
}

sd_iter sd_json_members(sd_json v) {
    sd_iter it = {v.p, v.n, sd_json_kind(v) == SD_OBJECT ? 1 : v.n};
    return it;
}

sd_iter sd_json_elements(sd_json v) {
    sd_iter it = {v.p, v.n, sd_json_kind(v) == SD_ARRAY ? 1 : v.n};
    return it;
}

bool sd_next_member(sd_iter *it, sd_json *key, sd_json *val) {
    size_t i = sd_ws(it->b, it->n, it->i);
    if (i >= it->n || it->b[i] == '}') {
        it->i = it->n;
        return false;
    }
    if (it->b[i] == ',') i = sd_ws(it->b, it->n, i + 1);
    size_t ke = sd_scan(it->b, it->n, i);
    key->p = it->b + i;
    key->n = ke - i;
    i = sd_ws(it->b, it->n, ke);
    i = sd_ws(it->b, it->n, i + 1);
    size_t ve = sd_scan(it->b, it->n, i);
    val->p = it->b + i;
    val->n = ve - i;
    it->i = ve;
    return true;
}

bool sd_next_element(sd_iter *it, sd_json *val) {
    size_t i = sd_ws(it->b, it->n, it->i);
    if (i >= it->n || it->b[i] == ']') {
        it->i = it->n;
        return false;
    }
    if (it->b[i] == ',') i = sd_ws(it->b, it->n, i + 1);
    size_t e = sd_scan(it->b, it->n, i);
    val->p = it->b + i;
    val->n = e - i;
    it->i = e;
    return true;
}

static bool sd_plain(sd_json key) {
    for (size_t i = 1; i + 1 < key.n; i++)
        if (key.p[i] == '\\' || (unsigned char)key.p[i] >= 0x80) return false;
    return true;
}

bool sd_key_eq(sd_json key, const char *name) {
    size_t l = strlen(name);
    if (sd_plain(key)) return key.n == l + 2 && memcmp(key.p + 1, name, l) == 0;
    sd_str s = sd_decode(key.p, key.n);
    bool eq = s.n == l && memcmp(s.p, name, l) == 0;
    return eq;
}

static char sd_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

bool sd_key_eq_fold(sd_json key, const char *name) {
    size_t l = strlen(name);
    if (sd_plain(key)) {
        if (key.n != l + 2) return false;
        for (size_t i = 0; i < l; i++)
            if (sd_lower(key.p[i + 1]) != sd_lower(name[i])) return false;
        return true;
    }
    sd_str s = sd_decode(key.p, key.n);
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0, j = 0;
    bool eq = true;
    while (eq && i < s.n && j < l) {
        char c;
        if (p[i] < 0x80) {
            c = sd_lower((char)p[i]);
            i++;
        } else if (i + 1 < s.n && p[i] == 0xc5 && p[i + 1] == 0xbf) { /* U+017F long s */
            c = 's';
            i += 2;
        } else if (i + 2 < s.n && p[i] == 0xe2 && p[i + 1] == 0x84 && p[i + 2] == 0xaa) { /* U+212A Kelvin */
            c = 'k';
            i += 3;
        } else {
            eq = false;
            break;
        }
        if (c != sd_lower(name[j])) eq = false;
        j++;
    }
    eq = eq && i == s.n && j == l;
    return eq;
}

void sd_buf_compact(sd_buf *b, sd_json v) {
    bool in_str = false;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (in_str) {
            if (c == '\\') {
                sd_buf_byte(b, (char)c);
                sd_buf_byte(b, v.p[++i]);
                continue;
            }
            if (c == '"') in_str = false;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else if (c == '"') {
            in_str = true;
        }
        if (c == '<' || c == '>' || c == '&') {
            char e[6] = {'\\', 'u', '0', '0', sd_hex[c >> 4], sd_hex[c & 15]};
            sd_buf_bytes(b, e, 6);
        } else if (c == 0xe2 && i + 2 < v.n && (unsigned char)v.p[i + 1] == 0x80 &&
                   ((unsigned char)v.p[i + 2] == 0xa8 || (unsigned char)v.p[i + 2] == 0xa9)) {
            sd_buf_cstr(b, (unsigned char)v.p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
            i += 2;
        } else {
            sd_buf_byte(b, (char)c);
        }
    }
}

/* ---- messages ------------------------------------------------------------------------------ */

static const char *sd_field_err(const char *name) { return sd_errorf("field %s has the wrong type", name); }

static const char *sd_want_str(sd_json v, const char *name, sd_str *out) {
    if (v.n == 0 || sd_json_is_null(v)) return NULL;
    return sd_json_str(v, out) ? NULL : sd_field_err(name);
}

static const char *sd_want_u64(sd_json v, const char *name, uint64_t max, uint64_t *out) {
    if (v.n == 0 || sd_json_is_null(v)) return NULL;
    uint64_t x;
    if (!sd_json_u64(v, &x) || x > max) return sd_field_err(name);
    *out = x;
    return NULL;
}

static const char *sd_want_i64(sd_json v, const char *name, int64_t *out) {
    if (v.n == 0 || sd_json_is_null(v)) return NULL;
    return sd_json_i64(v, out) ? NULL : sd_field_err(name);
}

static const char *sd_want_f64(sd_json v, const char *name, double *out) {
    if (v.n == 0 || sd_json_is_null(v)) return NULL;
    return sd_json_f64(v, out) ? NULL : sd_field_err(name);
}

static const char *sd_parse_miner(sd_json e, sd_miner *m) {
    memset(m, 0, sizeof *m);
    m->hotkey.p = "";
    if (sd_json_kind(e) != SD_OBJECT) return sd_json_is_null(e) ? NULL : sd_field_err("miners[]");
    sd_iter it = sd_json_members(e);
    sd_json k, v;
    const char *err = NULL;
    uint64_t u;
    while (!err && sd_next_member(&it, &k, &v)) {
        if (sd_key_eq(k, "uid")) {
            u = m->uid;
            err = sd_want_u64(v, "uid", 65535, &u);
            m->uid = (uint16_t)u;
        } else if (sd_key_eq(k, "hotkey")) err = sd_want_str(v, "hotkey", &m->hotkey);
        else if (sd_key_eq(k, "stake")) err = sd_want_f64(v, "stake", &m->stake);
        else if (sd_key_eq(k, "status")) err = sd_want_i64(v, "status", &m->status);
        else if (sd_key_eq(k, "latency_ms")) err = sd_want_f64(v, "latency_ms", &m->latency_ms);
        else if (sd_key_eq(k, "response")) m->response = v;
        else if (sd_key_eq(k, "features")) m->features = v;
    }
    return err;
}

/* sd_round_parse_checked is the reference reader: it checks the whole message, then finds each
 * member and element by scanning. */
static const char *sd_round_parse_checked(const char *msg, size_t n, sd_round *r) {
    memset(r, 0, sizeof *r);
    r->block_hash.p = r->seed.p = r->validator.hotkey.p = r->state.p = "";
    sd_json doc;
    const char *err = sd_json_parse(msg, n, &doc);
    if (err) return err;
    if (sd_json_kind(doc) != SD_OBJECT) return "the message is not a JSON object";
    sd_iter it = sd_json_members(doc);
    sd_json k, v;
    uint64_t u;
    while (!err && sd_next_member(&it, &k, &v)) {
        if (sd_key_eq(k, "abi")) err = sd_want_i64(v, "abi", &r->abi);
        else if (sd_key_eq(k, "netuid")) {
            u = r->netuid;
            err = sd_want_u64(v, "netuid", 65535, &u);
            r->netuid = (uint16_t)u;
        } else if (sd_key_eq(k, "block")) err = sd_want_u64(v, "block", UINT64_MAX, &r->block);
        else if (sd_key_eq(k, "block_hash")) err = sd_want_str(v, "block_hash", &r->block_hash);
        else if (sd_key_eq(k, "block_time_ms")) err = sd_want_i64(v, "block_time_ms", &r->block_time_ms);
        else if (sd_key_eq(k, "seed")) err = sd_want_str(v, "seed", &r->seed);
        else if (sd_key_eq(k, "validator")) {
            sd_iter vi = sd_json_members(v);
            sd_json vk, vv;
            while (!err && sd_next_member(&vi, &vk, &vv)) {
                if (sd_key_eq(vk, "uid")) {
                    u = r->validator.uid;
                    err = sd_want_u64(vv, "validator.uid", 65535, &u);
                    r->validator.uid = (uint16_t)u;
                } else if (sd_key_eq(vk, "hotkey")) err = sd_want_str(vv, "validator.hotkey", &r->validator.hotkey);
            }
        } else if (sd_key_eq(k, "challenge")) r->challenge = v;
        else if (sd_key_eq(k, "miners")) {
            if (sd_json_kind(v) != SD_ARRAY && !sd_json_is_null(v)) return sd_field_err("miners");
            size_t count = 0, cap = 0;
            sd_miner *ms = NULL;
            sd_iter ei = sd_json_elements(v);
            sd_json e;
            while (!err && sd_next_element(&ei, &e)) {
                if (count == cap) {
                    cap = cap ? cap * 2 : 16;
                    ms = sd_realloc(ms, count * sizeof *ms, cap * sizeof *ms);
                }
                err = sd_parse_miner(e, &ms[count++]);
            }
            r->miners = ms;
            r->n_miners = count;
        } else if (sd_key_eq(k, "state")) {
            sd_str s = {"", 0};
            err = sd_want_str(v, "state", &s);
            if (!err) {
                sd_buf b = {0};
                if (!sd_base64_decode(s.p, s.n, &b)) err = "field state: illegal base64 data";
                r->state.p = b.p ? b.p : "";
                r->state.n = b.n;
            }
        }
    }
    return err;
}

/* ---- the one-pass Round reader -------------------------------------------------------------- */

/* The one-pass reader checks and decodes the Round in the same walk, where the reference reader
 * checks the whole text, then finds every member and element again by scanning: for a Round of
 * 4096 miners, one walk instead of four. It takes on only what the host writes (keys without
 * escapes, fields of their ABI v1 types); anything else, every syntax error included, makes it
 * give up, and sd_round_parse reads the message again with the reference reader, which then
 * gives the result or the error. So whenever it returns a Round, the reference reader returns
 * the same one (plugins/lang_c_test.go checks this on mangled messages through the probe). */

typedef struct {
    const char *b;
    size_t n, i;
} sd_cur;

/* sd_peek skips white space and returns the next byte, or -1 at the end. */
static int sd_peek(sd_cur *c) {
    c->i = sd_ws(c->b, c->n, c->i);
    return c->i < c->n ? (unsigned char)c->b[c->i] : -1;
}

static bool sd_eat(sd_cur *c, char ch) {
    if (sd_peek(c) != (unsigned char)ch) return false;
    c->i++;
    return true;
}

/* sd_cur_value checks any value inside depth open containers and returns its view. */
static bool sd_cur_value(sd_cur *c, size_t depth, sd_json *out) {
    size_t s = sd_ws(c->b, c->n, c->i), i = s;
    if (sd_check_value_at(c->b, c->n, &i, depth)) return false;
    out->p = c->b + s;
    out->n = i - s;
    c->i = i;
    return true;
}

static bool sd_cur_null(sd_cur *c) {
    if (sd_peek(c) != 'n' || c->n - c->i < 4 || memcmp(c->b + c->i, "null", 4) != 0) return false;
    c->i += 4;
    return true;
}

/* sd_cur_key reads a member's name (no escapes) and its colon. */
static bool sd_cur_key(sd_cur *c, const char **k, size_t *kn) {
    if (sd_peek(c) != '"') return false;
    size_t s = c->i, i = s;
    if (sd_check_string(c->b, c->n, &i)) return false;
    if (memchr(c->b + s + 1, '\\', i - s - 2)) return false;
    *k = c->b + s + 1;
    *kn = i - s - 2;
    c->i = i;
    return sd_eat(c, ':');
}

#define SD_IS(k, kn, lit) ((kn) == sizeof(lit) - 1 && memcmp((k), (lit), sizeof(lit) - 1) == 0)

/* sd_cur_str reads a string field; null leaves it as it was, as sd_want_str does. */
static bool sd_cur_str(sd_cur *c, sd_str *out) {
    if (sd_cur_null(c)) return true;
    if (sd_peek(c) != '"') return false;
    size_t s = c->i, i = s;
    if (sd_check_string(c->b, c->n, &i)) return false;
    c->i = i;
    const char *p = c->b + s + 1;
    size_t len = i - s - 2;
    bool plain = true;
    for (size_t k = 0; k < len && plain; k++) plain = (unsigned char)p[k] < 0x80 && p[k] != '\\';
    if (!plain) {
        *out = sd_decode(c->b + s, i - s);
        return true;
    }
    char *d = sd_alloc(len + 1); /* ASCII without escapes is its own decoding */
    memcpy(d, p, len);
    d[len] = 0;
    out->p = d;
    out->n = len;
    return true;
}

/* sd_cur_number checks a number and returns its view. */
static bool sd_cur_number(sd_cur *c, sd_json *out) {
    int ch = sd_peek(c);
    if (ch != '-' && !(ch >= '0' && ch <= '9')) return false;
    size_t s = c->i, i = s;
    if (sd_check_number(c->b, c->n, &i)) return false;
    out->p = c->b + s;
    out->n = i - s;
    c->i = i;
    return true;
}

/* The number fields: null leaves them as they were, as the sd_want_ functions do. */
static bool sd_cur_u64(sd_cur *c, uint64_t max, uint64_t *out) {
    if (sd_cur_null(c)) return true;
    sd_json v;
    uint64_t x;
    if (!sd_cur_number(c, &v) || !sd_json_u64(v, &x) || x > max) return false;
    *out = x;
    return true;
}

static bool sd_cur_u16(sd_cur *c, uint16_t *out) {
    uint64_t u = *out;
    if (!sd_cur_u64(c, 65535, &u)) return false;
    *out = (uint16_t)u;
    return true;
}

static bool sd_cur_i64(sd_cur *c, int64_t *out) {
    if (sd_cur_null(c)) return true;
    sd_json v;
    return sd_cur_number(c, &v) && sd_json_i64(v, out);
}

static bool sd_cur_f64(sd_cur *c, double *out) {
    if (sd_cur_null(c)) return true;
    sd_json v;
    return sd_cur_number(c, &v) && sd_json_f64(v, out);
}

/* sd_cur_members starts an object: false when the cursor is not on one; *empty when it is {}. */
static bool sd_cur_open(sd_cur *c, bool *empty) {
    if (!sd_eat(c, '{')) return false;
    *empty = sd_eat(c, '}');
    return true;
}

/* sd_cur_next ends a member: true and *more for a comma, true and !*more for the closing }. */
static bool sd_cur_next(sd_cur *c, char close, bool *more) {
    if (sd_eat(c, ',')) return *more = true;
    *more = false;
    return sd_eat(c, close);
}

static bool sd_cur_miner(sd_cur *c, sd_miner *m) {
    memset(m, 0, sizeof *m);
    m->hotkey.p = "";
    if (sd_cur_null(c)) return true;
    bool empty, more = true;
    if (!sd_cur_open(c, &empty)) return false;
    if (empty) return true;
    while (more) {
        const char *k;
        size_t kn;
        if (!sd_cur_key(c, &k, &kn)) return false;
        bool ok;
        if (SD_IS(k, kn, "uid")) ok = sd_cur_u16(c, &m->uid);
        else if (SD_IS(k, kn, "hotkey")) ok = sd_cur_str(c, &m->hotkey);
        else if (SD_IS(k, kn, "stake")) ok = sd_cur_f64(c, &m->stake);
        else if (SD_IS(k, kn, "status")) ok = sd_cur_i64(c, &m->status);
        else if (SD_IS(k, kn, "latency_ms")) ok = sd_cur_f64(c, &m->latency_ms);
        else if (SD_IS(k, kn, "response")) ok = sd_cur_value(c, 3, &m->response);
        else if (SD_IS(k, kn, "features")) ok = sd_cur_value(c, 3, &m->features);
        else {
            sd_json skip;
            ok = sd_cur_value(c, 3, &skip);
        }
        if (!ok || !sd_cur_next(c, '}', &more)) return false;
    }
    return true;
}

static bool sd_cur_miners(sd_cur *c, sd_round *r) {
    size_t count = 0, cap = 0;
    sd_miner *ms = NULL;
    if (!sd_cur_null(c)) {
        if (!sd_eat(c, '[')) return false;
        bool more = !sd_eat(c, ']');
        while (more) {
            if (count == cap) {
                cap = cap ? cap * 2 : 16;
                ms = sd_realloc(ms, count * sizeof *ms, cap * sizeof *ms);
            }
            if (!sd_cur_miner(c, &ms[count++]) || !sd_cur_next(c, ']', &more)) return false;
        }
    }
    r->miners = ms;
    r->n_miners = count;
    return true;
}

static bool sd_cur_validator(sd_cur *c, sd_validator *v) {
    if (sd_peek(c) != '{') {
        sd_json skip; /* not an object: the reference reader finds no members in it */
        return sd_cur_value(c, 1, &skip);
    }
    bool empty, more = true;
    if (!sd_cur_open(c, &empty)) return false;
    if (empty) return true;
    while (more) {
        const char *k;
        size_t kn;
        if (!sd_cur_key(c, &k, &kn)) return false;
        bool ok;
        if (SD_IS(k, kn, "uid")) ok = sd_cur_u16(c, &v->uid);
        else if (SD_IS(k, kn, "hotkey")) ok = sd_cur_str(c, &v->hotkey);
        else {
            sd_json skip;
            ok = sd_cur_value(c, 2, &skip);
        }
        if (!ok || !sd_cur_next(c, '}', &more)) return false;
    }
    return true;
}

/* sd__round_read reads msg in one pass into r, or gives up (false). */
bool sd__round_read(const char *msg, size_t n, sd_round *r) {
    memset(r, 0, sizeof *r);
    r->block_hash.p = r->seed.p = r->validator.hotkey.p = r->state.p = "";
    sd_cur cur = {msg, n, 0}, *c = &cur;
    bool empty, more = true;
    if (!sd_cur_open(c, &empty)) return false;
    while (!empty && more) {
        const char *k;
        size_t kn;
        if (!sd_cur_key(c, &k, &kn)) return false;
        bool ok;
        if (SD_IS(k, kn, "abi")) ok = sd_cur_i64(c, &r->abi);
        else if (SD_IS(k, kn, "netuid")) ok = sd_cur_u16(c, &r->netuid);
        else if (SD_IS(k, kn, "block")) ok = sd_cur_u64(c, UINT64_MAX, &r->block);
        else if (SD_IS(k, kn, "block_hash")) ok = sd_cur_str(c, &r->block_hash);
        else if (SD_IS(k, kn, "block_time_ms")) ok = sd_cur_i64(c, &r->block_time_ms);
        else if (SD_IS(k, kn, "seed")) ok = sd_cur_str(c, &r->seed);
        else if (SD_IS(k, kn, "validator")) ok = sd_cur_validator(c, &r->validator);
        else if (SD_IS(k, kn, "challenge")) ok = sd_cur_value(c, 1, &r->challenge);
        else if (SD_IS(k, kn, "miners")) ok = sd_cur_miners(c, r);
        else if (SD_IS(k, kn, "state")) {
            sd_str s = {"", 0};
            ok = sd_cur_str(c, &s);
            if (ok) {
                sd_buf b = {0};
                ok = sd_base64_decode(s.p, s.n, &b);
                r->state.p = b.p ? b.p : "";
                r->state.n = b.n;
            }
        } else {
            sd_json skip;
            ok = sd_cur_value(c, 1, &skip);
        }
        if (!ok || !sd_cur_next(c, '}', &more)) return false;
    }
    return sd_ws(msg, n, c->i) == n;
}

const char *sd__round_parse_reference(const char *msg, size_t n, sd_round *r) { return sd_round_parse_checked(msg, n, r); }

const char *sd_round_parse(const char *msg, size_t n, sd_round *r) {
    if (sd__round_read(msg, n, r)) return NULL;
    return sd_round_parse_checked(msg, n, r);
}

void sd_scores_add(sd_scores *s, uint16_t uid, double score) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->scores = sd_realloc(s->scores, s->n * sizeof *s->scores, s->cap * sizeof *s->scores);
    }
    s->scores[s->n].uid = uid;
    s->scores[s->n].score = score;
    s->n++;
}

const char *sd_scores_json(const sd_scores *s, sd_buf *out) {
    sd_buf_grow(out, 16 + s->n * 32 + s->state.n * 4 / 3);
    sd_buf_cstr(out, "{\"scores\":[");
    for (size_t i = 0; i < s->n; i++) {
        if (i) sd_buf_byte(out, ',');
        sd_buf_cstr(out, "{\"uid\":");
        sd_buf_u64(out, s->scores[i].uid);
        sd_buf_cstr(out, ",\"score\":");
        if (!sd_buf_f64(out, s->scores[i].score))
            return sd_errorf("encode scores: json: unsupported value: %s", isnan(s->scores[i].score) ? "NaN" : s->scores[i].score > 0 ? "+Inf" : "-Inf");
        sd_buf_byte(out, '}');
    }
    sd_buf_byte(out, ']');
    if (s->state.n) {
        sd_buf_cstr(out, ",\"state\":\"");
        sd_buf_base64(out, s->state.p, s->state.n);
        sd_buf_byte(out, '"');
    }
    sd_buf_byte(out, '}');
    return NULL;
}

const char *sd_challenge_json(const sd_challenge *c, sd_buf *out) {
    sd_json body;
    const char *err = sd_json_parse(c->body.p ? c->body.p : "", c->body.n, &body);
    if (err) return sd_errorf("encode challenge: body: %s", err);
    sd_buf_cstr(out, "{\"synapse\":");
    const char *syn = c->synapse ? c->synapse : "";
    sd_buf_string(out, syn, strlen(syn));
    sd_buf_cstr(out, ",\"body\":");
    sd_buf_compact(out, body);
    if (c->timeout_ms) {
        sd_buf_cstr(out, ",\"timeout_ms\":");
        sd_buf_i64(out, c->timeout_ms);
    }
    sd_buf_byte(out, '}');
    return NULL;
}

const char *sd_score_json(sd_score_fn fn, const char *msg, size_t n, sd_buf *out) {
    sd_round r;
    const char *err = sd_round_parse(msg, n, &r);
    if (err) return sd_errorf("decode round: %s", err);
    sd_scores s = {0};
    if ((err = fn(&r, &s))) return err;
    return sd_scores_json(&s, out);
}

const char *sd_challenge_json_call(sd_challenge_fn fn, const char *msg, size_t n, sd_buf *out) {
    sd_round r;
    const char *err = sd_round_parse(msg, n, &r);
    if (err) return sd_errorf("decode challenge request: %s", err);
    sd_challenge c = {0};
    if ((err = fn(&r, &c))) return err;
    return sd_challenge_json(&c, out);
}

#ifdef __wasm__
static int64_t sd_finish(const char *err, sd_buf *out) {
    if (err) sd__host_abort(err, (int32_t)strlen(err));
    if (out->n == 0) return 0;
    return (int64_t)((uint64_t)(uintptr_t)out->p << 32 | (uint64_t)out->n);
}

int64_t sd__run_score(sd_score_fn fn, int32_t ptr, int32_t len) {
    sd_buf out = {0};
    const char *err = sd_score_json(fn, (const char *)(uintptr_t)ptr, len > 0 ? (size_t)len : 0, &out);
    return sd_finish(err, &out);
}

int64_t sd__run_challenge(sd_challenge_fn fn, int32_t ptr, int32_t len) {
    sd_buf out = {0};
    const char *err = sd_challenge_json_call(fn, (const char *)(uintptr_t)ptr, len > 0 ? (size_t)len : 0, &out);
    return sd_finish(err, &out);
}
#else
/* ---- native: the bench protocol of the Go kit's pdk.Main ----------------------------------- */
#include <time.h>

static double sd_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* sd_cpu_ns is the process's CPU time (all threads), or 0 where the system cannot say: the
 * bench figure that other work on a shared machine disturbs far less than wall time. */
static double sd_cpu_ns(void) {
#ifdef CLOCK_PROCESS_CPUTIME_ID
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0) return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
#endif
    return 0;
}

/* sd_duration_ns reads a Go duration ("1s", "500ms", "1m30s"). */
static bool sd_duration_ns(const char *s, double *out) {
    double total = 0;
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return true;
    }
    if (!*s) return false;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s) return false;
        s = end;
        double unit;
        if (strncmp(s, "ns", 2) == 0) unit = 1, s += 2;
        else if (strncmp(s, "us", 2) == 0) unit = 1e3, s += 2;
        else if (strncmp(s, "\xc2\xb5s", 3) == 0 || strncmp(s, "\xce\xbcs", 3) == 0) unit = 1e3, s += 3;
        else if (strncmp(s, "ms", 2) == 0) unit = 1e6, s += 2;
        else if (*s == 's') unit = 1e9, s += 1;
        else if (*s == 'm') unit = 60e9, s += 1;
        else if (*s == 'h') unit = 3600e9, s += 1;
        else return false;
        total += v * unit;
    }
    *out = total;
    return true;
}

static int sd_fail(const char *msg) {
    fprintf(stderr, "scorer: %s\n", msg);
    return 1;
}

int sd__native_main(int argc, char **argv, sd_score_fn fn) {
    if (argc < 2) return sd_fail("usage: scorer score|bench --round FILE [--min-time D]");
    const char *cmd = argv[1], *path = NULL;
    double min_ns = 1e9;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        while (*a == '-') a++;
        const char *val = strchr(a, '=');
        size_t alen = val ? (size_t)(val - a) : strlen(a);
        if (val) val++;
        else if (i + 1 < argc) val = argv[++i];
        else return sd_fail(sd_errorf("flag needs an argument: %s", argv[i]));
        if (alen == 5 && strncmp(a, "round", 5) == 0) path = val;
        else if (alen == 8 && strncmp(a, "min-time", 8) == 0) {
            if (!sd_duration_ns(val, &min_ns)) return sd_fail(sd_errorf("invalid duration %s", val));
        } else return sd_fail(sd_errorf("flag provided but not defined: %s", argv[i]));
    }
    if (!path) return sd_fail("--round FILE is required");
    FILE *f = fopen(path, "rb");
    if (!f) return sd_fail(sd_errorf("open %s: %s", path, strerror(errno)));
    sd_buf round = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) sd_buf_bytes(&round, chunk, got);
    fclose(f);
    sd_buf out = {0};
    const char *err;
    if (strcmp(cmd, "score") == 0) {
        if ((err = sd_score_json(fn, round.p ? round.p : "", round.n, &out))) return sd_fail(err);
        fwrite(out.p, 1, out.n, stdout);
        fputc('\n', stdout);
        return 0;
    }
    if (strcmp(cmd, "bench") != 0) return sd_fail(sd_errorf("unknown command \"%s\"", cmd));
    if ((err = sd_score_json(fn, round.p ? round.p : "", round.n, &out))) return sd_fail(err);
    /* the Round stays: copy it out of the arena before resetting it */
    char *msg = malloc(round.n ? round.n : 1);
    if (!msg) sd_oom();
    memcpy(msg, round.p, round.n);
    size_t msg_n = round.n;
    sd_arena_reset();
    long n = 0;
    double start = sd_now_ns(), cpu = sd_cpu_ns();
    for (;;) {
        sd_buf o = {0};
        if ((err = sd_score_json(fn, msg, msg_n, &o))) return sd_fail(err);
        sd_arena_reset(); /* what the call allocated from the kit's arena */
        n++;
        double el = sd_now_ns() - start;
        if (el >= min_ns && n >= 3) {
            sd_buf line = {0};
            sd_buf_cstr(&line, "{\"iterations\":");
            sd_buf_i64(&line, n);
            sd_buf_cstr(&line, ",\"ns_per_call\":");
            sd_buf_f64(&line, el / (double)n);
            if (cpu > 0) {
                sd_buf_cstr(&line, ",\"cpu_ns_per_call\":");
                sd_buf_f64(&line, (sd_cpu_ns() - cpu) / (double)n);
            }
            sd_buf_cstr(&line, "}\n");
            fwrite(line.p, 1, line.n, stdout);
            return 0;
        }
    }
}
#endif
