// A whole .pwl program after the syntax pass: its top-level definitions, the functions of
// the prelude it may use, and the owner of every node, binding and lambda.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ast.h"

namespace pw::lisp {

// A top-level definition: a global variable, or a function when it is defined once to a
// lambda and never set!.
struct GlobalDef {
  std::string name;
  SourcePos pos;
  bool from_prelude = false;
  int definitions = 0;
  bool mutated = false;      // set! somewhere
  Lambda* lambda = nullptr;  // the lambda of its (first) definition, if it is one
  NodeP init;                // a prelude variable: its value, made before the program starts
  // Filled by the code generator: whether anything uses it, and its assembly names.
  bool used = false;
  std::string global_asm;

  Lambda* known() const { return definitions == 1 && !mutated ? lambda : nullptr; }
};

struct Module {
  std::string file;
  std::string source;
  Lambda* main = nullptr;                            // the top-level forms, in order
  std::map<std::string, GlobalDef> globals;          // the program's own
  std::map<std::string, GlobalDef> prelude_globals;  // the prelude's
  std::vector<std::unique_ptr<Binding>> bindings;
  std::vector<std::unique_ptr<Lambda>> lambdas;
  std::vector<std::unique_ptr<Loop>> loops;
  // Quoted lists and vectors: made once, before the program's first form, into globals.
  std::vector<const Node*> quoted;

  Binding* new_binding(std::string name, SourcePos pos, Lambda* owner) {
    bindings.push_back(std::make_unique<Binding>());
    Binding* b = bindings.back().get();
    b->name = std::move(name);
    b->pos = pos;
    b->owner = owner;
    return b;
  }
  Lambda* new_lambda() {
    lambdas.push_back(std::make_unique<Lambda>());
    return lambdas.back().get();
  }
  Loop* new_loop() {
    loops.push_back(std::make_unique<Loop>());
    return loops.back().get();
  }
};

// Reads [source] and turns it into a Module: special forms recognised, variables resolved,
// arity of known procedures checked. Throws CompileError.
std::unique_ptr<Module> parse_module(std::string_view source, const std::string& file);

}  // namespace pw::lisp
