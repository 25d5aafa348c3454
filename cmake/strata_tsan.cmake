# ThreadSanitizer build of the tests that run threads (STRATA_TSAN=ON). ./strata.sh test builds
# only the target strata_tsan_tests in build-tsan and runs `ctest -L tsan` there; the other
# targets of such a tree are never built. Each binary is made of the test files that start
# threads, filtered to their threaded tests, so the tree compiles the libraries and a few test
# files, not every test. A new src/<module>/*_concurrency_test.cc joins its module's binary by
# itself; threaded tests in other files are listed here.

add_custom_target(strata_tsan_tests)

# strata_tsan_test(NAME LIBS lib... SOURCES file... [FILTER gtest-filter])
function(strata_tsan_test name)
  cmake_parse_arguments(T "" "FILTER" "LIBS;SOURCES" ${ARGN})
  add_executable(${name} EXCLUDE_FROM_ALL ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} strata_testutil GTest::gtest_main GTest::gmock)
  strata_test_options(${name})
  set(args)
  if(T_FILTER)
    set(args --gtest_filter=${T_FILTER})
  endif()
  add_test(NAME ${name} COMMAND ${name} ${args})
  set_tests_properties(${name} PROPERTIES LABELS tsan
    ENVIRONMENT "STRATA_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared;TSAN_OPTIONS=halt_on_error=1 second_deadlock_stack=1")
  add_dependencies(strata_tsan_tests ${name})
endfunction()

# strata_tsan_module_test(MODULE [SOURCES extra...] [FILTER f]): the module's *_concurrency_test.cc
# plus the extra test files, against strata_MODULE.
function(strata_tsan_module_test module)
  cmake_parse_arguments(T "" "FILTER" "SOURCES" ${ARGN})
  file(GLOB concurrency CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${module}/*_concurrency_test.cc)
  set(sources ${concurrency})
  foreach(s ${T_SOURCES})
    list(APPEND sources ${PROJECT_SOURCE_DIR}/${s})
  endforeach()
  if(NOT sources)
    return()
  endif()
  set(filter)
  if(T_FILTER)
    # The concurrency test files run whole; the filter picks the threaded tests of the others.
    set(filter "*Concurren*:${T_FILTER}")
  endif()
  strata_tsan_test(tsan_${module}_test LIBS strata_${module} SOURCES ${sources} FILTER "${filter}")
endfunction()

# Every src/<module>/*_concurrency_test.cc, whatever its module.
file(GLOB tsan_concurrency_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/*/*_concurrency_test.cc)
set(tsan_modules)
foreach(f ${tsan_concurrency_files})
  get_filename_component(dir ${f} DIRECTORY)
  get_filename_component(module ${dir} NAME)
  list(APPEND tsan_modules ${module})
endforeach()
# Modules with threaded tests outside a *_concurrency_test.cc, and those tests (no filter: the
# whole file, all small).
set(tsan_hot_sources src/hot/chunk_pool_test.cc)
set(tsan_wal_sources src/wal/wal_writer_test.cc src/wal/wal_fault_test.cc)
set(tsan_io_sources src/io/fault_injection_fs_durability_test.cc)
set(tsan_io_filter "PowerLossTest.Concurrent*")
set(tsan_artifacts_sources src/artifacts/model_store_test.cc)
set(tsan_artifacts_filter "ModelStoreTest.Cache*")
set(tsan_db_sources src/db/database_test.cc)
set(tsan_db_filter "DatabaseTest.OneWriterManyReaders:DatabaseTest.Concurrent*:FlushTriggerTest.*")
# LivePositions' snapshots go through the SnapshotWriter thread (the books' through the concurrency test).
set(tsan_state_sources src/state/live_positions_test.cc)
set(tsan_state_filter "LivePositions.EqualsAReplayLiveAndAfterARestartFromSnapshots")
list(APPEND tsan_modules hot wal io artifacts db state)
list(REMOVE_DUPLICATES tsan_modules)
foreach(module ${tsan_modules})
  strata_tsan_module_test(${module} SOURCES ${tsan_${module}_sources} FILTER "${tsan_${module}_filter}")
endforeach()

# End-to-end: appends and scans during flushes, a scan cursor beside a migration, a row group's
# columns decoded on several threads (which also covers the Parquet reader's parallel decoding).
# Linked without strata_cli, which they do not use: the tree then never compiles the CLI.
set(tsan_e2e_libs strata_db strata_query strata_gen)
strata_tsan_test(tsan_tier_lake_test LIBS ${tsan_e2e_libs} SOURCES ${PROJECT_SOURCE_DIR}/tests/tier_lake_test.cc
  FILTER "TierLakeTest.AppendsDuringFlushes*:TierLakeTest.BackgroundFlusher*:TierLakeTest.ReadOnlyProcess*")
strata_tsan_test(tsan_query_tiers_test LIBS ${tsan_e2e_libs} SOURCES ${PROJECT_SOURCE_DIR}/tests/query_tiers_test.cc
  FILTER "ScanLakeTest.Cursor*:ScanLakeTest.ParallelDecoding*")
# Backups taken while a writer appends and flushes (the backup copies on several threads).
strata_tsan_test(tsan_backup_concurrent_test LIBS strata_db strata_backup SOURCES
  ${PROJECT_SOURCE_DIR}/tests/backup_concurrent_test.cc)
