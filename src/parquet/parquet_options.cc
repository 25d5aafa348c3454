#include "parquet/parquet_options.h"

#include <cctype>

namespace strata::parquet {

std::string_view ColumnEncodingName(ColumnEncoding e) {
  switch (e) {
    case ColumnEncoding::kAuto: return "auto";
    case ColumnEncoding::kStrongest: return "strongest";
    case ColumnEncoding::kPlain: return "plain";
    case ColumnEncoding::kDictionary: return "dictionary";
    case ColumnEncoding::kDeltaBinaryPacked: return "delta_binary_packed";
    case ColumnEncoding::kByteStreamSplit: return "byte_stream_split";
    case ColumnEncoding::kDeltaLengthByteArray: return "delta_length_byte_array";
    case ColumnEncoding::kDeltaByteArray: return "delta_byte_array";
    case ColumnEncoding::kRle: return "rle";
  }
  return "unknown";
}

Result<ColumnEncoding> ParseColumnEncoding(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (ColumnEncoding e :
       {ColumnEncoding::kAuto, ColumnEncoding::kStrongest, ColumnEncoding::kPlain, ColumnEncoding::kDictionary,
        ColumnEncoding::kDeltaBinaryPacked, ColumnEncoding::kByteStreamSplit, ColumnEncoding::kDeltaLengthByteArray,
        ColumnEncoding::kDeltaByteArray, ColumnEncoding::kRle}) {
    if (lower == ColumnEncodingName(e)) return e;
  }
  if (lower == "rle_dictionary" || lower == "dict") return ColumnEncoding::kDictionary;
  if (lower == "delta") return ColumnEncoding::kDeltaBinaryPacked;
  if (lower == "bss") return ColumnEncoding::kByteStreamSplit;
  return Status::InvalidArgument("unknown encoding '" + std::string(name) +
                                 "' (expected auto, strongest, plain, dictionary, delta_binary_packed, "
                                 "byte_stream_split, delta_length_byte_array, delta_byte_array or rle)");
}

Result<ColumnEncoding> ResolveEncoding(ColumnEncoding e, ColumnType type) {
  bool is_int = type == ColumnType::kInt32 || type == ColumnType::kInt64 || type == ColumnType::kTimestamp;
  bool is_string = IsStringLike(type);
  switch (e) {
    case ColumnEncoding::kAuto: return type == ColumnType::kBool ? ColumnEncoding::kPlain : ColumnEncoding::kDictionary;
    case ColumnEncoding::kStrongest:
      if (is_int) return ColumnEncoding::kDeltaBinaryPacked;
      if (IsFloating(type)) return ColumnEncoding::kByteStreamSplit;
      if (type == ColumnType::kBool) return ColumnEncoding::kRle;
      return ColumnEncoding::kDictionary;
    case ColumnEncoding::kPlain: return e;
    case ColumnEncoding::kDictionary:
      if (type != ColumnType::kBool) return e;
      break;
    case ColumnEncoding::kDeltaBinaryPacked:
      if (is_int) return e;
      break;
    case ColumnEncoding::kByteStreamSplit:
      // The format allows it for integers too (since 2.11), but DuckDB rejects those files.
      if (IsFloating(type)) return e;
      break;
    case ColumnEncoding::kDeltaLengthByteArray:
    case ColumnEncoding::kDeltaByteArray:
      if (is_string) return e;
      break;
    case ColumnEncoding::kRle:
      if (type == ColumnType::kBool) return e;
      break;
  }
  return Status::InvalidArgument("encoding " + std::string(ColumnEncodingName(e)) + " cannot store a " +
                                 std::string(ColumnTypeName(type)) + " column");
}

}  // namespace strata::parquet
