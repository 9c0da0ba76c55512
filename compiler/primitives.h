// The procedures the compiler turns into VM instructions at the call site (docs/LISP.md
// lists them). The rest of the library is the prelude, written in the language itself.
#pragma once
#include <string_view>

namespace pw::lisp {

struct Primitive {
  std::string_view name;
  int min_args;
  int max_args;     // -1: any number
  bool boolean;     // the result is always #t or #f: a test can branch on it directly
  int value_arity;  // arity of the procedure when it is used as a value
};

// The primitive called [name], or nullptr.
const Primitive* find_primitive(std::string_view name);

}  // namespace pw::lisp
