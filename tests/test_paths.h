// Where the tests find the built tools and the files of the source tree.
//
// The paths are compiled into test_paths.cpp alone. As -D flags on every test file they put
// the checkout's directory into each object's compile command, so a clone elsewhere (CI
// builds a fresh one) could reuse none of them from the compiler cache.
#pragma once

namespace pwtest {

struct TestPaths {
  const char* pwvm;        // the built pwvm
  const char* pwreplay;    // the built pwreplay
  const char* examples;    // examples/
  const char* bench;       // bench/
  const char* programs;    // tests/programs/
  const char* traces;      // traces/
  const char* share;       // the build's man pages and completion scripts
  const char* lisp_tests;  // tests/lisp/
};
const TestPaths& test_paths();

}  // namespace pwtest

#define PWVM_BINARY (::pwtest::test_paths().pwvm)
#define PWREPLAY_BINARY (::pwtest::test_paths().pwreplay)
#define EXAMPLES_DIR (::pwtest::test_paths().examples)
#define BENCH_DIR (::pwtest::test_paths().bench)
#define PROGRAMS_DIR (::pwtest::test_paths().programs)
#define TRACES_DIR (::pwtest::test_paths().traces)
#define SHARE_DIR (::pwtest::test_paths().share)
#define LISP_TESTS_DIR (::pwtest::test_paths().lisp_tests)
