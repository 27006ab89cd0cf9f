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

/* Shortest digits by Ulf Adams' Ryū algorithm ("Ryū: fast float-to-string conversion", PLDI
 * 2018): the shortest digits that read back as a, and of those the nearest to a, a tie going to
 * the even digit, which is what Go's strconv prints. It needs only 64-bit integers and
 * 64x64->128-bit products: no big numbers, no long double (wasm32's is 128-bit software floating
 * point, which makes printf and strtod slow there), no 128-bit division or variable 128-bit shift
 * (library calls on wasm32). docs/scorers-c.md says why.
 *
 * sd_pow5_inv_split[q] is floor(2^(floor(log2 5^q) + 125) / 5^q) + 1 and sd_pow5_split[i] is
 * 5^i scaled to 125 bits (floor(5^i / 2^(floor(log2 5^i) + 1 - 125))), as {low, high} 64-bit
 * halves, both computed exactly from those definitions (the Rust kit's ryu.rs holds the same
 * numbers); TestCLanguage_KitNumbers compares the printed digits with Go's. */
typedef struct {
    char d[24];
    int nd;
    int exp; /* the first digit's power of ten */
} sd_dec;

static const uint64_t sd_pow5_inv_split[342][2] = {
    {0x0000000000000001u, 0x2000000000000000u},
    {0x999999999999999au, 0x1999999999999999u},
    {0x47ae147ae147ae15u, 0x147ae147ae147ae1u},
    {0x6c8b4395810624deu, 0x10624dd2f1a9fbe7u},
    {0x7a786c226809d496u, 0x1a36e2eb1c432ca5u},
    {0x61f9f01b866e43abu, 0x14f8b588e368f084u},
    {0xb4c7f34938583622u, 0x10c6f7a0b5ed8d36u},
    {0x87a6520ec08d236au, 0x1ad7f29abcaf4857u},
    {0x9fb841a566d74f88u, 0x15798ee2308c39dfu},
    {0xe62d01511f12a607u, 0x112e0be826d694b2u},
    {0xd6ae6881cb5109a4u, 0x1b7cdfd9d7bdbab7u},
    {0xdef1ed34a2a73aeau, 0x15fd7fe17964955fu},
    {0x7f27f0f6e885c8bbu, 0x119799812dea1119u},
    {0x650cb4be40d60df8u, 0x1c25c268497681c2u},
    {0xea70909833de7193u, 0x16849b86a12b9b01u},
    {0x21f3a6e0297ec143u, 0x1203af9ee756159bu},
    {0x6985d7cd0f313537u, 0x1cd2b297d889bc2bu},
    {0x2137dfd73f5a90f9u, 0x170ef54646d49689u},
    {0xe75fe645cc4873fau, 0x12725dd1d243aba0u},
    {0xa5663d3c7a0d865du, 0x1d83c94fb6d2ac34u},
    {0x511e976394d79eb1u, 0x179ca10c9242235du},
    {0xda7edf82dd794bc1u, 0x12e3b40a0e9b4f7du},
    {0x2a6498d1625bac68u, 0x1e392010175ee596u},
    {0xeeb6e0a781e2f053u, 0x182db34012b25144u},
    {0x58924d52ce4f26a9u, 0x1357c299a88ea76au},
    {0x27507bb7b07ea441u, 0x1ef2d0f5da7dd8aau},
    {0x52a6c95fc0655034u, 0x18c240c4aecb13bbu},
    {0x0eebd44c99eaa690u, 0x13ce9a36f23c0fc9u},
    {0xb17953adc3110a80u, 0x1fb0f6be50601941u},
    {0xc12ddc8b02740867u, 0x195a5efea6b34767u},
    {0x3424b06f3529a052u, 0x14484bfeebc29f86u},
    {0x901d59f290ee19dbu, 0x1039d66589687f9eu},
    {0x4cfbc31db4b0295fu, 0x19f623d5a8a73297u},
    {0x3d9635b15d59bab2u, 0x14c4e977ba1f5bacu},
    {0x97ab5e277de16228u, 0x109d8792fb4c4956u},
    {0xf2abc9d8c9689d0du, 0x1a95a5b7f87a0ef0u},
    {0x5bbca17a3aba173eu, 0x154484932d2e725au},
    {0xafca1ac82efb45cbu, 0x11039d428a8b8eaeu},
    {0xb2dcf7a6b1920945u, 0x1b38fb9daa78e44au},
    {0xf57d92ebc141a104u, 0x15c72fb1552d836eu},
    {0xc46475896767b403u, 0x116c262777579c58u},
    {0x6d6d88dbd8a5ecd2u, 0x1be03d0bf225c6f4u},
    {0x8abe071646eb23dbu, 0x164cfda3281e38c3u},
    {0x6efe6c11d255b649u, 0x11d7314f534b609cu},
    {0xb197134fb6ef8a0eu, 0x1c8b821885456760u},
    {0x27ac0f72f8bfa1a5u, 0x16d601ad376ab91au},
    {0xb95672c260994e1eu, 0x1244ce242c5560e1u},
    {0xf5571e03cdc21695u, 0x1d3ae36d13bbce35u},
    {0x2aac18030b01ababu, 0x17624f8a762fd82bu},
    {0xbbbce0026f348956u, 0x12b50c6ec4f31355u},
    {0x92c7ccd0b1eda889u, 0x1dee7a4ad4b81eefu},
    {0xdbd30a408e57ba07u, 0x17f1fb6f10934bf2u},
    {0x7ca8d50071dfc806u, 0x1327fc58da0f6ff5u},
    {0xfaa7bb33e9660cd6u, 0x1ea6608e29b24cbbu},
    {0x9552fc298784d711u, 0x18851a0b548ea3c9u},
    {0xaaa8c9bad2d0ac0eu, 0x139dae6f76d88307u},
    {0xdddadc5e1e1aace3u, 0x1f62b0b257c0d1a5u},
    {0x7e48b04b4b488a4fu, 0x191bc08eac9a4151u},
    {0xcb6d59d5d5d3a1d9u, 0x141633a556e1cddau},
    {0x3c577b1177dc817bu, 0x1011c2eaabe7d7e2u},
    {0xc6f25e825960cf2au, 0x19b604aaaca62636u},
    {0x6bf518684780a5bbu, 0x14919d5556eb51c5u},
    {0x232a79ed06008496u, 0x10747ddddf22a7d1u},
    {0xd1dd8fe1a3340756u, 0x1a53fc9631d10c81u},
    {0xa7e4731ae8f66c45u, 0x150ffd44f4a73d34u},
    {0x531d28e253f8569eu, 0x10d9976a5d52975du},
    {0xeb61db03b98d5762u, 0x1af5bf109550f22eu},
    {0xbc4e48cfc7a445e8u, 0x159165a6ddda5b58u},
    {0x6371d3d96c836b20u, 0x11411e1f17e1e2adu},
    {0x9f1c8628ad9f11cdu, 0x1b9b6364f3030448u},
    {0xe5b06b53be18db0bu, 0x1615e91d8f359d06u},
    {0xeaf3890fcb4715a2u, 0x11ab20e472914a6bu},
    {0x44b8db4c7871bc37u, 0x1c45016d841baa46u},
    {0x03c715d6c6c1635fu, 0x169d9abe03495505u},
    {0x3638de456bcde919u, 0x1217aefe69077737u},
    {0x56c163a2461641c1u, 0x1cf2b1970e725858u},
    {0xdf011c81d1ab67ceu, 0x17288e1271f51379u},
    {0x7f3416ce4155eca5u, 0x1286d80ec190dc61u},
    {0x6520247d3556476eu, 0x1da48ce468e7c702u},
    {0xea801d30f7783925u, 0x17b6d71d20b96c01u},
    {0xbb99b0f3f92cfa84u, 0x12f8ac174d612334u},
    {0x5f5c4e532847f739u, 0x1e5aacf215683854u},
    {0x7f7d0b75b9d32c2eu, 0x18488a5b44536043u},
    {0x9930d5f7c7dc2358u, 0x136d3b7c36a919cfu},
    {0x8eb4898c72f9d226u, 0x1f152bf9f10e8fb2u},
    {0x722a07a38f2e41b8u, 0x18ddbcc7f40ba628u},
    {0xc1bb394fa5be9afau, 0x13e497065cd61e86u},
    {0x9c5ec2190930f7f6u, 0x1fd424d6faf030d7u},
    {0x49e56814075a5ff8u, 0x197683df2f268d79u},
    {0x6e51201005e1e660u, 0x145ecfe5bf520ac7u},
    {0xf1da800cd181851au, 0x104bd984990e6f05u},
    {0x4fc400148268d4f5u, 0x1a12f5a0f4e3e4d6u},
    {0xd96999aa01ed772bu, 0x14dbf7b3f71cb711u},
    {0xadee1488018ac5bcu, 0x10aff95cc5b09274u},
    {0x497ceda668de092cu, 0x1ab328946f80ea54u},
    {0x3aca57b853e4d424u, 0x155c2076bf9a5510u},
    {0x623b7960431d7683u, 0x1116805effaeaa73u},
    {0x9d2bf566d1c8bd9eu, 0x1b5733cb32b110b8u},
    {0x7dbcc452416d647fu, 0x15df5ca28ef40d60u},
    {0xcafd69db678ab6ccu, 0x117f7d4ed8c33de6u},
    {0xab2f0fc572778adfu, 0x1bff2ee48e052fd7u},
    {0x88f273045b92d580u, 0x1665bf1d3e6a8cacu},
    {0xd3f528d049424466u, 0x11eaff4a98553d56u},
    {0xb988414d4203a0a3u, 0x1cab3210f3bb9557u},
    {0x6139cdd76802e6e9u, 0x16ef5b40c2fc7779u},
    {0xe761717920025254u, 0x125915cd68c9f92du},
    {0xa568b58e999d5086u, 0x1d5b561574765b7cu},
    {0x5120913ee14aa6d2u, 0x177c44ddf6c515fdu},
    {0xa74d40ff1aa21f0eu, 0x12c9d0b1923744cau},
    {0x0baece64f769cb4au, 0x1e0fb44f50586e11u},
    {0x3c8bd850c5ee3c3bu, 0x180c903f7379f1a7u},
    {0xca0979da37f1c9c9u, 0x133d4032c2c7f485u},
    {0xa9a8c2f6bfe942dbu, 0x1ec866b79e0cba6fu},
    {0x2153cf2bccba9be3u, 0x18a0522c7e709526u},
    {0x1aa9728970954982u, 0x13b374f06526ddb8u},
    {0xf775840f1a88759du, 0x1f8587e7083e2f8cu},
    {0x5f9136727ba05e17u, 0x19379fec0698260au},
    {0x1940f85b9619e4dfu, 0x142c7ff0054684d5u},
    {0xe100c6afab47ea4cu, 0x1023998cd1053710u},
    {0xce67a44c453fdd47u, 0x19d28f47b4d524e7u},
    {0xd852e9d69dccb106u, 0x14a8729fc3ddb71fu},
    {0x79dbee454b0a2738u, 0x1086c219697e2c19u},
    {0x295fe3a211a9d859u, 0x1a71368f0f30468fu},
    {0xbab31c81a7bb137au, 0x15275ed8d8f36ba5u},
    {0x6228e39aec95a92fu, 0x10ec4be0ad8f8951u},
    {0x9d0e38f7e0ef7517u, 0x1b13ac9aaf4c0ee8u},
    {0xb0d82d931a592a79u, 0x15a956e225d67253u},
    {0x8d79be0f4847552eu, 0x11544581b7dec1dcu},
    {0x158f967eda0bbb7cu, 0x1bba08cf8c979c94u},
    {0x77a611ff14d62f97u, 0x162e6d72d6dfb076u},
    {0xf951a7ff43de8c79u, 0x11bebdf578b2f391u},
    {0xc21c3ffed2fdad8eu, 0x1c6463225ab7ec1cu},
    {0x01b0333242648ad8u, 0x16b6b5b5155ff017u},
    {0x0159c28e9b83a246u, 0x122bc490dde659acu},
    {0xcef604175f3903a3u, 0x1d12d41afca3c2acu},
    {0x725e69ac4c2d9c83u, 0x17424348ca1c9bbdu},
    {0xf5185489d68ae39cu, 0x129b69070816e2fdu},
    {0xee8d540fbdab05c6u, 0x1dc574d80cf16b2fu},
    {0xbed77672fe226b05u, 0x17d12a4670c1228cu},
    {0xff12c528cb4ebc04u, 0x130dbb6b8d674ed6u},
    {0xcb513b74787df9a0u, 0x1e7c5f127bd87e24u},
    {0x090dc929f9fe614du, 0x18637f41fcad31b7u},
    {0xa0d7d42194cb810au, 0x1382cc34ca2427c5u},
    {0x67bfb9cf5478ce77u, 0x1f37ad21436d0c6fu},
    {0x1fcc94a5dd2d71f9u, 0x18f9574dcf8a7059u},
    {0x7fd6dd517dbdf4c7u, 0x13faac3e3fa1f37au},
    {0xffbe2ee8c92fee0bu, 0x1ff779fd329cb8c3u},
    {0x6631bf20a0f324d6u, 0x1992c7fdc216fa36u},
    {0xb827cc1a1a5c1d78u, 0x14756ccb01abfb5eu},
    {0x935309ae7b7ce460u, 0x105df0a267bcc918u},
    {0x1eeb42b0c594a099u, 0x1a2fe76a3f9474f4u},
    {0xe58902270476e6e1u, 0x14f31f8832dd2a5cu},
    {0xb7a0ce859d2bebe7u, 0x10c27fa028b0eeb0u},
    {0x59014a6f61dfdfd8u, 0x1ad0cc33744e4ab4u},
    {0xe0cdd525e7e64cadu, 0x1573d68f903ea229u},
    {0x4d7177518651d6f1u, 0x11297872d9cbb4eeu},
    {0x7be8bee8d6e957e8u, 0x1b758d848fac54b0u},
    {0xfcba3253df211320u, 0x15f7a46a0c89dd59u},
    {0x63c8284318e74280u, 0x1192e9ee706e4aaeu},
    {0x060d0d3827d86a66u, 0x1c1e43171a4a1117u},
    {0x6b3da42cecad21ebu, 0x167e9c127b6e7412u},
    {0x88fe1cf0bd574e56u, 0x11fee341fc585cdbu},
    {0x419694b462254a23u, 0x1ccb0536608d615fu},
    {0x67abaa29e81dd4e9u, 0x1708d0f84d3de77fu},
    {0xb95621bb2017dd87u, 0x126d73f9d764b932u},
    {0xc223692b668c95a5u, 0x1d7becc2f23ac1eau},
    {0xce82ba891ed6de1du, 0x179657025b6234bbu},
    {0xa53562074bdf1818u, 0x12deac01e2b4f6fcu},
    {0x3b889cd87964f359u, 0x1e3113363787f194u},
    {0xfc6d4a46c783f5e1u, 0x18274291c6065adcu},
    {0x30576e9f06032b1au, 0x13529ba7d19eaf17u},
    {0x1a257dcb3cd1de90u, 0x1eea92a61c311825u},
    {0x481dfe3c30a7e540u, 0x18bba884e35a79b7u},
    {0xd34b31c9c0865100u, 0x13c9539d82aec7c5u},
    {0x5211e942cda3b4cdu, 0x1fa885c8d117a609u},
    {0x74db21023e1c90a4u, 0x19539e3a40dfb807u},
    {0xf715b401cb4a0d50u, 0x1442e4fb67196005u},
    {0xf8de299b09080aa7u, 0x103583fc527ab337u},
    {0x8e304291a80cddd7u, 0x19ef3993b72ab859u},
    {0x3e8d020e200a4b13u, 0x14bf6142f8eef9e1u},
    {0x653d9b3e80083c0fu, 0x10991a9bfa58c7e7u},
    {0x6ec8f864000d2ce4u, 0x1a8e90f9908e0ca5u},
    {0x8bd3f9e999a423eau, 0x153eda614071a3b7u},
    {0x3ca994bae1501cbbu, 0x10ff151a99f482f9u},
    {0xc775bac49bb3612bu, 0x1b31bb5dc320d18eu},
    {0xd2c4956a16291a89u, 0x15c162b168e70e0bu},
    {0xdbd0778811ba7ba1u, 0x11678227871f3e6fu},
    {0x2c80bf401c5d929bu, 0x1bd8d03f3e9863e6u},
    {0xbd33cc3349e47549u, 0x16470cff6546b651u},
    {0xca8fd68f6e505dd4u, 0x11d270cc51055ea7u},
    {0x4419574be3b3c953u, 0x1c83e7ad4e6efdd9u},
    {0x0347790982f63aa9u, 0x16cfec8aa52597e1u},
    {0xcf6c60d468c4fbbau, 0x123ff06eea847980u},
    {0xe57a34870e07f92au, 0x1d331a4b10d3f59au},
    {0x512e906c0b399422u, 0x175c1508da432ae2u},
    {0xda8ba6bcd5c7a9b5u, 0x12b010d3e1cf5581u},
    {0x90df712e22d90f87u, 0x1de6815302e5559cu},
    {0xda4c5a8b4f140c6cu, 0x17eb9aa8cf1dde16u},
    {0xaea37ba2a5a9a38au, 0x1322e220a5b17e78u},
    {0x7dd25f6aa2a905a9u, 0x1e9e369aa2b59727u},
    {0x97db7f888220d154u, 0x187e92154ef7ac1fu},
    {0x797c6606ce80a777u, 0x139874ddd8c6234cu},
    {0x8f2d700ae4010bf1u, 0x1f5a549627a36badu},
    {0x0c2459a25000d65au, 0x191510781fb5efbeu},
    {0x701d1481d99a4515u, 0x1410d9f9b2f7f2feu},
    {0xc017439b147b6a77u, 0x100d7b2e28c65bfeu},
    {0xccf205c4ed9243f2u, 0x19af2b7d0e0a2ccau},
    {0x0a5b37d0be0e9cc2u, 0x148c22ca71a1bd6fu},
    {0x0848f973cb3ee3ceu, 0x10701bd527b4978cu},
    {0xda0e5bec78649fb0u, 0x1a4cf9550c5425acu},
    {0x7b3eaff060507fc0u, 0x150a6110d6a9b7bdu},
    {0x95cbbff380406633u, 0x10d51a73deee2c97u},
    {0xefac665266cd7052u, 0x1aee90b964b04758u},
    {0x2623850eb8a459dbu, 0x158ba6fab6f36c47u},
    {0x1e82d0d893b6ae49u, 0x113c85955f29236cu},
    {0xfd9e1af41f8ab075u, 0x1b9408eefea838acu},
    {0x97b1af29b2d559f7u, 0x16100725988693bdu},
    {0xac8e25baf5777b2cu, 0x11a66c1e139edc97u},
    {0x7a7d092b2258c513u, 0x1c3d79c9b8fe2dbfu},
    {0x61fda0ef4ead6a76u, 0x169794a160cb57ccu},
    {0xe7fe1a590bbdeec5u, 0x1212dd4de7091309u},
    {0xa6635d5b45fcb13au, 0x1ceafbafd80e84dcu},
    {0x851c4aaf6b308dc8u, 0x172262f3133ed0b0u},
    {0xd0e36ef2bc26d7d4u, 0x1281e8c275cbda26u},
    {0xb49f17eac6a48c86u, 0x1d9ca79d894629d7u},
    {0x2a18dfef0550706bu, 0x17b08617a104ee46u},
    {0x54e0b3259dd9f389u, 0x12f39e794d9d8b6bu},
    {0x87cdeb6f62f65274u, 0x1e5297287c2f4578u},
    {0xd30b22bf825ea85du, 0x18421286c9bf6ac6u},
    {0x0f3c1bcc684bb9e4u, 0x13680ed23aff889fu},
    {0x18602c7a4079296du, 0x1f0ce4839198da98u},
    {0x46b356c833942124u, 0x18d71d360e13e213u},
    {0x388f78a029434db6u, 0x13df4a91a4dcb4dcu},
    {0x5a7f2766a86baf8au, 0x1fcbaa82a1612160u},
    {0x153285ebb9efbfa2u, 0x196fbb9bb44db44du},
    {0xaa8ed189618c994eu, 0x145962e2f6a4903du},
    {0xeed8a7a11ad6e10cu, 0x1047824f2bb6d9cau},
    {0x7e27729b5e249b45u, 0x1a0c03b1df8af611u},
    {0xfe85f549181d4904u, 0x14d6695b193bf80du},
    {0xcb9e5dd4134aa0d0u, 0x10ab877c142ff9a4u},
    {0xdf63c9535211014du, 0x1aac0bf9b9e65c3au},
    {0x191ca10f74da6771u, 0x15566ffafb1eb02fu},
    {0xadb080d92a4852c1u, 0x1111f32f2f4bc025u},
    {0x15e7348eaa0d5134u, 0x1b4feb7eb212cd09u},
    {0xab1f5d3eee710dc4u, 0x15d98932280f0a6du},
    {0xbc1917658b8da49du, 0x117ad428200c0857u},
    {0x2cf4f23c127c3a94u, 0x1bf7b9d9cce00d59u},
    {0xf0c3f4fcdb969543u, 0x165fc7e170b33de0u},
    {0x5a365d9716121103u, 0x11e6398126f5cb1au},
    {0x9056fc24f01ce804u, 0x1ca38f350b22de90u},
    {0xd9df301d8ce3ecd0u, 0x16e93f5da2824ba6u},
    {0xe17f59b13d8323dau, 0x125432b14ecea2ebu},
    {0x68cbc2b52f38395cu, 0x1d53844ee47dd179u},
    {0x53d6355dbf602de3u, 0x177603725064a794u},
    {0xa9782ab165e68b1cu, 0x12c4cf8ea6b6ec76u},
    {0x0f26aab56fd744fau, 0x1e07b27dd78b13f1u},
    {0x3f52222abfdf6a62u, 0x18062864ac6f4327u},
    {0x65db4e88997f884eu, 0x1338205089f29c1fu},
    {0x6fc54a7428cc0d4au, 0x1ec033b40fea9365u},
    {0x596aa1f68709a43bu, 0x1899c2f673220f84u},
    {0xadeee7f86c07b696u, 0x13ae3591f5b4d936u},
    {0x497e3ff3e00c5756u, 0x1f7d228322baf524u},
    {0xd464fff64cd6ac45u, 0x1930e868e89590e9u},
    {0x4383fff83d7889d1u, 0x14272053ed4473eeu},
    {0xcf9cccc69793a174u, 0x101f4d0ff1038ff1u},
    {0x7f6147a425b90252u, 0x19cbae7fe805b31cu},
    {0xcc4dd2e9b7c7350fu, 0x14a2f1ffecd15c16u},
    {0x3d0b0f215fd290d9u, 0x10825b3323dab012u},
    {0x61ab4b689950e7c1u, 0x1a6a2b85062ab350u},
    {0x4e22a2ba1440b967u, 0x1521bc6a6b555c40u},
    {0x0b4ee894dd009453u, 0x10e7c9eebc4449cdu},
    {0x1217da87c800ed51u, 0x1b0c764ac6d3a948u},
    {0xdb46486ca000bddau, 0x15a391d56bdc876cu},
    {0x490506bd4ccd64afu, 0x114fa7ddefe39f8au},
    {0xa8080ac87ae23ab1u, 0x1bb2a62fe638ff43u},
    {0x5339a239fbe82ef4u, 0x162884f31e93ff69u},
    {0x75c7b4fb2fecf25du, 0x11ba03f5b20fff87u},
    {0x22d92191e647ea2eu, 0x1c5cd322b67fff3fu},
    {0xb57a8141850654f2u, 0x16b0a8e891ffff65u},
    {0xc4620101373843f5u, 0x1226ed86db3332b7u},
    {0x3a366801f1f39feeu, 0x1d0b15a491eb8459u},
    {0xfb5eb99b27f6198bu, 0x173c115074bc69e0u},
    {0x2f7efae2865e7ad6u, 0x129674405d6387e7u},
    {0xe597f7d0d6fd9156u, 0x1dbd86cd6238d971u},
    {0x8479930d78cadaabu, 0x17cad23de82d7ac1u},
    {0xd06142712d6f1556u, 0x1308a831868ac89au},
    {0x4d686a4eaf182222u, 0x1e74404f3daada91u},
    {0xa453883ef279b4e8u, 0x185d003f6488aedau},
    {0xe9dc6cff28615d87u, 0x137d99cc506d58aeu},
    {0xa960ae650d6895a4u, 0x1f2f5c7a1a488de4u},
    {0xbab3beb73ded4483u, 0x18f2b061aea07183u},
    {0x2ef6322c318a9d36u, 0x13f559e7bee6c136u},
    {0xe4bd1d13827761f0u, 0x1feef63f97d79b89u},
    {0x83ca7da9352c4e5au, 0x198bf832dfdfafa1u},
    {0x9ca1fe20f756a515u, 0x146ff9c24cb2f2e7u},
    {0x4a1b31b3f9121daau, 0x1059949b708f28b9u},
    {0x435eb5ecc1b695ddu, 0x1a28edc580e50df5u},
    {0x35e55e57015ede4au, 0x14ed8b04671da4c4u},
    {0xc4b77eac0118b1d5u, 0x10be08d0527e1d69u},
    {0xa12597799b5ab622u, 0x1ac9a7b3b7302f0fu},
    {0x4db7ac6149155e81u, 0x156e1fc2f8f358d9u},
    {0xd7c6238107444b9bu, 0x1124e63593f5e0adu},
    {0x593d059b3ed3ac2bu, 0x1b6e3d2286563449u},
    {0xe0fd9e15cbdc89bcu, 0x15f1ca820511c36du},
    {0xb3fe18116fe3a163u, 0x118e3b9b37416924u},
    {0x866359b57fd29bd1u, 0x1c16c5c525357507u},
    {0xd1e91491330ee30eu, 0x16789e3750f790d2u},
    {0x74ba76da8f3f1c0bu, 0x11fa182c40c60d75u},
    {0xedf72490e531c678u, 0x1cc359e067a348bbu},
    {0x8b2c1d40b75b052du, 0x1702ae4d1fb5d3c9u},
    {0x6f567dcd5f7c0424u, 0x12688b70e62b0fd4u},
    {0x7ef0c94898c66d06u, 0x1d74124e3d11b2edu},
    {0x98c0a106e09ebd9fu, 0x17900ea4fda7c257u},
    {0x470080d24d4bcae6u, 0x12d9a550caec9b79u},
    {0xd800ce1d487944a2u, 0x1e29088144adc58eu},
    {0x1333d8176d2dd082u, 0x1820d39a9d57d13fu},
    {0xa8f646792424a6ceu, 0x134d76154aaca765u},
    {0x74bd3d8ea03aa47du, 0x1ee25688777aa56fu},
    {0x5d64313ee6955064u, 0x18b51206c5fbb78cu},
    {0x4ab68dcbebaaa6b7u, 0x13c40e6bd1962c70u},
    {0x1124161312aaa457u, 0x1fa01712e8f0471au},
    {0xda8344dc0eeee9dfu, 0x194cdf4253f36c14u},
    {0xe2029d7cd8bf2180u, 0x143d7f6843292343u},
    {0x4e687dfd7a328133u, 0x103132b9cf541c36u},
    {0x4a40c9959050ceb8u, 0x19e851294bb9c6bdu},
    {0x0833d477a6a70bc6u, 0x14b9da876fc7d231u},
    {0xa02976c61eec096bu, 0x1094aed2bfd30e8du},
    {0x004257a364acdbdfu, 0x1a877e1dffb81749u},
    {0xcd01dfb5ea23e319u, 0x153931b1996012a0u},
    {0x70ce4c91881cb5aeu, 0x10fa8e27ade6754du},
    {0x1ae3adb5a69455e2u, 0x1b2a7d0c4970bbafu},
    {0x7be957c4854377e8u, 0x15bb973d078d62f2u},
    {0xc987796a0435f987u, 0x1162df64060ab58eu},
    {0x75a58f1006bcc271u, 0x1bd1656cd67788e4u},
    {0xf7b7a5a66bca3527u, 0x16411df0ab92d3e9u},
    {0x5fc61e1ebca1c41fu, 0x11cdb18d560f0feeu},
    {0xffa363646102d365u, 0x1c7c4f4889b1b316u},
    {0x32e91c504d9bdc51u, 0x16c9d906d48e28dfu},
    {0x8f20e37371497d0eu, 0x123b140576d820b2u},
    {0x7e9b0585820f2e7cu, 0x1d2b533bf159cdeau},
    {0xcbaf379e01a5becau, 0x1755dc2ff447d7eeu},
    {0x0958f94b348498a1u, 0x12ab168cc36cacbfu},
};

static const uint64_t sd_pow5_split[326][2] = {
    {0x0000000000000000u, 0x1000000000000000u},
    {0x0000000000000000u, 0x1400000000000000u},
    {0x0000000000000000u, 0x1900000000000000u},
    {0x0000000000000000u, 0x1f40000000000000u},
    {0x0000000000000000u, 0x1388000000000000u},
    {0x0000000000000000u, 0x186a000000000000u},
    {0x0000000000000000u, 0x1e84800000000000u},
    {0x0000000000000000u, 0x1312d00000000000u},
    {0x0000000000000000u, 0x17d7840000000000u},
    {0x0000000000000000u, 0x1dcd650000000000u},
    {0x0000000000000000u, 0x12a05f2000000000u},
    {0x0000000000000000u, 0x174876e800000000u},
    {0x0000000000000000u, 0x1d1a94a200000000u},
    {0x0000000000000000u, 0x12309ce540000000u},
    {0x0000000000000000u, 0x16bcc41e90000000u},
    {0x0000000000000000u, 0x1c6bf52634000000u},
    {0x0000000000000000u, 0x11c37937e0800000u},
    {0x0000000000000000u, 0x16345785d8a00000u},
    {0x0000000000000000u, 0x1bc16d674ec80000u},
    {0x0000000000000000u, 0x1158e460913d0000u},
    {0x0000000000000000u, 0x15af1d78b58c4000u},
    {0x0000000000000000u, 0x1b1ae4d6e2ef5000u},
    {0x0000000000000000u, 0x10f0cf064dd59200u},
    {0x0000000000000000u, 0x152d02c7e14af680u},
    {0x0000000000000000u, 0x1a784379d99db420u},
    {0x0000000000000000u, 0x108b2a2c28029094u},
    {0x0000000000000000u, 0x14adf4b7320334b9u},
    {0x4000000000000000u, 0x19d971e4fe8401e7u},
    {0x8800000000000000u, 0x1027e72f1f128130u},
    {0xaa00000000000000u, 0x1431e0fae6d7217cu},
    {0xd480000000000000u, 0x193e5939a08ce9dbu},
    {0xc9a0000000000000u, 0x1f8def8808b02452u},
    {0xbe04000000000000u, 0x13b8b5b5056e16b3u},
    {0xad85000000000000u, 0x18a6e32246c99c60u},
    {0xd8e6400000000000u, 0x1ed09bead87c0378u},
    {0x878fe80000000000u, 0x13426172c74d822bu},
    {0x6973e20000000000u, 0x1812f9cf7920e2b6u},
    {0x03d0da8000000000u, 0x1e17b84357691b64u},
    {0x8262889000000000u, 0x12ced32a16a1b11eu},
    {0x22fb2ab400000000u, 0x178287f49c4a1d66u},
    {0xabb9f56100000000u, 0x1d6329f1c35ca4bfu},
    {0xcb54395ca0000000u, 0x125dfa371a19e6f7u},
    {0xbe2947b3c8000000u, 0x16f578c4e0a060b5u},
    {0x2db399a0ba000000u, 0x1cb2d6f618c878e3u},
    {0xfc90400474400000u, 0x11efc659cf7d4b8du},
    {0x7bb4500591500000u, 0x166bb7f0435c9e71u},
    {0xdaa16406f5a40000u, 0x1c06a5ec5433c60du},
    {0xa8a4de8459868000u, 0x118427b3b4a05bc8u},
    {0xd2ce16256fe82000u, 0x15e531a0a1c872bau},
    {0x87819baecbe22800u, 0x1b5e7e08ca3a8f69u},
    {0xf4b1014d3f6d5900u, 0x111b0ec57e6499a1u},
    {0x71dd41a08f48af40u, 0x1561d276ddfdc00au},
    {0x0e549208b31adb10u, 0x1aba4714957d300du},
    {0x28f4db456ff0c8eau, 0x10b46c6cdd6e3e08u},
    {0x33321216cbecfb24u, 0x14e1878814c9cd8au},
    {0xbffe969c7ee839edu, 0x1a19e96a19fc40ecu},
    {0xf7ff1e21cf512434u, 0x105031e2503da893u},
    {0xf5fee5aa43256d41u, 0x14643e5ae44d12b8u},
    {0x337e9f14d3eec892u, 0x197d4df19d605767u},
    {0x005e46da08ea7ab6u, 0x1fdca16e04b86d41u},
    {0xa03aec4845928cb2u, 0x13e9e4e4c2f34448u},
    {0xc849a75a56f72fdeu, 0x18e45e1df3b0155au},
    {0x7a5c1130ecb4fbd6u, 0x1f1d75a5709c1ab1u},
    {0xec798abe93f11d65u, 0x13726987666190aeu},
    {0xa797ed6e38ed64bfu, 0x184f03e93ff9f4dau},
    {0x517de8c9c728bdefu, 0x1e62c4e38ff87211u},
    {0xd2eeb17e1c7976b5u, 0x12fdbb0e39fb474au},
    {0x87aa5ddda397d462u, 0x17bd29d1c87a191du},
    {0xe994f5550c7dc97bu, 0x1dac74463a989f64u},
    {0x11fd195527ce9dedu, 0x128bc8abe49f639fu},
    {0xd67c5faa71c24568u, 0x172ebad6ddc73c86u},
    {0x8c1b77950e32d6c2u, 0x1cfa698c95390ba8u},
    {0x57912abd28dfc639u, 0x121c81f7dd43a749u},
    {0xad75756c7317b7c8u, 0x16a3a275d494911bu},
    {0x98d2d2c78fdda5bau, 0x1c4c8b1349b9b562u},
    {0x9f83c3bcb9ea8794u, 0x11afd6ec0e14115du},
    {0x0764b4abe8652979u, 0x161bcca7119915b5u},
    {0x493de1d6e27e73d7u, 0x1ba2bfd0d5ff5b22u},
    {0x6dc6ad264d8f0866u, 0x1145b7e285bf98f5u},
    {0xc938586fe0f2ca80u, 0x159725db272f7f32u},
    {0x7b866e8bd92f7d20u, 0x1afcef51f0fb5effu},
    {0xad34051767bdae34u, 0x10de1593369d1b5fu},
    {0x9881065d41ad19c1u, 0x15159af804446237u},
    {0x7ea147f492186032u, 0x1a5b01b605557ac5u},
    {0x6f24ccf8db4f3c1fu, 0x1078e111c3556cbbu},
    {0x4aee003712230b27u, 0x14971956342ac7eau},
    {0xdda98044d6abcdf0u, 0x19bcdfabc13579e4u},
    {0x0a89f02b062b60b6u, 0x10160bcb58c16c2fu},
    {0xcd2c6c35c7b638e4u, 0x141b8ebe2ef1c73au},
    {0x8077874339a3c71du, 0x1922726dbaae3909u},
    {0xe0956914080cb8e4u, 0x1f6b0f092959c74bu},
    {0x6c5d61ac8507f38eu, 0x13a2e965b9d81c8fu},
    {0x4774ba17a649f072u, 0x188ba3bf284e23b3u},
    {0x1951e89d8fdc6c8fu, 0x1eae8caef261aca0u},
    {0x0fd3316279e9c3d9u, 0x132d17ed577d0be4u},
    {0x13c7fdbb186434cfu, 0x17f85de8ad5c4eddu},
    {0x58b9fd29de7d4203u, 0x1df67562d8b36294u},
    {0xb7743e3a2b0e4942u, 0x12ba095dc7701d9cu},
    {0xe5514dc8b5d1db92u, 0x17688bb5394c2503u},
    {0xdea5a13ae3465277u, 0x1d42aea2879f2e44u},
    {0x0b2784c4ce0bf38au, 0x1249ad2594c37cebu},
    {0xcdf165f6018ef06du, 0x16dc186ef9f45c25u},
    {0x416dbf7381f2ac88u, 0x1c931e8ab871732fu},
    {0x88e497a83137abd5u, 0x11dbf316b346e7fdu},
    {0xeb1dbd923d8596cau, 0x1652efdc6018a1fcu},
    {0x25e52cf6cce6fc7du, 0x1be7abd3781eca7cu},
    {0x97af3c1a40105dceu, 0x1170cb642b133e8du},
    {0xfd9b0b20d0147542u, 0x15ccfe3d35d80e30u},
    {0x3d01cde904199292u, 0x1b403dcc834e11bdu},
    {0x462120b1a28ffb9bu, 0x1108269fd210cb16u},
    {0xd7a968de0b33fa82u, 0x154a3047c694fddbu},
    {0xcd93c3158e00f923u, 0x1a9cbc59b83a3d52u},
    {0xc07c59ed78c09bb6u, 0x10a1f5b813246653u},
    {0xb09b7068d6f0c2a3u, 0x14ca732617ed7fe8u},
    {0xdcc24c830cacf34cu, 0x19fd0fef9de8dfe2u},
    {0xc9f96fd1e7ec180fu, 0x103e29f5c2b18bedu},
    {0x3c77cbc661e71e13u, 0x144db473335deee9u},
    {0x8b95beb7fa60e598u, 0x1961219000356aa3u},
    {0x6e7b2e65f8f91efeu, 0x1fb969f40042c54cu},
    {0xc50cfcffbb9bb35fu, 0x13d3e2388029bb4fu},
    {0xb6503c3faa82a037u, 0x18c8dac6a0342a23u},
    {0xa3e44b4f95234844u, 0x1efb1178484134acu},
    {0xe66eaf11bd360d2bu, 0x135ceaeb2d28c0ebu},
    {0xe00a5ad62c839075u, 0x183425a5f872f126u},
    {0x980cf18bb7a47493u, 0x1e412f0f768fad70u},
    {0x5f0816f752c6c8dcu, 0x12e8bd69aa19cc66u},
    {0xf6ca1cb527787b13u, 0x17a2ecc414a03f7fu},
    {0xf47ca3e2715699d7u, 0x1d8ba7f519c84f5fu},
    {0xf8cde66d86d62026u, 0x127748f9301d319bu},
    {0xf7016008e88ba830u, 0x17151b377c247e02u},
    {0xb4c1b80b22ae923cu, 0x1cda62055b2d9d83u},
    {0x50f91306f5ad1b65u, 0x12087d4358fc8272u},
    {0xe53757c8b318623fu, 0x168a9c942f3ba30eu},
    {0x9e852dbadfde7acfu, 0x1c2d43b93b0a8bd2u},
    {0xa3133c94cbeb0cc1u, 0x119c4a53c4e69763u},
    {0x8bd80bb9fee5cff1u, 0x16035ce8b6203d3cu},
    {0xaece0ea87e9f43eeu, 0x1b843422e3a84c8bu},
    {0x4d40c9294f238a75u, 0x1132a095ce492fd7u},
    {0x2090fb73a2ec6d12u, 0x157f48bb41db7bcdu},
    {0x68b53a508ba78856u, 0x1adf1aea12525ac0u},
    {0x417144725748b536u, 0x10cb70d24b7378b8u},
    {0x51cd958eed1ae283u, 0x14fe4d06de5056e6u},
    {0xe640faf2a8619b24u, 0x1a3de04895e46c9fu},
    {0xefe89cd7a93d00f7u, 0x1066ac2d5daec3e3u},
    {0xebe2c40d938c4134u, 0x14805738b51a74dcu},
    {0x26db7510f86f5181u, 0x19a06d06e2611214u},
    {0x9849292a9b4592f1u, 0x100444244d7cab4cu},
    {0xbe5b73754216f7adu, 0x1405552d60dbd61fu},
    {0xadf25052929cb598u, 0x1906aa78b912cba7u},
    {0x996ee4673743e2ffu, 0x1f485516e7577e91u},
    {0xffe54ec0828a6ddfu, 0x138d352e5096af1au},
    {0xbfdea270a32d0957u, 0x18708279e4bc5ae1u},
    {0x2fd64b0ccbf84badu, 0x1e8ca3185deb719au},
    {0x5de5eee7ff7b2f4cu, 0x1317e5ef3ab32700u},
    {0x755f6aa1ff59fb1fu, 0x17dddf6b095ff0c0u},
    {0x92b7454a7f3079e7u, 0x1dd55745cbb7ecf0u},
    {0x5bb28b4e8f7e4c30u, 0x12a5568b9f52f416u},
    {0xf29f2e22335ddf3cu, 0x174eac2e8727b11bu},
    {0xef46f9aac035570bu, 0x1d22573a28f19d62u},
    {0xd58c5c0ab8215667u, 0x123576845997025du},
    {0x4aef730d6629ac01u, 0x16c2d4256ffcc2f5u},
    {0x9dab4fd0bfb41701u, 0x1c73892ecbfbf3b2u},
    {0xa28b11e277d08e60u, 0x11c835bd3f7d784fu},
    {0x8b2dd65b15c4b1f9u, 0x163a432c8f5cd663u},
    {0x6df94bf1db35de77u, 0x1bc8d3f7b3340bfcu},
    {0xc4bbcf772901ab0au, 0x115d847ad000877du},
    {0x35eac354f34215cdu, 0x15b4e5998400a95du},
    {0x8365742a30129b40u, 0x1b221effe500d3b4u},
    {0xd21f689a5e0ba108u, 0x10f5535fef208450u},
    {0x06a742c0f58e894au, 0x1532a837eae8a565u},
    {0x4851137132f22b9du, 0x1a7f5245e5a2cebeu},
    {0xed32ac26bfd75b42u, 0x108f936baf85c136u},
    {0xa87f57306fcd3212u, 0x14b378469b673184u},
    {0xd29f2cfc8bc07e97u, 0x19e056584240fde5u},
    {0xa3a37c1dd7584f1eu, 0x102c35f729689eafu},
    {0x8c8c5b254d2e62e6u, 0x14374374f3c2c65bu},
    {0x6faf71eea079fb9fu, 0x1945145230b377f2u},
    {0x0b9b4e6a48987a87u, 0x1f965966bce055efu},
    {0x674111026d5f4c94u, 0x13bdf7e0360c35b5u},
    {0xc111554308b71fbau, 0x18ad75d8438f4322u},
    {0x7155aa93cae4e7a8u, 0x1ed8d34e547313ebu},
    {0x26d58a9c5ecf10c9u, 0x13478410f4c7ec73u},
    {0xf08aed437682d4fbu, 0x1819651531f9e78fu},
    {0xecada89454238a3au, 0x1e1fbe5a7e786173u},
    {0x73ec895cb4963664u, 0x12d3d6f88f0b3ce8u},
    {0x90e7abb3e1bbc3fdu, 0x1788ccb6b2ce0c22u},
    {0x352196a0da2ab4fdu, 0x1d6affe45f818f2bu},
    {0x0134fe24885ab11eu, 0x1262dfeebbb0f97bu},
    {0xc1823dadaa715d65u, 0x16fb97ea6a9d37d9u},
    {0x31e2cd19150db4bfu, 0x1cba7de5054485d0u},
    {0x1f2dc02fad2890f7u, 0x11f48eaf234ad3a2u},
    {0xa6f9303b9872b535u, 0x1671b25aec1d888au},
    {0x50b77c4a7e8f6282u, 0x1c0e1ef1a724eaadu},
    {0x5272adae8f199d91u, 0x1188d357087712acu},
    {0x670f591a32e004f6u, 0x15eb082cca94d757u},
    {0x40d32f60bf980633u, 0x1b65ca37fd3a0d2du},
    {0x4883fd9c77bf03e0u, 0x111f9e62fe44483cu},
    {0x5aa4fd0395aec4d8u, 0x156785fbbdd55a4bu},
    {0x314e3c447b1a760eu, 0x1ac1677aad4ab0deu},
    {0xded0e5aaccf089c9u, 0x10b8e0acac4eae8au},
    {0x96851f15802cac3bu, 0x14e718d7d7625a2du},
    {0xfc2666dae037d74au, 0x1a20df0dcd3af0b8u},
    {0x9d980048cc22e68eu, 0x10548b68a044d673u},
    {0x84fe005aff2ba032u, 0x1469ae42c8560c10u},
    {0xa63d8071bef6883eu, 0x198419d37a6b8f14u},
    {0xcfcce08e2eb42a4eu, 0x1fe52048590672d9u},
    {0x21e00c58dd309a70u, 0x13ef342d37a407c8u},
    {0x2a580f6f147cc10du, 0x18eb0138858d09bau},
    {0xb4ee134ad99bf150u, 0x1f25c186a6f04c28u},
    {0x7114cc0ec80176d2u, 0x137798f428562f99u},
    {0xcd59ff127a01d486u, 0x18557f31326bbb7fu},
    {0xc0b07ed7188249a8u, 0x1e6adefd7f06aa5fu},
    {0xd86e4f466f516e09u, 0x1302cb5e6f642a7bu},
    {0xce89e3180b25c98bu, 0x17c37e360b3d351au},
    {0x822c5bde0def3beeu, 0x1db45dc38e0c8261u},
    {0xf15bb96ac8b58575u, 0x1290ba9a38c7d17cu},
    {0x2db2a7c57ae2e6d2u, 0x1734e940c6f9c5dcu},
    {0x391f51b6d99ba086u, 0x1d022390f8b83753u},
    {0x03b3931248014454u, 0x1221563a9b732294u},
    {0x04a077d6da019569u, 0x16a9abc9424feb39u},
    {0x45c895cc9081fac3u, 0x1c5416bb92e3e607u},
    {0x8b9d5d9fda513cbau, 0x11b48e353bce6fc4u},
    {0xae84b507d0e58be8u, 0x1621b1c28ac20bb5u},
    {0x1a25e249c51eeee3u, 0x1baa1e332d728ea3u},
    {0xf057ad6e1b33554du, 0x114a52dffc679925u},
    {0x6c6d98c9a2002aa1u, 0x159ce797fb817f6fu},
    {0x4788fefc0a803549u, 0x1b04217dfa61df4bu},
    {0x0cb59f5d8690214eu, 0x10e294eebc7d2b8fu},
    {0xcfe30734e83429a1u, 0x151b3a2a6b9c7672u},
    {0x83dbc9022241340au, 0x1a6208b50683940fu},
    {0xb2695da15568c086u, 0x107d457124123c89u},
    {0x1f03b509aac2f0a7u, 0x149c96cd6d16cbacu},
    {0x26c4a24c1573acd1u, 0x19c3bc80c85c7e97u},
    {0x783ae56f8d684c03u, 0x101a55d07d39cf1eu},
    {0x16499ecb70c25f03u, 0x1420eb449c8842e6u},
    {0x9bdc067e4cf2f6c4u, 0x19292615c3aa539fu},
    {0x82d3081de02fb476u, 0x1f736f9b3494e887u},
    {0xb1c3e512ac1dd0c9u, 0x13a825c100dd1154u},
    {0xde34de57572544fcu, 0x18922f31411455a9u},
    {0x55c215ed2cee963bu, 0x1eb6bafd91596b14u},
    {0xb5994db43c151de5u, 0x133234de7ad7e2ecu},
    {0xe2ffa1214b1a655eu, 0x17fec216198ddba7u},
    {0xdbbf89699de0feb6u, 0x1dfe729b9ff15291u},
    {0x2957b5e202ac9f31u, 0x12bf07a143f6d39bu},
    {0xf3ada35a8357c6feu, 0x176ec98994f48881u},
    {0x70990c31242db8bdu, 0x1d4a7bebfa31aaa2u},
    {0x865fa79eb69c9376u, 0x124e8d737c5f0aa5u},
    {0xe7f791866443b854u, 0x16e230d05b76cd4eu},
    {0xa1f575e7fd54a669u, 0x1c9abd04725480a2u},
    {0xa53969b0fe54e801u, 0x11e0b622c774d065u},
    {0x0e87c41d3dea2202u, 0x1658e3ab7952047fu},
    {0xd229b5248d64aa82u, 0x1bef1c9657a6859eu},
    {0x435a1136d85eea91u, 0x117571ddf6c81383u},
    {0x143095848e76a536u, 0x15d2ce55747a1864u},
    {0x193cbae5b2144e83u, 0x1b4781ead1989e7du},
    {0x2fc5f4cf8f4cb112u, 0x110cb132c2ff630eu},
    {0xbbb77203731fdd56u, 0x154fdd7f73bf3bd1u},
    {0x2aa54e844fe7d4acu, 0x1aa3d4df50af0ac6u},
    {0xdaa75112b1f0e4ebu, 0x10a6650b926d66bbu},
    {0xd15125575e6d1e26u, 0x14cffe4e7708c06au},
    {0x85a56ead360865b0u, 0x1a03fde214caf085u},
    {0x7387652c41c53f8eu, 0x10427ead4cfed653u},
    {0x50693e7752368f71u, 0x14531e58a03e8be8u},
    {0x64838e1526c4334eu, 0x1967e5eec84e2ee2u},
    {0xfda4719a70754022u, 0x1fc1df6a7a61ba9au},
    {0xde86c70086494815u, 0x13d92ba28c7d14a0u},
    {0x162878c0a7db9a1au, 0x18cf768b2f9c59c9u},
    {0x5bb296f0d1d280a1u, 0x1f03542dfb83703bu},
    {0x194f9e5683239064u, 0x1362149cbd322625u},
    {0x5fa385ec23ec747eu, 0x183a99c3ec7eafaeu},
    {0xf78c67672ce7919du, 0x1e494034e79e5b99u},
    {0x3ab7c0a07c10bb02u, 0x12edc82110c2f940u},
    {0x4965b0c89b14e9c3u, 0x17a93a2954f3b790u},
    {0x5bbf1cfac1da2433u, 0x1d9388b3aa30a574u},
    {0xb957721cb92856a0u, 0x127c35704a5e6768u},
    {0xe7ad4ea3e7726c48u, 0x171b42cc5cf60142u},
    {0xa198a24ce14f075au, 0x1ce2137f74338193u},
    {0x44ff65700cd16498u, 0x120d4c2fa8a030fcu},
    {0x563f3ecc1005bdbeu, 0x16909f3b92c83d3bu},
    {0x2bcf0e7f14072d2eu, 0x1c34c70a777a4c8au},
    {0x5b61690f6c847c3du, 0x11a0fc668aac6fd6u},
    {0xf239c35347a59b4cu, 0x16093b802d578bcbu},
    {0xeec83428198f021fu, 0x1b8b8a6038ad6ebeu},
    {0x553d20990ff96153u, 0x1137367c236c6537u},
    {0x2a8c68bf53f7b9a8u, 0x1585041b2c477e85u},
    {0x752f82ef28f5a812u, 0x1ae64521f7595e26u},
    {0x093db1d57999890bu, 0x10cfeb353a97dad8u},
    {0x0b8d1e4ad7ffeb4eu, 0x1503e602893dd18eu},
    {0x8e7065dd8dffe622u, 0x1a44df832b8d45f1u},
    {0xf9063faa78bfefd5u, 0x106b0bb1fb384bb6u},
    {0xb747cf9516efebcau, 0x1485ce9e7a065ea4u},
    {0xe519c37a5cabe6bdu, 0x19a742461887f64du},
    {0xaf301a2c79eb7036u, 0x1008896bcf54f9f0u},
    {0xdafc20b798664c43u, 0x140aabc6c32a386cu},
    {0x11bb28e57e7fdf54u, 0x190d56b873f4c688u},
    {0x1629f31ede1fd72au, 0x1f50ac6690f1f82au},
    {0x4dda37f34ad3e67au, 0x13926bc01a973b1au},
    {0xe150c5f01d88e019u, 0x187706b0213d09e0u},
    {0x19a4f76c24eb181fu, 0x1e94c85c298c4c59u},
    {0xb0071aa39712ef13u, 0x131cfd3999f7afb7u},
    {0x9c08e14c7cd7aad8u, 0x17e43c8800759ba5u},
    {0x030b199f9c0d958eu, 0x1ddd4baa0093028fu},
    {0x61e6f003c1887d79u, 0x12aa4f4a405be199u},
    {0xba60ac04b1ea9cd7u, 0x1754e31cd072d9ffu},
    {0xa8f8d705de65440du, 0x1d2a1be4048f907fu},
    {0xc99b8663aaff4a88u, 0x123a516e82d9ba4fu},
    {0xbc0267fc95bf1d2au, 0x16c8e5ca239028e3u},
    {0xab0301fbbb2ee474u, 0x1c7b1f3cac74331cu},
    {0xeae1e13d54fd4ec9u, 0x11ccf385ebc89ff1u},
    {0x659a598caa3ca27bu, 0x1640306766bac7eeu},
    {0xff00efefd4cbcb1au, 0x1bd03c81406979e9u},
    {0x3f6095f5e4ff5ef0u, 0x116225d0c841ec32u},
    {0xcf38bb735e3f36acu, 0x15baaf44fa52673eu},
    {0x8306ea5035cf0457u, 0x1b295b1638e7010eu},
    {0x11e4527221a162b6u, 0x10f9d8ede39060a9u},
    {0x565d670eaa09bb64u, 0x15384f295c7478d3u},
    {0x2bf4c0d2548c2a3du, 0x1a8662f3b3919708u},
    {0x1b78f88374d79a66u, 0x1093fdd8503afe65u},
    {0x625736a4520d8100u, 0x14b8fd4e6449bdfeu},
    {0xfaed044d6690e140u, 0x19e73ca1fd5c2d7du},
    {0xbcd422b0601a8cc8u, 0x103085e53e599c6eu},
    {0x6c092b5c78212ffau, 0x143ca75e8df0038au},
    {0x070b763396297bf8u, 0x194bd136316c046du},
    {0x48ce53c07bb3daf6u, 0x1f9ec583bdc70588u},
    {0x2d80f4584d5068dau, 0x13c33b72569c6375u},
    {0x78e1316e60a48310u, 0x18b40a4eec437c52u},
};

/* sd_pow5bits is ceil(log2 5^e) (1 for e = 0), for 0 <= e <= 3528. */
static int sd_pow5bits(int e) { return (int)(((uint32_t)e * 1217359u) >> 19) + 1; }

static bool sd_multiple_of_pow5(uint64_t v, uint32_t p) {
    uint32_t n = 0;
    while (v % 5 == 0) {
        v /= 5;
        n++;
    }
    return n >= p;
}

/* sd_mul_shift is floor(m * mul / 2^j) for a 125-bit mul given as {low, high} and 64 < j < 128. */
static uint64_t sd_mul_shift(uint64_t m, const uint64_t mul[2], int j) {
    typedef unsigned __int128 u128;
    u128 b0 = (u128)m * mul[0];
    u128 b2 = (u128)m * mul[1];
    u128 s = (b0 >> 64) + b2;
    int sh = j - 64;
    return ((uint64_t)s >> sh) | ((uint64_t)(s >> 64) << (64 - sh));
}

/* sd_shortest gives the shortest digits of the finite a > 0 that read back as a. */
static void sd_shortest(double a, sd_dec *out) {
    uint64_t bits;
    memcpy(&bits, &a, 8);
    uint64_t mant = bits & ((1ull << 52) - 1);
    int ieee_exp = (int)((bits >> 52) & 0x7ff);
    int e2;
    uint64_t m2;
    if (ieee_exp == 0) {
        e2 = 1 - 1023 - 52 - 2;
        m2 = mant;
    } else {
        e2 = ieee_exp - 1023 - 52 - 2;
        m2 = mant | (1ull << 52);
    }
    bool accept_bounds = (m2 & 1) == 0;
    /* The value and its neighbours' midpoints, times 4: mv, mv+2 and mv-1-mm_shift. */
    uint64_t mv = 4 * m2;
    uint64_t mm_shift = mant != 0 || ieee_exp <= 1;
    bool vm_tz = false, vr_tz = false;
    int e10;
    uint64_t vr, vp, vm;
    if (e2 >= 0) {
        uint32_t q = (((uint32_t)e2 * 78913u) >> 18) - (e2 > 3);
        e10 = (int)q;
        int k = 125 + sd_pow5bits((int)q) - 1;
        int i = -e2 + (int)q + k;
        const uint64_t *mul = sd_pow5_inv_split[q];
        vr = sd_mul_shift(4 * m2, mul, i);
        vp = sd_mul_shift(4 * m2 + 2, mul, i);
        vm = sd_mul_shift(4 * m2 - 1 - mm_shift, mul, i);
        if (q <= 21) {
            if (mv % 5 == 0) vr_tz = sd_multiple_of_pow5(mv, q);
            else if (accept_bounds) vm_tz = sd_multiple_of_pow5(mv - 1 - mm_shift, q);
            else vp -= sd_multiple_of_pow5(mv + 2, q);
        }
    } else {
        uint32_t q = (((uint32_t)-e2 * 732923u) >> 20) - (-e2 > 1);
        e10 = (int)q + e2;
        int i = -e2 - (int)q;
        int k = sd_pow5bits(i) - 125;
        int j = (int)q - k;
        const uint64_t *mul = sd_pow5_split[i];
        vr = sd_mul_shift(4 * m2, mul, j);
        vp = sd_mul_shift(4 * m2 + 2, mul, j);
        vm = sd_mul_shift(4 * m2 - 1 - mm_shift, mul, j);
        if (q <= 1) {
            vr_tz = true;
            if (accept_bounds) vm_tz = mm_shift == 1;
            else vp--;
        } else if (q < 63) {
            vr_tz = (mv & ((1ull << q) - 1)) == 0;
        }
    }
    /* Drop digits while the interval still holds a shorter number. */
    int removed = 0;
    uint64_t output;
    if (vm_tz || vr_tz) {
        uint64_t last = 0;
        while (vp / 10 > vm / 10) {
            vm_tz &= vm % 10 == 0;
            vr_tz &= last == 0;
            last = vr % 10;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        if (vm_tz) {
            while (vm % 10 == 0) {
                vr_tz &= last == 0;
                last = vr % 10;
                vr /= 10;
                vp /= 10;
                vm /= 10;
                removed++;
            }
        }
        if (vr_tz && last == 5 && vr % 2 == 0) last = 4; /* exactly halfway: round to even */
        output = vr + ((vr == vm && (!accept_bounds || !vm_tz)) || last >= 5);
    } else {
        bool round_up = false;
        if (vp / 100 > vm / 100) {
            round_up = vr % 100 >= 50;
            vr /= 100;
            vp /= 100;
            vm /= 100;
            removed += 2;
        }
        while (vp / 10 > vm / 10) {
            round_up = vr % 10 >= 5;
            vr /= 10;
            vp /= 10;
            vm /= 10;
            removed++;
        }
        output = vr + (vr == vm || round_up);
    }
    int n = 0;
    for (uint64_t t = output; t > 0; t /= 10) n++;
    uint64_t t = output;
    for (int i = n - 1; i >= 0; i--) {
        out->d[i] = (char)('0' + t % 10);
        t /= 10;
    }
    out->nd = n;
    out->exp = e10 + removed + n - 1;
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
