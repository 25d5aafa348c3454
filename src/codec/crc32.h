// CRC-32 (polynomial 0x04C11DB7, reflected 0xEDB88320: zlib's, gzip's and the checksum of
// Parquet pages) at memory speed. On x86-64 CPUs with PCLMULQDQ (checked once at run time) the
// bulk of the buffer is folded 64 bytes at a time with carry-less multiplies (Intel's "Fast CRC
// Computation for Generic Polynomials Using PCLMULQDQ"), ~5x zlib's table-driven crc32, which
// does the rest and everything on other CPUs. The result is zlib's crc32 in every case. Pure and
// thread-safe. (crc32c.h is the other polynomial, for the WAL.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata {

// CRC-32 of data[0, n), as zlib's crc32(init, data, n): `init` is the CRC of the bytes that came
// before, so Crc32(b, nb, Crc32(a, na)) == the CRC-32 of a followed by b.
uint32_t Crc32(const void* data, size_t n, uint32_t init = 0);
inline uint32_t Crc32(std::string_view data) { return Crc32(data.data(), data.size()); }

// Whether Crc32 uses the carry-less multiply path on this CPU.
bool Crc32IsAccelerated();

}  // namespace strata
