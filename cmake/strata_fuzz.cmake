# libFuzzer targets (STRATA_FUZZ=ON, in the ASan + UBSan tree; tools/fuzz.sh builds the target
# strata_fuzzers and runs them). Each fuzzer links the tree's libraries of the modules it covers
# (instrumented for coverage, CMakeLists.txt) plus the single files it needs from modules whose
# libraries would drag in the whole engine (the WAL record codec from src/db, the safetensors
# header parser, the SQL parser without its binder, the ILP parser, the PG wire decoders).

add_custom_target(strata_fuzzers)

# strata_fuzzer(NAME SOURCES file... LIBS lib...): strata_NAME_fuzzer, sources relative to the root.
function(strata_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  list(TRANSFORM F_SOURCES PREPEND ${PROJECT_SOURCE_DIR}/)
  add_executable(strata_${name}_fuzzer EXCLUDE_FROM_ALL ${F_SOURCES})
  # One translation unit per file: the fuzzer's own sources are few, and a unity batch would put
  # files of different modules (and their anonymous namespaces) together.
  set_target_properties(strata_${name}_fuzzer PROPERTIES UNITY_BUILD OFF)
  target_compile_options(strata_${name}_fuzzer PRIVATE -O1 -fsanitize=fuzzer-no-link)
  target_link_options(strata_${name}_fuzzer PRIVATE -fsanitize=fuzzer)
  target_link_libraries(strata_${name}_fuzzer PRIVATE ${F_LIBS})
  strata_warnings(strata_${name}_fuzzer)
  add_dependencies(strata_fuzzers strata_${name}_fuzzer)
endfunction()

strata_fuzzer(parquet SOURCES src/parquet/fuzz/parquet_reader_fuzzer.cc LIBS strata_parquet)
strata_fuzzer(csv SOURCES src/csv/fuzz/csv_reader_fuzzer.cc LIBS strata_csv)
strata_fuzzer(wal SOURCES src/wal/fuzz/wal_fuzzer.cc src/db/wal_record.cc LIBS strata_wal)
strata_fuzzer(safetensors SOURCES src/artifacts/fuzz/safetensors_fuzzer.cc src/artifacts/safetensors.cc LIBS strata_io)
# Not src/sql/binder.cc: the binder needs the engine (src/query and below); the fuzzer is the parser.
strata_fuzzer(sql
  SOURCES src/sql/fuzz/sql_parser_fuzzer.cc src/sql/ast.cc src/sql/lexer.cc src/sql/literal.cc src/sql/parser.cc
          src/sql/parser_expr.cc src/sql/printer.cc
  LIBS strata_io)
strata_fuzzer(ilp SOURCES src/ilp/fuzz/ilp_fuzzer.cc src/ilp/parser.cc LIBS strata_core)
strata_fuzzer(pgwire SOURCES src/pgwire/fuzz/pgwire_message_fuzzer.cc src/pgwire/protocol.cc LIBS strata_io)
