#include "objstore/s3_xml.h"

#include <tinyxml2.h>

#include <charconv>

#include "objstore/s3_checksum.h"

namespace strata {
namespace {

using tinyxml2::XMLDocument;
using tinyxml2::XMLElement;

std::string Snippet(std::string_view xml) {
  std::string s(xml.substr(0, 200));
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return xml.size() > 200 ? s + "..." : s;
}

Status Parse(XMLDocument* doc, std::string_view xml, std::string_view what) {
  if (doc->Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS || doc->RootElement() == nullptr) {
    return Status::Corruption(std::string(what) + ": malformed XML from the server (" + doc->ErrorStr() + "): '" +
                              Snippet(xml) + "'");
  }
  return Status::OK();
}

std::string Text(const XMLElement* parent, const char* name) {
  const XMLElement* e = parent->FirstChildElement(name);
  if (e == nullptr || e->GetText() == nullptr) return "";
  return e->GetText();
}

Status ErrorFromRoot(const XMLElement* root, std::string_view what) {
  S3Error err{Text(root, "Code"), Text(root, "Message")};
  return Status::IOError(std::string(what) + ": S3 error " + err.code + ": " + err.message);
}

}  // namespace

Result<S3ListPage> ParseListObjectsV2(std::string_view xml) {
  constexpr std::string_view kWhat = "ListObjectsV2 result";
  XMLDocument doc;
  RETURN_IF_ERROR(Parse(&doc, xml, kWhat));
  const XMLElement* root = doc.RootElement();
  if (std::string_view(root->Name()) == "Error") return ErrorFromRoot(root, kWhat);
  if (std::string_view(root->Name()) != "ListBucketResult") {
    return Status::Corruption(std::string(kWhat) + ": root element <" + root->Name() + ">, want <ListBucketResult>");
  }
  S3ListPage page;
  const std::string truncated = Text(root, "IsTruncated");
  page.truncated = truncated == "true";
  for (const XMLElement* c = root->FirstChildElement("Contents"); c != nullptr; c = c->NextSiblingElement("Contents")) {
    ObjectInfo info;
    info.key = Text(c, "Key");
    const std::string size = Text(c, "Size");
    auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), info.size);
    if (info.key.empty() || size.empty() || ec != std::errc() || ptr != size.data() + size.size()) {
      return Status::Corruption(std::string(kWhat) + ": <Contents> without a Key or a numeric Size (key '" + info.key +
                                "', size '" + size + "')");
    }
    page.objects.push_back(std::move(info));
  }
  if (page.truncated) {
    page.next_continuation_token = Text(root, "NextContinuationToken");
    if (page.next_continuation_token.empty()) {
      return Status::Corruption(std::string(kWhat) + ": IsTruncated is true but there is no NextContinuationToken");
    }
  }
  return page;
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view xml) {
  constexpr std::string_view kWhat = "InitiateMultipartUpload result";
  XMLDocument doc;
  RETURN_IF_ERROR(Parse(&doc, xml, kWhat));
  const XMLElement* root = doc.RootElement();
  if (std::string_view(root->Name()) == "Error") return ErrorFromRoot(root, kWhat);
  std::string id = Text(root, "UploadId");
  if (std::string_view(root->Name()) != "InitiateMultipartUploadResult" || id.empty()) {
    return Status::Corruption(std::string(kWhat) + ": no UploadId in '" + Snippet(xml) + "'");
  }
  return id;
}

Result<std::string> ParseCompleteMultipartUpload(std::string_view xml) {
  constexpr std::string_view kWhat = "CompleteMultipartUpload result";
  XMLDocument doc;
  RETURN_IF_ERROR(Parse(&doc, xml, kWhat));
  const XMLElement* root = doc.RootElement();
  if (std::string_view(root->Name()) == "Error") return ErrorFromRoot(root, kWhat);
  std::string etag(UnquoteEtag(Text(root, "ETag")));
  if (std::string_view(root->Name()) != "CompleteMultipartUploadResult" || etag.empty()) {
    return Status::Corruption(std::string(kWhat) + ": no ETag in '" + Snippet(xml) + "'");
  }
  return etag;
}

std::optional<S3Error> ParseS3Error(std::string_view xml) {
  XMLDocument doc;
  if (doc.Parse(xml.data(), xml.size()) != tinyxml2::XML_SUCCESS) return std::nullopt;
  const XMLElement* root = doc.RootElement();
  if (root == nullptr || std::string_view(root->Name()) != "Error") return std::nullopt;
  return S3Error{Text(root, "Code"), Text(root, "Message")};
}

std::string BuildCompleteMultipartUpload(const std::vector<S3CompletedPart>& parts) {
  std::string out = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const S3CompletedPart& p : parts) {
    out += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>\"" + p.etag + "\"</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

}  // namespace strata
