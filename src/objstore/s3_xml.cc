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

Result<S3CompleteResult> ParseCompleteMultipartUpload(std::string_view xml) {
  constexpr std::string_view kWhat = "CompleteMultipartUpload result";
  XMLDocument doc;
  RETURN_IF_ERROR(Parse(&doc, xml, kWhat));
  const XMLElement* root = doc.RootElement();
  if (std::string_view(root->Name()) == "Error") return ErrorFromRoot(root, kWhat);
  std::string etag(UnquoteEtag(Text(root, "ETag")));
  if (std::string_view(root->Name()) != "CompleteMultipartUploadResult" || etag.empty()) {
    return Status::Corruption(std::string(kWhat) + ": no ETag in '" + Snippet(xml) + "'");
  }
  return S3CompleteResult{std::move(etag), Text(root, "ChecksumSHA256")};
}

std::optional<int64_t> ParseIso8601Utc(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS, then optional fraction, then Z.
  auto num = [&](size_t at, size_t n, int* out) {
    if (at + n > t.size()) return false;
    auto [ptr, ec] = std::from_chars(t.data() + at, t.data() + at + n, *out);
    return ec == std::errc() && ptr == t.data() + at + n;
  };
  int y, mo, d, h, mi, s;
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || !num(0, 4, &y) ||
      !num(5, 2, &mo) || !num(8, 2, &d) || !num(11, 2, &h) || !num(14, 2, &mi) || !num(17, 2, &s) || t.back() != 'Z' ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  std::string_view frac = t.substr(19, t.size() - 20);
  if (!frac.empty() &&
      (frac[0] != '.' || frac.size() < 2 || frac.substr(1).find_first_not_of("0123456789") != std::string_view::npos)) {
    return std::nullopt;
  }
  // Days from the civil date (proleptic Gregorian), Howard Hinnant's algorithm.
  const int yy = y - (mo <= 2);
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const int yoe = yy - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + s;
}

Result<S3UploadsPage> ParseListMultipartUploads(std::string_view xml) {
  constexpr std::string_view kWhat = "ListMultipartUploads result";
  XMLDocument doc;
  RETURN_IF_ERROR(Parse(&doc, xml, kWhat));
  const XMLElement* root = doc.RootElement();
  if (std::string_view(root->Name()) == "Error") return ErrorFromRoot(root, kWhat);
  if (std::string_view(root->Name()) != "ListMultipartUploadsResult") {
    return Status::Corruption(std::string(kWhat) + ": root element <" + root->Name() +
                              ">, want <ListMultipartUploadsResult>");
  }
  S3UploadsPage page;
  page.truncated = Text(root, "IsTruncated") == "true";
  for (const XMLElement* u = root->FirstChildElement("Upload"); u != nullptr; u = u->NextSiblingElement("Upload")) {
    S3UploadInfo info;
    info.key = Text(u, "Key");
    info.upload_id = Text(u, "UploadId");
    const std::string initiated = Text(u, "Initiated");
    std::optional<int64_t> when = ParseIso8601Utc(initiated);
    if (info.key.empty() || info.upload_id.empty() || !when) {
      return Status::Corruption(std::string(kWhat) +
                                ": <Upload> without a Key, an UploadId or a valid Initiated (key '" + info.key +
                                "', upload id '" + info.upload_id + "', initiated '" + initiated + "')");
    }
    info.initiated_unix_s = *when;
    page.uploads.push_back(std::move(info));
  }
  if (page.truncated) {
    page.next_key_marker = Text(root, "NextKeyMarker");
    page.next_upload_id_marker = Text(root, "NextUploadIdMarker");
    if (page.next_key_marker.empty()) {
      return Status::Corruption(std::string(kWhat) + ": IsTruncated is true but there is no NextKeyMarker");
    }
  }
  return page;
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
    out += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>\"" + p.etag + "\"</ETag>";
    if (!p.checksum_sha256.empty()) out += "<ChecksumSHA256>" + p.checksum_sha256 + "</ChecksumSHA256>";
    out += "</Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

}  // namespace strata
