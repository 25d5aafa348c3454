#include "artifacts/cold_store.h"

namespace strata::artifacts {

Status ColdStore::PutPack(const std::string& pack_name, FileSystem*, const std::string&) {
  return Status::Unsupported("this cold store cannot store pack " + pack_name);
}
Result<uint64_t> ColdStore::PackSize(const std::string& pack_name) {
  ASSIGN_OR_RETURN(auto file, OpenPack(pack_name));
  return file->Size();
}
Status ColdStore::DeletePack(const std::string& pack_name) {
  return Status::Unsupported("this cold store cannot delete pack " + pack_name);
}
Result<std::vector<std::string>> ColdStore::ListPacks() {
  return Status::Unsupported("this cold store cannot list its packs");
}
Result<uint64_t> ColdStore::AbortStaleUploads(int64_t, int64_t) { return uint64_t{0}; }
std::string ColdStore::PackUri(const std::string& pack_name) const { return "cold:" + pack_name; }

Result<std::vector<std::string>> ObjectColdStore::ListPacks() {
  ASSIGN_OR_RETURN(auto objects, store_->List(prefix_));
  std::vector<std::string> out;
  for (const ObjectInfo& o : objects) {
    std::string name = o.key.substr(prefix_.size());
    if (name.find('/') == std::string::npos) out.push_back(std::move(name));
  }
  return out;
}

Result<uint64_t> ObjectColdStore::AbortStaleUploads(int64_t now_unix_s, int64_t min_age_s) {
  ASSIGN_OR_RETURN(auto uploads, store_->ListIncompleteUploads(prefix_));
  uint64_t n = 0;
  for (const IncompleteUpload& u : uploads) {
    const std::string name = u.key.substr(prefix_.size());
    if (name.empty() || name.find('/') != std::string::npos) continue;  // not a pack's key
    if (u.initiated_unix_s > now_unix_s - min_age_s) continue;          // may still be going up
    RETURN_IF_ERROR(store_->AbortIncompleteUpload(u).WithContext("aborting the incomplete upload of pack " + name));
    ++n;
  }
  return n;
}

}  // namespace strata::artifacts
