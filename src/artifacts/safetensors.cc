#include "artifacts/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

namespace strata::artifacts {
namespace {

constexpr std::string_view kDTypeNames[] = {"F16", "BF16", "F32", "F64", "I8", "I16", "I32", "I64", "U8", "BOOL"};
constexpr size_t kDTypeSizes[] = {2, 2, 4, 8, 1, 2, 4, 8, 1, 1};

uint64_t LoadU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}

// Reads a JSON non-negative integer that fits in uint64.
bool AsU64(const nlohmann::json& j, uint64_t* out) {
  if (j.is_number_unsigned()) {
    *out = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<int64_t>() >= 0) {
    *out = static_cast<uint64_t>(j.get<int64_t>());
    return true;
  }
  return false;
}

Result<SafetensorsHeader> Parse(std::string_view file, std::string_view name, const SafetensorsLimits& limits) {
  const std::string file_name(name);
  auto bad = [&](const std::string& why) { return Status::Corruption("safetensors " + file_name + ": " + why); };
  auto bad_tensor = [&](const std::string& tensor, const std::string& why) {
    return Status::Corruption("safetensors " + file_name + ": tensor '" + tensor + "': " + why);
  };
  if (file.size() < 8) return bad("file of " + std::to_string(file.size()) + " bytes has no 8-byte header size");
  SafetensorsHeader h;
  h.header_size = LoadU64(file.data());
  if (h.header_size > limits.max_header_bytes) {
    return bad("header size " + std::to_string(h.header_size) + " exceeds the limit of " +
               std::to_string(limits.max_header_bytes) + " bytes");
  }
  if (h.header_size > file.size() - 8) {
    return bad("header size " + std::to_string(h.header_size) + " runs past the end of the " +
               std::to_string(file.size()) + "-byte file (truncated?)");
  }
  if (h.header_size < 2) return bad("header of " + std::to_string(h.header_size) + " bytes cannot be a JSON object");
  std::string_view text = file.substr(8, h.header_size);
  if (text.front() != '{') return bad("header does not start with '{'");
  const std::string_view data = file.substr(8 + h.header_size);
  // JSON objects keep one value per key: a tensor named twice would silently lose its first
  // entry (and then show up as a gap in the data). The parser's callback sees every key.
  std::set<std::string> top_keys;
  std::string duplicate;
  auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && parsed.is_string() && duplicate.empty()) {
      if (!top_keys.insert(parsed.get<std::string>()).second) duplicate = parsed.get<std::string>();
    }
    return true;
  };
  auto json = nlohmann::json::parse(text, on_event, /*allow_exceptions=*/false);
  if (json.is_discarded()) return bad("header is not valid JSON");
  if (!duplicate.empty()) return bad("header names tensor " + QuoteForMessage(duplicate, 80) + " twice");
  if (!json.is_object()) return bad("header is not a JSON object");
  if (json.size() > limits.max_tensors + 1) {
    return bad("header lists " + std::to_string(json.size()) + " entries, more than the limit of " +
               std::to_string(limits.max_tensors));
  }
  struct Span {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Span> spans;
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = it.value();
    if (key == "__metadata__") {
      if (!v.is_object()) return bad("__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) return bad("__metadata__ value '" + m.key() + "' is not a string");
        h.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (!v.is_object()) return bad_tensor(key, "entry is not an object");
    for (auto f = v.begin(); f != v.end(); ++f) {
      if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets") {
        return bad_tensor(key, "unknown field '" + f.key() + "'");
      }
    }
    auto dt = v.find("dtype");
    auto sh = v.find("shape");
    auto off = v.find("data_offsets");
    if (dt == v.end() || !dt->is_string()) return bad_tensor(key, "missing or non-string dtype");
    auto dtype = ParseDType(dt->get<std::string>());
    if (!dtype.ok()) return bad_tensor(key, dtype.status().message());
    if (sh == v.end() || !sh->is_array()) return bad_tensor(key, "missing or non-array shape");
    if (sh->size() > limits.max_rank) {
      return bad_tensor(key, "rank " + std::to_string(sh->size()) + " exceeds " + std::to_string(limits.max_rank));
    }
    if (off == v.end() || !off->is_array() || off->size() != 2) {
      return bad_tensor(key, "data_offsets must be an array [begin, end]");
    }
    TensorView t;
    t.name = key;
    t.dtype = *dtype;
    uint64_t elements = 1;
    bool overflow = false;
    for (const auto& d : *sh) {
      uint64_t dim = 0;
      if (!AsU64(d, &dim)) return bad_tensor(key, "shape has a dimension that is not a non-negative integer");
      t.shape.push_back(dim);
      if (dim != 0 && elements > UINT64_MAX / dim) overflow = true;
      elements = overflow ? 0 : elements * dim;
    }
    // A zero dimension makes the element count 0 whatever overflowed before it.
    if (std::find(t.shape.begin(), t.shape.end(), 0) != t.shape.end()) overflow = false, elements = 0;
    const size_t width = DTypeSize(t.dtype);
    if (overflow || elements > UINT64_MAX / width) return bad_tensor(key, "shape's byte size overflows 64 bits");
    uint64_t begin = 0, end = 0;
    if (!AsU64((*off)[0], &begin) || !AsU64((*off)[1], &end)) {
      return bad_tensor(key, "data_offsets are not non-negative integers");
    }
    if (begin > end) {
      return bad_tensor(key, "data_offsets begin " + std::to_string(begin) + " > end " + std::to_string(end));
    }
    if (end > data.size()) {
      return bad_tensor(key, "data_offsets end " + std::to_string(end) + " is past the data section's " +
                                 std::to_string(data.size()) + " bytes (truncated file?)");
    }
    if (end - begin != elements * width) {
      return bad_tensor(key, "data_offsets cover " + std::to_string(end - begin) + " bytes but " +
                                 std::string(DTypeName(t.dtype)) + " x shape needs " +
                                 std::to_string(elements * width));
    }
    t.data = data.substr(begin, end - begin);
    spans.push_back({begin, end, h.tensors.size()});
    h.tensors.push_back(std::move(t));
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t expect = 0;
  for (const Span& s : spans) {
    const std::string& tname = h.tensors[s.index].name;
    if (s.begin < expect) return bad_tensor(tname, "overlaps the previous tensor at byte " + std::to_string(s.begin));
    if (s.begin > expect) {
      return bad_tensor(tname, "leaves a gap of " + std::to_string(s.begin - expect) + " bytes before it at byte " +
                                   std::to_string(expect));
    }
    expect = s.end;
  }
  if (expect != data.size()) {
    return bad(std::to_string(data.size() - expect) + " bytes after the last tensor are not described by the header");
  }
  std::vector<TensorView> ordered;
  ordered.reserve(spans.size());
  for (const Span& s : spans) ordered.push_back(std::move(h.tensors[s.index]));
  h.tensors = std::move(ordered);
  return h;
}

}  // namespace

std::string_view DTypeName(DType dtype) { return kDTypeNames[static_cast<int>(dtype)]; }
size_t DTypeSize(DType dtype) { return kDTypeSizes[static_cast<int>(dtype)]; }

Result<DType> ParseDType(std::string_view name) {
  for (size_t i = 0; i < std::size(kDTypeNames); ++i) {
    if (kDTypeNames[i] == name) return static_cast<DType>(i);
  }
  return Status::InvalidArgument("unsupported dtype '" + std::string(name) +
                                 "' (F16, BF16, F32, F64, I8, I16, I32, I64, U8, BOOL)");
}

Result<SafetensorsHeader> ParseSafetensors(std::string_view file, std::string_view name,
                                           const SafetensorsLimits& limits) {
  // nlohmann_json may still throw on paths we did not foresee (allocation, conversions): no
  // exception crosses this boundary.
  try {
    return Parse(file, name, limits);
  } catch (const std::exception& e) {
    return Status::Corruption("safetensors " + std::string(name) + ": malformed header: " + e.what());
  }
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(FileSystem* fs, const std::string& path,
                                                               const SafetensorsLimits& limits) {
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile);
  f->path_ = path;
  ASSIGN_OR_RETURN(f->map_, fs->MapFile(path));
  ASSIGN_OR_RETURN(f->header_, ParseSafetensors(f->map_->data(), path, limits));
  return f;
}

Result<const TensorView*> SafetensorsFile::Find(std::string_view tensor) const {
  for (const TensorView& t : header_.tensors) {
    if (t.name == tensor) return &t;
  }
  return Status::NotFound("safetensors " + path_ + ": no tensor '" + std::string(tensor) + "'");
}

Status WriteSafetensors(FileSystem* fs, const std::string& path, const std::vector<TensorSpec>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorSpec& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__" || header.contains(t.name)) {
      return Status::InvalidArgument("safetensors " + path + ": tensor name '" + t.name +
                                     "' is empty, reserved or repeated");
    }
    uint64_t elements = 1;
    for (uint64_t d : t.shape) {
      if (d != 0 && elements > UINT64_MAX / d) {
        return Status::InvalidArgument("safetensors " + path + ": tensor '" + t.name + "' shape overflows");
      }
      elements *= d;
    }
    if (elements > UINT64_MAX / DTypeSize(t.dtype) || elements * DTypeSize(t.dtype) != t.data.size()) {
      return Status::InvalidArgument("safetensors " + path + ": tensor '" + t.name + "' has " +
                                     std::to_string(t.data.size()) + " bytes, its dtype and shape need " +
                                     std::to_string(elements * DTypeSize(t.dtype)));
    }
    header[t.name] = {
        {"dtype", DTypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned
  std::string prefix(8, '\0');
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<char>(static_cast<uint64_t>(text.size()) >> (8 * i));
  RETURN_IF_ERROR(CheckReplaceableByRename(path));
  const std::string tmp = path + ".tmp";
  ASSIGN_OR_RETURN(auto file, fs->NewWritableFile(tmp, OpenMode::kTruncate));
  Status st = file->Append(prefix + text);
  for (size_t i = 0; st.ok() && i < tensors.size(); ++i) st = file->Append(tensors[i].data);
  if (st.ok()) st = file->Sync();
  if (st.ok()) st = file->Close();
  if (st.ok()) st = fs->Rename(tmp, path);
  if (!st.ok()) {
    fs->RemoveFile(tmp).IgnoreError();
    return st.WithContext("safetensors write " + path);
  }
  return fs->SyncDir(DirName(path));
}

int FuzzSafetensorsHeader(const uint8_t* data, size_t size) {
  SafetensorsLimits limits;
  limits.max_header_bytes = 1 << 20;
  auto parsed = ParseSafetensors(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", limits);
  if (!parsed.ok()) return 0;
  // Touch every byte of every view: the sanitizers catch a view that escapes the input.
  volatile uint8_t sink = 0;
  for (const TensorView& t : parsed->tensors) {
    for (char c : t.data) sink = sink ^ static_cast<uint8_t>(c);
  }
  (void)sink;
  return 0;
}

}  // namespace strata::artifacts
