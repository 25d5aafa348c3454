// The model store over HTTP: GET /v1/models/NAME[@REF] (Range honoured), PUT /v1/models/NAME.
#include <nlohmann/json.hpp>

#include "artifacts/model_store.h"
#include "server/server.h"

namespace strata::server {
namespace {

// One range of "bytes=a-b", "bytes=a-" or "bytes=-n" over `size` bytes: [*begin, *end).
// false: unsatisfiable or malformed (416). Several ranges are not supported (416 too).
bool ParseRange(const std::string& header, uint64_t size, uint64_t* begin, uint64_t* end) {
  if (!header.starts_with("bytes=") || header.find(',') != std::string::npos) return false;
  const std::string spec = header.substr(6);
  const size_t dash = spec.find('-');
  if (dash == std::string::npos) return false;
  const std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
  auto num = [](const std::string& s, uint64_t* out) {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    *out = std::stoull(s);
    return true;
  };
  uint64_t x = 0, y = 0;
  if (a.empty()) {
    if (!num(b, &y) || y == 0) return false;
    *begin = size > y ? size - y : 0;
    *end = size;
  } else {
    if (!num(a, &x) || x >= size) return false;
    *begin = x;
    if (b.empty()) {
      *end = size;
    } else {
      if (!num(b, &y) || y < x) return false;
      *end = std::min<uint64_t>(y + 1, size);
    }
  }
  return true;
}

}  // namespace

void Server::AddModelRoutes() {
  AddRoute("GET", "/v1/models/", Access::kRead, [this](HttpRequest& req, HttpResponder& resp) {
    auto store = models();
    if (!store.ok()) return SendError(resp, store.status());
    auto ref = artifacts::ParseModelRef(req.path.substr(std::string("/v1/models/").size()));
    if (!ref.ok()) return SendError(resp, ref.status());
    auto model = (*store)->Load(ref->name, ref->ref);
    if (!model.ok()) return SendError(resp, model.status());
    const std::string_view bytes = (*model)->view();
    HttpHeaders extra = {{"Accept-Ranges", "bytes"},
                         {"ETag", "\"" + (*model)->sha256 + "\""},
                         {"X-Strata-Model-Version", std::to_string((*model)->version)}};
    const std::string range = req.Header("range");
    if (range.empty()) return resp.Send(200, "application/octet-stream", bytes, extra);
    uint64_t begin = 0, end = 0;
    if (!ParseRange(range, bytes.size(), &begin, &end)) {
      extra.emplace_back("Content-Range", "bytes */" + std::to_string(bytes.size()));
      return resp.Send(416, "application/json",
                       ErrorJson("range_not_satisfiable", "Range " + range + " does not fit a model of " +
                                                              std::to_string(bytes.size()) + " bytes (one range only)"),
                       extra);
    }
    extra.emplace_back("Content-Range", "bytes " + std::to_string(begin) + "-" + std::to_string(end - 1) + "/" +
                                            std::to_string(bytes.size()));
    resp.Send(206, "application/octet-stream", bytes.substr(begin, end - begin), extra);
  });

  AddRoute(
      "PUT", "/v1/models/", Access::kWrite,
      [this](HttpRequest& req, HttpResponder& resp) {
        const std::string name = req.path.substr(std::string("/v1/models/").size());
        if (name.empty() || name.find('@') != std::string::npos || name.find('/') != std::string::npos) {
          return SendError(resp, Status::InvalidArgument("PUT /v1/models/NAME: '" + name +
                                                         "' is not a model name (no @ or /; the version is assigned)"));
        }
        if (req.body_file.empty()) return SendError(resp, Status::InvalidArgument("PUT /v1/models/NAME needs a body"));
        auto store = models();
        if (!store.ok()) return SendError(resp, store.status());
        artifacts::PutOptions o;
        if (req.HasParam("meta")) o.meta_json = req.Param("meta");
        if (req.HasParam("metrics")) o.metrics_json = req.Param("metrics");
        auto put = (*store)->Put(name, req.body_file, o);
        if (!put.ok()) return SendError(resp, put.status());
        nlohmann::json j = {{"model", name},
                            {"version", put->version},
                            {"size", put->size},
                            {"sha256", put->sha256},
                            {"chunks", put->chunks},
                            {"new_chunks", put->new_chunks},
                            {"new_stored_bytes", put->new_stored_bytes}};
        Log("model put " + name + "@" + std::to_string(put->version) + " by " + (req.user.empty() ? "-" : req.user));
        resp.Send(201, "application/json", j.dump());
      },
      /*body_to_file=*/true);
}

}  // namespace strata::server
