// libFuzzer target for the SQL front end (lexer, parser, printer). Built and run by
// tools/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined); not part of the CMake build. A
// bounded seeded mutation run of the same checks is part of the unit tests
// (parser_errors_test.cc, MutatedQueriesNeverCrashAndStillRoundTrip).
//
// Oracle beyond the sanitizers: every error starts with "line L, column C: "; every statement
// ParseScript accepts prints (ToSql) to text that ParseStatement accepts, giving a tree
// SameStatement as the first, whose printing is the same text (a fixed point); SplitStatements
// finds as many statements as ParseScript.
//
// Seeds: STRATA_FUZZ_WRITE_SEEDS=DIR ./sql_parser_fuzzer writes queries covering every construct
// of the dialect (src/sql/README.md) to DIR and exits; tools/fuzz.sh does this before each run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sql/lexer.h"
#include "sql/parser.h"
#include "sql/printer.h"
#include "strata/file_system.h"

namespace {

using namespace strata;
using namespace strata::sql;

void WriteSeeds(const std::string& dir) {
  const std::vector<std::string> seeds = {
      "SELECT symbol, avg(price) AS ap, count(*) n FROM trades AS t WHERE ts >= TIMESTAMP '2026-03-02 14:30:00' "
      "AND size >= 100 GROUP BY symbol, 2 HAVING count(*) > 10 ORDER BY ap DESC NULLS LAST, 1 LIMIT 10 OFFSET 5;",
      "SELECT a + b * -c, (a + b) * c, NOT a = 1 OR b AND NOT c, -9223372036854775808, 1.5e-3, .5, $1",
      "SELECT CASE WHEN a > 1 THEN 'x''y' WHEN a IS NULL THEN NULL ELSE 'z' END, CASE s WHEN 'B' THEN 1 END",
      "SELECT CAST(x AS DOUBLE PRECISION), x::decimal(18, 4), y::timestamp with time zone, DATE '2026-03-02'",
      "SELECT a IN (1, 2), b NOT BETWEEN 1 AND 2, c IS NOT NULL, d NOT ILIKE 'a%', e || 'f', TRUE, FALSE",
      "SELECT count(DISTINCT symbol), time_bucket(INTERVAL '1 minute', ts), date_trunc('minute', ts), "
      "INTERVAL '5' MINUTE, INTERVAL '1 hour 30 minutes', EXTRACT(hour FROM ts), sum(price * size) / sum(size)",
      "WITH b AS (SELECT symbol, max(ts) AS mt FROM trades GROUP BY symbol), c(x) AS (SELECT 1) SELECT * FROM "
      "(SELECT * FROM trades) tr JOIN b ON tr.symbol = b.symbol LEFT OUTER JOIN ref r USING (symbol)",
      "SELECT * FROM trades t ASOF JOIN quotes q ON t.symbol = q.symbol AND t.ts >= q.ts",
      "SELECT * FROM trades ASOF JOIN quotes ON (symbol) WHERE price > 1",
      "SELECT ts, first(price), last(price) FROM trades WHERE symbol = 'AAPL' SAMPLE BY 5m FILL(NULL, PREV, "
      "LINEAR, -1.5) ALIGN TO CALENDAR",
      "SELECT * FROM trades LATEST ON ts PARTITION BY symbol, venue",
      "SHOW TABLES; DESCRIBE \"My Table\"; EXPLAIN ANALYZE SELECT 1",
      "INSERT INTO trades (ts, symbol, price) VALUES (TIMESTAMP '2026-03-02', 'A', 1.5), ($1, $2, $3)",
      "INSERT INTO t SELECT * FROM u -- comment\n/* block /* nested */ */",
      "SELECT t.*, \"Price\", pg_catalog.version() FROM information_schema.tables t",
      "SELECT avg(x) OVER (PARTITION BY s) FROM t RIGHT JOIN u ON 1 = 1 UNION SELECT DISTINCT ON (a) a",
  };
  FileSystem* fs = DefaultFileSystem();
  if (!fs->CreateDirs(dir).ok()) std::abort();
  for (size_t i = 0; i < seeds.size(); ++i) {
    if (!fs->WriteFileAtomic(dir + "/seed-" + std::to_string(i) + ".sql", seeds[i]).ok()) std::abort();
  }
}

void CheckError(const Status& st) {
  if (st.message().rfind("line ", 0) != 0) std::abort();  // every error names its position
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* out = std::getenv("STRATA_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(out);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto script = ParseScript(text);
  auto split = SplitStatements(text);
  if (!split.ok()) {
    CheckError(split.status());
    if (script.ok()) std::abort();  // a text the lexer refuses cannot parse
  }
  if (!script.ok()) {
    CheckError(script.status());
  } else {
    if (!split.ok() || split->size() != script->size()) std::abort();
    for (const Statement& s : *script) {
      const std::string printed = ToSql(s);
      auto again = ParseStatement(printed);
      if (!again.ok() || !SameStatement(s, *again) || ToSql(*again) != printed) std::abort();
    }
  }
  auto expr = ParseExpression(text);
  if (!expr.ok()) CheckError(expr.status());
  return 0;
}
