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

}  // namespace strata::artifacts
