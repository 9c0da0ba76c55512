// The text of the prelude (prelude.pwl), built into the compiler.
#pragma once
#include <string_view>

namespace pw::lisp {

std::string_view prelude_source();

}  // namespace pw::lisp
