// libFuzzer target for the ILP parser (src/ilp/parser.h): LineSplitter and ParseLine over any
// bytes. Built and run by tools/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined); not part
// of the CMake build.
//
// Oracle beyond the sanitizers: every line that parses is written back in line protocol (with
// the escapes QuestDB's clients use) and must parse again to the same measurement, tags, typed
// fields and timestamp; every view the parser returns lies inside the input or its scratch.
//
// Seeds: STRATA_FUZZ_WRITE_SEEDS=DIR ./ilp_fuzzer writes sample requests to DIR and exits.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "ilp/parser.h"

namespace {

using namespace strata::ilp;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "ilp_fuzzer: invariant broken: %s\n", what);
    std::abort();
  }
}

void Escape(std::string_view s, bool quoted, std::string* out) {
  for (char c : s) {
    if (quoted ? (c == '"' || c == '\\' || c == '\n' || c == '\r')
               : (c == ',' || c == '=' || c == ' ' || c == '\\' || c == '\n' || c == '\r')) {
      out->push_back('\\');
    }
    out->push_back(c);
  }
}

std::string Serialize(const Line& l) {
  std::string out;
  Escape(l.measurement, false, &out);
  for (const Tag& t : l.tags) {
    out.push_back(',');
    Escape(t.key, false, &out);
    out.push_back('=');
    Escape(t.value, false, &out);
  }
  char buf[64];
  for (size_t i = 0; i < l.fields.size(); ++i) {
    const FieldValue& f = l.fields[i];
    out.push_back(i == 0 ? ' ' : ',');
    Escape(f.key, false, &out);
    out.push_back('=');
    switch (f.kind) {
      case ValueKind::kInt: out += std::to_string(f.i) + "i"; break;
      case ValueKind::kUInt: out += std::to_string(f.u) + "u"; break;
      case ValueKind::kBool: out += f.b ? "t" : "f"; break;
      case ValueKind::kFloat:
        std::snprintf(buf, sizeof buf, "%.17g", f.f);
        out += buf;
        break;
      case ValueKind::kString:
        out.push_back('"');
        Escape(f.s, true, &out);
        out.push_back('"');
        break;
    }
  }
  if (l.has_timestamp) out += " " + std::to_string(l.timestamp);
  return out;
}

bool Inside(std::string_view v, std::string_view a, const std::string& b) {
  auto in = [&](const char* lo, size_t n) { return v.data() >= lo && v.data() + v.size() <= lo + n; };
  return v.empty() || in(a.data(), a.size()) || in(b.data(), b.size());
}

bool SameFields(const Line& a, const Line& b) {
  if (a.measurement != b.measurement || a.tags.size() != b.tags.size() || a.fields.size() != b.fields.size() ||
      a.has_timestamp != b.has_timestamp || a.timestamp != b.timestamp) {
    return false;
  }
  for (size_t i = 0; i < a.tags.size(); ++i) {
    if (a.tags[i].key != b.tags[i].key || a.tags[i].value != b.tags[i].value) return false;
  }
  for (size_t i = 0; i < a.fields.size(); ++i) {
    const FieldValue& x = a.fields[i];
    const FieldValue& y = b.fields[i];
    if (x.key != y.key || x.kind != y.kind) return false;
    if (x.kind == ValueKind::kInt && x.i != y.i) return false;
    if (x.kind == ValueKind::kUInt && x.u != y.u) return false;
    if (x.kind == ValueKind::kBool && x.b != y.b) return false;
    if (x.kind == ValueKind::kString && x.s != y.s) return false;
    if (x.kind == ValueKind::kFloat && std::memcmp(&x.f, &y.f, sizeof x.f) != 0) return false;
  }
  return true;
}

void WriteSeeds(const std::string& dir) {
  const char* seeds[] = {
      "trades,symbol=AAPL,exchange=Q price=101.5,size=100i,trade_id=7i 1700000000000000000\n",
      "m,t=a\\ b\\,c\\=d f=\"q\\\"x\\\\y\",g=1u,h=t,i=-1.5e-3\r\n# comment\n\nq f=F 1\n",
      "weird\\ name,k=v\\\nw s=\"multi\\\nline\"\n",
  };
  int n = 0;
  for (const char* s : seeds) std::ofstream(dir + "/seed-" + std::to_string(n++)) << s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* out = std::getenv("STRATA_FUZZ_WRITE_SEEDS")) {
    std::string cmd = std::string("mkdir -p '") + out + "'";
    if (std::system(cmd.c_str()) != 0) std::abort();
    WriteSeeds(out);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  LineSplitter lines(input);
  std::string_view text;
  uint64_t number = 0, previous = 0;
  Line line, again;
  while (lines.Next(&text, &number)) {
    Check(number == previous + 1, "lines are numbered consecutively");
    previous = number;
    Check(text.data() >= input.data() && text.data() + text.size() <= input.data() + input.size(),
          "a line lies inside the input");
    if (!ParseLine(text, &line).empty() || line.empty) continue;
    Check(!line.measurement.empty() && !line.fields.empty(), "a parsed line has a measurement and fields");
    Check(Inside(line.measurement, text, line.scratch), "the measurement view is valid");
    for (const Tag& t : line.tags)
      Check(Inside(t.key, text, line.scratch) && Inside(t.value, text, line.scratch), "tag views are valid");
    for (const FieldValue& f : line.fields) Check(Inside(f.key, text, line.scratch), "field views are valid");
    const std::string written = Serialize(line);
    Check(FindLineEnd(written) == written.size(), "a written line has no unescaped newline");
    const std::string err = ParseLine(written, &again);
    if (!err.empty()) std::fprintf(stderr, "ilp_fuzzer: %s\n  %s\n", written.c_str(), err.c_str());
    Check(err.empty(), "a written line parses");
    Check(SameFields(line, again), "a written line parses to the same values");
  }
  return 0;
}
