// Parquet Modular Encryption (parquet-format Encryption.md), algorithm AES_GCM_V1: every module
// (footer, column metadata, page headers, pages, dictionary pages, column and offset indexes) is
// stored as length (4 bytes LE) || nonce (12) || ciphertext || tag (16), sealed with AES-GCM and
// an AAD that binds it to its file and place: aad_prefix || aad_file_unique || module type (1 byte)
// || row group ordinal || column ordinal || page ordinal (int16 LE; which ordinals a module type
// carries is in ModuleAad). The writer uses encrypted-footer mode ("PARE" magic, FileCryptoMetaData
// before the sealed footer), every column with the footer key, the key id as the footer's
// key_metadata.
//
// FileEncryption::module_aad = false seals modules without AADs and stores no aad_file_unique, as
// DuckDB's footer is sealed; the reader accepts that only for files without aad_file_unique (files
// strata writes by default always have one, so stripping it cannot downgrade them). DuckDB interop
// status: src/parquet/README.md, "DuckDB".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/aes_gcm.h"
#include "crypto/key_provider.h"
#include "strata/status.h"

namespace strata::parquet {

enum class ModuleType : uint8_t {
  kFooter = 0,
  kColumnMetaData = 1,
  kDataPage = 2,
  kDictionaryPage = 3,
  kDataPageHeader = 4,
  kDictionaryPageHeader = 5,
  kColumnIndex = 6,
  kOffsetIndex = 7,
  kBloomFilterHeader = 8,
  kBloomFilterBitset = 9,
};

// Writer option: encrypt the file with this key.
struct FileEncryption {
  std::string key_id;  // stored in the file (FileCryptoMetaData.key_metadata); the key never is
  crypto::SecretKey key;
  // false: no module AADs and no aad_file_unique, as DuckDB writes and reads (see above).
  bool module_aad = true;
};

// The AAD of a module: file_aad || type || row group || column || page (int16 LE). The footer has
// no ordinals; data pages and their headers have all three; the other module types row group and
// column. InvalidArgument for an ordinal outside 0..32767.
Result<std::string> ModuleAad(std::string_view file_aad, ModuleType type, int row_group = 0, int column = 0,
                              int page = 0);

// What sealing or opening the modules of one file (or one column key of it) needs. Immutable once
// made: readers on several threads share it and make an AesGcm each.
struct ModuleKey {
  crypto::SecretKey key;
  std::string file_aad;  // aad_prefix || aad_file_unique
  bool use_aad = true;
};

// Appends the sealed module (length || nonce || ciphertext || tag) to *out.
Status EncryptModule(crypto::AesGcm* gcm, const ModuleKey& key, std::string_view plaintext, ModuleType type,
                     int row_group, int column, int page, std::string* out);
// Opens the module at the front of `bytes` into *out (replacing its contents) and sets *size to
// the bytes it took (4 + its length). Corruption when the length runs past `bytes` or the tag
// fails (wrong key, altered bytes, a module moved from elsewhere).
Status DecryptModule(crypto::AesGcm* gcm, const ModuleKey& key, std::string_view bytes, ModuleType type, int row_group,
                     int column, int page, std::string* out, size_t* size);

// Bytes a sealed module adds to its plaintext: length, nonce and tag.
inline constexpr size_t kModuleOverhead = 4 + crypto::kGcmOverhead;

std::string_view ModuleTypeName(ModuleType type);

}  // namespace strata::parquet
