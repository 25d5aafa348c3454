// The model store's cold tier on an ObjectStore (src/objstore): a local directory or an S3
// bucket, normally the database's cold location (`strata init --cold ...`), so the tiers' Parquet
// files and the model packs live side by side. A pack is one object, "models/packs/<pack>", a
// byte-for-byte copy of its local file's committed bytes; the catalog (artifact_packs.location,
// .sha256) says which packs are local, cold or both and what each must hash to.
#pragma once

#include <memory>
#include <string>

#include "artifacts/model_store.h"
#include "objstore/object_store.h"

namespace strata::artifacts {

inline constexpr char kColdPackPrefix[] = "models/packs/";

class ObjectColdStore final : public ColdStore {
 public:
  // `store` is owned; `prefix` ends with '/'.
  explicit ObjectColdStore(std::unique_ptr<ObjectStore> store, std::string prefix = kColdPackPrefix)
      : store_(std::move(store)), prefix_(std::move(prefix)) {}

  Result<std::unique_ptr<RandomAccessFile>> OpenPack(const std::string& pack_name) override {
    return store_->OpenRead(prefix_ + pack_name);
  }
  Status PutPack(const std::string& pack_name, FileSystem* fs, const std::string& path) override {
    return store_->PutFile(prefix_ + pack_name, fs, path);
  }
  Result<uint64_t> PackSize(const std::string& pack_name) override { return store_->Size(prefix_ + pack_name); }
  Status DeletePack(const std::string& pack_name) override { return store_->Delete(prefix_ + pack_name); }
  Result<std::vector<std::string>> ListPacks() override;
  Result<uint64_t> AbortStaleUploads(int64_t now_unix_s, int64_t min_age_s) override;
  std::string PackUri(const std::string& pack_name) const override { return store_->Uri(prefix_ + pack_name); }
  bool Remote() const override { return store_->Uri("").rfind("s3://", 0) == 0; }

  ObjectStore* object_store() { return store_.get(); }

 private:
  std::unique_ptr<ObjectStore> store_;
  std::string prefix_;
};

// The settings key that points the model store's cold tier somewhere other than the tiers' cold
// location ("cold_location"); either holds a location OpenObjectStore accepts.
inline constexpr char kModelsColdLocationSetting[] = "models_cold_location";

}  // namespace strata::artifacts
