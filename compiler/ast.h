// The compiler's tree: the reader's data after special forms are recognised and every
// variable is resolved to its binding. Derived forms (cond, case, when, let*, do, ...) are
// already rewritten into the few core nodes below; each node keeps the source position of
// the form it came from, for the debug information.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compile_error.h"
#include "reader.h"

namespace pw::lisp {

struct GlobalDef;
struct Lambda;
struct Node;
using NodeP = std::unique_ptr<Node>;

// A variable bound by lambda, let, letrec, an internal define or a loop.
struct Binding {
  std::string name;  // as written
  SourcePos pos;
  Lambda* owner = nullptr;            // the function whose frame holds it
  bool mutated = false;               // set! somewhere
  bool captured = false;              // referenced from a nested lambda
  bool captured_before_init = false;  // letrec: a closure made before the value exists
  Lambda* known = nullptr;            // bound once to this lambda and never set!
  bool loop_label = false;            // the name of a named let compiled as a loop
  struct Loop* loop = nullptr;        // ... that loop
  // Filled by the code generator.
  std::string asm_name;

  // A closure that captures it and a set! to it must share one place: a box (a pair).
  bool boxed() const { return captured && (mutated || captured_before_init); }
};

enum class NodeKind {
  Const,        // datum (an atom, or a quoted list or vector)
  LocalRef,     // binding
  GlobalRef,    // name
  LocalSet,     // binding = value
  GlobalSet,    // name = value (define or set!)
  If,           // test then else
  Lambda,       // lambda
  Call,         // fn args...
  Prim,         // an operation of the VM or the prelude: name args...
  Seq,          // exprs...: the last one's value
  Let,          // bindings = inits (in parallel), then body
  Loop,         // loop vars = inits, then body, in which Recur jumps back
  Recur,        // the loop's next iteration with new values
  And,          // exprs...
  Or,           // exprs...
  Guard,        // body, handler (binding is the raised value)
  Unspecified,  // the value of a form that has none
};

struct Loop {
  std::vector<Binding*> vars;
  std::vector<Node*> recurs;  // the jumps back
  // A do loop: its body is (if TEST EXIT (begin COMMAND... RECUR)), which the code
  // generator lays out with the test at the bottom.
  bool from_do = false;
  std::string top_label;  // filled by the code generator
};

struct Node {
  NodeKind kind;
  SourcePos pos;
  Datum datum;                     // Const
  Binding* binding = nullptr;      // LocalRef, LocalSet, Guard
  GlobalDef* global = nullptr;     // GlobalRef, GlobalSet
  std::string name;                // Prim: the operation
  std::vector<NodeP> kids;         // operands, in evaluation order
  std::vector<Binding*> bindings;  // Let
  Lambda* lambda = nullptr;        // Lambda
  Loop* loop = nullptr;            // Loop, Recur
  bool is_define = false;          // GlobalSet from a define

  Node(NodeKind k, SourcePos p) : kind(k), pos(p) {}
};

struct Lambda {
  std::string name;  // source name: the variable it is bound to, or lambda@file:line
  SourcePos pos;
  std::vector<Binding*> params;  // the rest parameter last, when there is one
  bool rest = false;
  NodeP body;
  Lambda* parent = nullptr;
  std::vector<Binding*> free;  // bindings of enclosing lambdas it refers to, first use first
  bool from_prelude = false;
  // Filled by analysis and the code generator.
  bool liftable = false;  // needs no closure: every free binding is a liftable known lambda
  std::vector<Binding*> captures;
  std::string asm_name;
};

}  // namespace pw::lisp
