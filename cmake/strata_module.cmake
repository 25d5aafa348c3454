# strata_warnings(target): our code builds warning-free.
function(strata_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers
    # GCC 12 reports false -Wrestrict positives on std::string concatenation (GCC PR 105329).
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
endfunction()

# strata_test_options(target): test code itself needs no -O3 (the code it tests has it); -O1
# compiles test files about 25% faster and still runs them quickly.
# In the sanitizer trees test code has no debug info: its line tables were 25-35% of a test batch's
# compile (clang + ASan: db_test 12.2-13.2 s of CPU with -g1, 8.5-11.3 s without; an e2e batch
# 18-22 s against 14-17 s). A failed assertion still names its file and line (gtest's __FILE__ and
# __LINE__); a sanitizer report keeps file:line in the engine's frames and the function name in the
# test's. STRATA_FULL_DEBUG_INFO=ON keeps it.
function(strata_test_options target)
  strata_warnings(${target})
  target_compile_options(${target} PRIVATE $<$<CONFIG:RelWithDebInfo>:-O1>)
  if((STRATA_SANITIZE OR STRATA_TSAN) AND NOT STRATA_FULL_DEBUG_INFO)
    target_compile_options(${target} PRIVATE -g0)
  endif()
endfunction()

# strata_module(NAME DEPS ...): library strata_NAME from src/NAME/*.cc and test binary
# strata_NAME_test from src/NAME/*_test.cc. Test files are globbed, so a test that exists
# is a test that runs: none can be left unregistered.
function(strata_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  set(dir ${PROJECT_SOURCE_DIR}/src/${name})
  file(GLOB all_sources CONFIGURE_DEPENDS ${dir}/*.cc)
  file(GLOB test_sources CONFIGURE_DEPENDS ${dir}/*_test.cc)
  set(lib_sources ${all_sources})
  if(test_sources)
    list(REMOVE_ITEM lib_sources ${test_sources})
  endif()
  list(REMOVE_ITEM lib_sources ${dir}/main.cc)
  if(NOT lib_sources AND NOT test_sources)
    return()
  endif()
  if(lib_sources)
    add_library(strata_${name} STATIC ${lib_sources})
    if(STRATA_PYTHON)  # linked into the extension, a shared object (CMakeLists.txt)
      set_target_properties(strata_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    endif()
    target_include_directories(strata_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(strata_${name} PUBLIC ${M_DEPS} Threads::Threads)
  else()
    add_library(strata_${name} INTERFACE)
    target_include_directories(strata_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(strata_${name} INTERFACE ${M_DEPS} Threads::Threads)
  endif()
  if(lib_sources)
    strata_warnings(strata_${name})
    if(name IN_LIST STRATA_SANITIZE_O1_MODULES)  # the sanitized tree's hot loops (CMakeLists.txt)
      target_compile_options(strata_${name} PRIVATE -O1)
    endif()
    if(name IN_LIST STRATA_FUZZ_MODULES)  # what the fuzzers cover (CMakeLists.txt, STRATA_FUZZ)
      target_compile_options(strata_${name} PRIVATE -fsanitize=fuzzer-no-link)
    endif()
  endif()
  if(test_sources)
    add_executable(strata_${name}_test ${test_sources})
    target_link_libraries(strata_${name}_test PRIVATE strata_${name} strata_testutil GTest::gtest_main GTest::gmock)
    strata_test_options(strata_${name}_test)
    add_test(NAME ${name} COMMAND strata_${name}_test)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "STRATA_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared")
  endif()
endfunction()
