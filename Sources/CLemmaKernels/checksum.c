#include "lemma_checksum.h"

#include <nmmintrin.h>

static uint32_t table[256];
static int table_ready;

static void build_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[i] = c;
    }
    table_ready = 1;
}

static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t n) {
    if (!table_ready) build_table();
    for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

__attribute__((target("sse4.2")))
static uint32_t crc_instruction(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t word;
        __builtin_memcpy(&word, p, 8);
        c = _mm_crc32_u64(c, word);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}

uint32_t lemma_crc32c(uint32_t crc, const void *data, size_t n) {
    uint32_t c = ~crc;
    c = __builtin_cpu_supports("sse4.2") ? crc_instruction(c, data, n) : crc_table(c, data, n);
    return ~c;
}
