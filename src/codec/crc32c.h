// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of WAL records.
//
// Crc32c() picks the SSE4.2 `crc32` instruction when the CPU has it (checked once at run time)
// and a table-driven software version otherwise; both give identical results. All functions are
// pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata {

// CRC32C of data[0, n). `init` is the CRC of the bytes that came before, so a CRC can be
// extended: Crc32c(b, nb, Crc32c(a, na)) == CRC32C of a followed by b. Crc32c(x, 0, c) == c.
uint32_t Crc32c(const void* data, size_t n, uint32_t init = 0);

// A stored CRC is masked so that the CRC of bytes that themselves contain CRCs (a WAL record
// holding an encoded batch with checksums, a file of records) is not trivially related to them.
// Same rotation and constant as LevelDB. UnmaskCrc(MaskCrc(c)) == c.
inline uint32_t MaskCrc(uint32_t crc) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
inline uint32_t UnmaskCrc(uint32_t masked) {
  constexpr uint32_t kMaskDelta = 0xa282ead8u;
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// The two implementations, exposed for tests and benchmarks. Same contract as Crc32c().
// REQUIRES for Crc32cHardware: Crc32cHardwareAvailable().
uint32_t Crc32cSoftware(const void* data, size_t n, uint32_t init = 0);
uint32_t Crc32cHardware(const void* data, size_t n, uint32_t init = 0);
bool Crc32cHardwareAvailable();

}  // namespace strata
