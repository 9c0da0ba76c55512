// The code generator: a parsed Module to the VM's assembly text, with debug directives.
#pragma once
#include <string>

#include "module.h"

namespace pw::lisp {

// The whole program as .pwa text that the assembler reads back. Throws CompileError
// (a call with the wrong number of arguments to a known procedure, for one).
std::string generate_assembly(Module& m);

}  // namespace pw::lisp
