// libFuzzer target for the PostgreSQL wire protocol's decoders: startup packets (ParseStartup),
// the fields of frontend messages as the session reads them (Parse, Bind, Describe, Execute,
// Close bodies through MessageReader), parameter values (DecodeParameter, text and binary, every
// type) and the SQLSTATE/position mapping of errors (ErrorFromStatus over the input as a query).
// Built and run by tools/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined); not part of the
// CMake build. Oracle beyond the sanitizers: every decoding error carries a five-character
// SQLSTATE prefix, and an error position never points past the query's end.
//
// Seeds: STRATA_FUZZ_WRITE_SEEDS=DIR ./pgwire_fuzzer writes startup packets of every kind and
// Bind bodies with text and binary values to DIR and exits; tools/fuzz.sh does this before each run.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "pgwire/protocol.h"

namespace {

using namespace strata;
using namespace strata::pgwire;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "oracle failed: %s\n", what);
    std::abort();
  }
}

void CheckCode(const Status& st) {
  const std::string& m = st.message();
  Check(m.size() > 7 && m[5] == ':' && m[6] == ' ', "an error without its SQLSTATE prefix");
}

// A Bind body: portal, statement, formats, values, result formats (as Session::Bind reads it).
void ReadBind(std::string_view body) {
  MessageReader r(body);
  if (!r.CString("portal").ok() || !r.CString("statement").ok()) return;
  auto nf = r.Int16("formats");
  if (!nf.ok() || *nf < 0) return;
  std::vector<int16_t> formats;
  for (int i = 0; i < *nf; ++i) {
    auto f = r.Int16("format");
    if (!f.ok()) return;
    formats.push_back(*f);
  }
  auto np = r.Int16("params");
  if (!np.ok() || *np < 0) return;
  static const uint32_t kOids[] = {0,          kBoolOid, kInt2Oid,    kInt4Oid,      kInt8Oid,        kFloat4Oid,
                                   kFloat8Oid, kTextOid, kVarcharOid, kTimestampOid, kTimestamptzOid, kDateOid,
                                   kOidOid,    1186};
  for (int i = 0; i < *np; ++i) {
    auto len = r.Int32("length");
    if (!len.ok()) return;
    std::optional<std::string_view> v;
    if (*len >= 0) {
      auto b = r.Bytes(static_cast<size_t>(*len), "value");
      if (!b.ok()) return;
      v = *b;
    }
    const bool binary = !formats.empty() && formats[i % formats.size()] == 1;
    const uint32_t oid = kOids[(i + (v && !v->empty() ? static_cast<unsigned char>((*v)[0]) : 0)) % 14];
    const auto inferred = static_cast<query::ExprType>(i % 9);
    Result<sql::Literal> l = DecodeParameter(v, binary, oid, inferred);
    if (!l.ok()) CheckCode(l.status());
  }
}

std::string Be32(int32_t v) {
  const uint32_t be = htonl(static_cast<uint32_t>(v));
  return std::string(reinterpret_cast<const char*>(&be), 4);
}
std::string Be16(int16_t v) {
  const uint16_t be = htons(static_cast<uint16_t>(v));
  return std::string(reinterpret_cast<const char*>(&be), 2);
}
std::string Z(std::string_view s) { return std::string(s) + std::string(1, '\0'); }

void WriteSeeds(const std::string& dir) {
  std::vector<std::string> seeds = {
      Be32(196608) + Z("user") + Z("quant") + Z("database") + Z("strata") + Z(""),
      Be32(80877103),
      Be32(80877104),
      Be32(80877102) + Be32(1000) + Be32(-12345),
      Be32(196609) + Z("user") + Z("u") + Z("_pq_.x") + Z("1") + Z(""),
      Z("") + Z("s1") + Be16(1) + Be16(0) + Be16(2) + Be32(2) + "S1" + Be32(-1) + Be16(0),
      Z("p") + Z("") + Be16(1) + Be16(1) + Be16(3) + Be32(4) + Be32(7) + Be32(8) + std::string(8, '\x01') + Be32(1) +
          "\x01" + Be16(1) + Be16(1),
      "SELECT 1;\nSELECT é FROM t",
  };
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream(dir + "/seed" + std::to_string(i), std::ios::binary) << seeds[i];
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("STRATA_FUZZ_WRITE_SEEDS")) {
    std::string cmd = std::string("mkdir -p '") + dir + "'";
    if (std::system(cmd.c_str()) != 0) std::exit(1);
    WriteSeeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  Result<StartupPacket> p = ParseStartup(in);
  if (!p.ok()) CheckCode(p.status());
  ReadBind(in);
  // The input as a query string, with an error position somewhere in it.
  const size_t offset = size == 0 ? 0 : data[0] % (size + 1);
  const std::string msg = "line " + std::to_string(size > 1 ? data[1] % 5 : 1) + ", column " +
                          std::to_string(size > 2 ? data[2] : 1) + ": x";
  ErrorFields e = ErrorFromStatus(Status::InvalidArgument(msg), in, offset, true);
  size_t chars = 0;
  for (unsigned char c : in) chars += (c & 0xC0) != 0x80;
  Check(e.position >= 0 && static_cast<size_t>(e.position) <= chars + 1, "an error position past the end");
  MessageWriter w;
  WriteError(&w, e);
  return 0;
}
