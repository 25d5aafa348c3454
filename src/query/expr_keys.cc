#include "query/expr_keys.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

#include "query/expr_internal.h"

namespace strata::query {

namespace {
inline uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
inline uint64_t HashBytes(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = Mix(h ^ w);
  }
  uint64_t tail = 0;
  for (size_t k = 0; i < s.size(); ++i, ++k) tail |= static_cast<uint64_t>(static_cast<unsigned char>(s[i])) << (8 * k);
  return Mix(h ^ tail);
}
inline int64_t IntAt(const Column& c, size_t i) {
  switch (c.type()) {
    case ColumnType::kInt32: return c.int32s()[i];
    case ColumnType::kBool: return c.bools()[i];
    default: return c.int64s()[i];
  }
}
inline double NormDouble(double d) { return d != d ? std::numeric_limits<double>::quiet_NaN() : (d == 0 ? 0.0 : d); }
constexpr uint64_t kNullHash = 0x5bd1e9955bd1e995ULL;
}  // namespace

void HashKeyRows(const std::vector<const Column*>& keys, std::vector<uint64_t>* hashes) {
  const size_t n = keys.empty() ? 0 : keys[0]->size();
  hashes->assign(n, 0);
  uint64_t* h = hashes->data();
  for (const Column* c : keys) {
    const bool nulls = !c->validity().empty();
    switch (c->type()) {
      case ColumnType::kFloat32:
      case ColumnType::kFloat64:
        for (size_t i = 0; i < n; ++i) h[i] = Mix(h[i] ^ std::bit_cast<uint64_t>(NormDouble(c->doubles()[i])));
        break;
      case ColumnType::kSymbol:
      case ColumnType::kString: {
        uint64_t prev_h = 0;
        for (size_t i = 0; i < n; ++i) {
          // Runs of one symbol (grouped streams) hash once.
          if (i == 0 || c->GetString(i) != c->GetString(i - 1)) prev_h = HashBytes(c->GetString(i));
          h[i] = Mix(h[i] ^ prev_h);
        }
        break;
      }
      default:
        for (size_t i = 0; i < n; ++i) h[i] = Mix(h[i] ^ static_cast<uint64_t>(IntAt(*c, i)));
    }
    if (nulls) {
      for (size_t i = 0; i < n; ++i) {
        if (!c->validity()[i]) h[i] ^= kNullHash;
      }
    }
  }
}

uint64_t HashKeyRow(const std::vector<const Column*>& keys, size_t i) {
  uint64_t h = 0;
  for (const Column* c : keys) {
    switch (c->type()) {
      case ColumnType::kFloat32:
      case ColumnType::kFloat64: h = Mix(h ^ std::bit_cast<uint64_t>(NormDouble(c->doubles()[i]))); break;
      case ColumnType::kSymbol:
      case ColumnType::kString: h = Mix(h ^ HashBytes(c->GetString(i))); break;
      default: h = Mix(h ^ static_cast<uint64_t>(IntAt(*c, i)));
    }
    if (c->IsNull(i)) h ^= kNullHash;
  }
  return h;
}

int CompareValues(const Column& a, size_t i, const Column& b, size_t j) {
  const bool na = a.IsNull(i), nb = b.IsNull(j);
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  switch (a.type()) {
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: return expr_internal::CompareDoubles(a.doubles()[i], b.doubles()[j]);
    case ColumnType::kSymbol:
    case ColumnType::kString: {
      const int c = a.GetString(i).compare(b.GetString(j));
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    default: {
      const int64_t x = IntAt(a, i), y = IntAt(b, j);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
  }
}

bool KeyRowsEqual(const std::vector<const Column*>& a, size_t i, const std::vector<const Column*>& b, size_t j) {
  for (size_t k = 0; k < a.size(); ++k) {
    if (CompareValues(*a[k], i, *b[k], j) != 0) return false;
  }
  return true;
}

bool AnyKeyNull(const std::vector<const Column*>& keys, size_t i) {
  for (const Column* c : keys) {
    if (c->IsNull(i)) return true;
  }
  return false;
}

}  // namespace strata::query
