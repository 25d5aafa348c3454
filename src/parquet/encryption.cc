#include "parquet/encryption.h"

#include <cstring>

namespace strata::parquet {

std::string_view ModuleTypeName(ModuleType type) {
  switch (type) {
    case ModuleType::kFooter: return "footer";
    case ModuleType::kColumnMetaData: return "column metadata";
    case ModuleType::kDataPage: return "data page";
    case ModuleType::kDictionaryPage: return "dictionary page";
    case ModuleType::kDataPageHeader: return "data page header";
    case ModuleType::kDictionaryPageHeader: return "dictionary page header";
    case ModuleType::kColumnIndex: return "column index";
    case ModuleType::kOffsetIndex: return "offset index";
    case ModuleType::kBloomFilterHeader: return "bloom filter header";
    case ModuleType::kBloomFilterBitset: return "bloom filter bitset";
  }
  return "module";
}

Result<std::string> ModuleAad(std::string_view file_aad, ModuleType type, int row_group, int column, int page) {
  std::string aad(file_aad);
  aad.push_back(static_cast<char>(type));
  if (type == ModuleType::kFooter) return aad;
  auto put = [&](int v, const char* what) -> Status {
    if (v < 0 || v > INT16_MAX) {
      return Status::InvalidArgument(std::string("Parquet encryption: ") + what + " ordinal " + std::to_string(v) +
                                     " does not fit the format's 16 bits");
    }
    aad.push_back(static_cast<char>(v & 0xff));
    aad.push_back(static_cast<char>(v >> 8));
    return Status::OK();
  };
  RETURN_IF_ERROR(put(row_group, "row group"));
  RETURN_IF_ERROR(put(column, "column"));
  if (type == ModuleType::kDataPage || type == ModuleType::kDataPageHeader) RETURN_IF_ERROR(put(page, "page"));
  return aad;
}

Status EncryptModule(crypto::AesGcm* gcm, const ModuleKey& key, std::string_view plaintext, ModuleType type,
                     int row_group, int column, int page, std::string* out) {
  std::string aad;
  if (key.use_aad) {
    ASSIGN_OR_RETURN(aad, ModuleAad(key.file_aad, type, row_group, column, page));
  }
  const size_t at = out->size();
  out->append(4, '\0');
  RETURN_IF_ERROR(gcm->Seal(plaintext, aad, out));
  const uint32_t len = static_cast<uint32_t>(out->size() - at - 4);
  std::memcpy(out->data() + at, &len, 4);  // little-endian hosts only, as the rest of the writer
  return Status::OK();
}

Status DecryptModule(crypto::AesGcm* gcm, const ModuleKey& key, std::string_view bytes, ModuleType type, int row_group,
                     int column, int page, std::string* out, size_t* size) {
  if (bytes.size() < 4) return Status::Corruption(std::string(ModuleTypeName(type)) + ": truncated encrypted module");
  uint32_t len;
  std::memcpy(&len, bytes.data(), 4);
  if (len > bytes.size() - 4) {
    return Status::Corruption(std::string(ModuleTypeName(type)) + ": encrypted module of " + std::to_string(len) +
                              " bytes runs past the " + std::to_string(bytes.size() - 4) + " bytes there");
  }
  std::string aad;
  if (key.use_aad) {
    ASSIGN_OR_RETURN(aad, ModuleAad(key.file_aad, type, row_group, column, page));
  }
  out->clear();
  Status st = gcm->Open(bytes.substr(4, len), aad, out);
  if (!st.ok()) return st.WithContext(std::string(ModuleTypeName(type)));
  *size = 4 + static_cast<size_t>(len);
  return Status::OK();
}

}  // namespace strata::parquet
