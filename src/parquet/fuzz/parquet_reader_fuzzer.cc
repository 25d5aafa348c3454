// libFuzzer target for the Parquet reader: footer, schema mapping, page headers, every encoding
// and codec, page-index reads and InspectParquet, on arbitrary bytes. Built and run by
// tools/parquet_fuzz.sh (clang, -fsanitize=fuzzer,address,undefined); not part of the CMake
// build. Inputs that crashed it go to src/parquet/fuzz/regressions/, which
// parquet_reader_test.cc replays under the normal test run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parquet/inspect.h"
#include "parquet/parquet_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata::parquet;
  ReaderOptions ro;
  // Small limits: the fuzzer's memory budget, not the format's, bounds what a page may claim.
  ro.max_footer_bytes = 1 << 20;
  ro.max_page_bytes = 8 << 20;
  ro.max_page_values = 1 << 18;
  ro.max_row_group_rows = 1 << 20;
  auto reader =
      ParquetReader::Open(MakeStringRangeSource(std::string(reinterpret_cast<const char*>(data), size), "fuzz"), ro);
  if (!reader.ok()) return 0;
  std::string text;
  InspectParquet(**reader, &text);
  for (size_t c = 0; c < (*reader)->columns().size(); ++c) {
    ReadOptions o;
    o.columns = {(*reader)->columns()[c].field.name};
    for (int g = 0; g < (*reader)->num_row_groups() && g < 8; ++g) (void)(*reader)->ReadRowGroup(g, o);
  }
  ReadOptions ranged;
  ranged.row_offset = 3;
  ranged.row_limit = 50;
  ranged.time_range = TimeRange{"", 0, INT64_MAX / 2};
  (void)(*reader)->Read(ranged);
  return 0;
}
