#include "test_paths.h"

namespace pwtest {

const TestPaths& test_paths() {
  static const TestPaths paths{PWT_PWVM,     PWT_PWREPLAY, PWT_EXAMPLES, PWT_BENCH,
                               PWT_PROGRAMS, PWT_TRACES,   PWT_SHARE,    PWT_LISP_TESTS};
  return paths;
}

}  // namespace pwtest
