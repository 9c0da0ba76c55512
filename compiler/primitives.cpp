#include "primitives.h"

#include <array>

namespace pw::lisp {
namespace {

constexpr int kAny = -1;

constexpr std::array kPrimitives{
    // arithmetic
    Primitive{"+", 0, kAny, false, 2},
    Primitive{"-", 1, kAny, false, 2},
    Primitive{"*", 0, kAny, false, 2},
    Primitive{"modulo", 2, 2, false, 2},
    // comparison
    Primitive{"=", 1, kAny, true, 2},
    Primitive{"<", 1, kAny, true, 2},
    Primitive{">", 1, kAny, true, 2},
    Primitive{"<=", 1, kAny, true, 2},
    Primitive{">=", 1, kAny, true, 2},
    Primitive{"eq?", 2, 2, true, 2},
    Primitive{"eqv?", 2, 2, true, 2},
    Primitive{"not", 1, 1, true, 1},
    Primitive{"zero?", 1, 1, true, 1},
    Primitive{"positive?", 1, 1, true, 1},
    Primitive{"negative?", 1, 1, true, 1},
    Primitive{"even?", 1, 1, true, 1},
    Primitive{"odd?", 1, 1, true, 1},
    // types
    Primitive{"null?", 1, 1, true, 1},
    Primitive{"pair?", 1, 1, true, 1},
    Primitive{"boolean?", 1, 1, true, 1},
    Primitive{"symbol?", 1, 1, true, 1},
    Primitive{"string?", 1, 1, true, 1},
    Primitive{"vector?", 1, 1, true, 1},
    Primitive{"integer?", 1, 1, true, 1},
    Primitive{"exact?", 1, 1, true, 1},
    Primitive{"inexact?", 1, 1, true, 1},
    Primitive{"eof-object?", 1, 1, true, 1},
    // pairs
    Primitive{"cons", 2, 2, false, 2},
    Primitive{"car", 1, 1, false, 1},
    Primitive{"cdr", 1, 1, false, 1},
    Primitive{"caar", 1, 1, false, 1},
    Primitive{"cadr", 1, 1, false, 1},
    Primitive{"cdar", 1, 1, false, 1},
    Primitive{"cddr", 1, 1, false, 1},
    Primitive{"caddr", 1, 1, false, 1},
    Primitive{"cdddr", 1, 1, false, 1},
    Primitive{"set-car!", 2, 2, false, 2},
    Primitive{"set-cdr!", 2, 2, false, 2},
    Primitive{"list", 0, kAny, false, -1},
    // vectors
    Primitive{"vector", 0, kAny, false, -1},
    Primitive{"make-vector", 1, 2, false, 1},
    Primitive{"vector-ref", 2, 2, false, 2},
    Primitive{"vector-set!", 3, 3, false, 3},
    Primitive{"vector-length", 1, 1, false, 1},
    // strings
    Primitive{"string-length", 1, 1, false, 1},
    Primitive{"string-append", 0, kAny, false, 2},
    Primitive{"string-ref", 2, 2, false, 2},
    Primitive{"number->string", 1, 1, false, 1},
    Primitive{"symbol->string", 1, 1, false, 1},
    Primitive{"string=?", 2, 2, true, 2},
    Primitive{"string<?", 2, 2, true, 2},
    Primitive{"string>?", 2, 2, true, 2},
    // the world
    Primitive{"newline", 0, 0, false, 0},
    Primitive{"read-line", 0, 0, false, 0},
    Primitive{"random", 1, 1, false, 1},
    Primitive{"raise", 1, 1, false, 1},
    Primitive{"exit", 0, 1, false, 1},
    // for the prelude: the VM operations it is written with
    Primitive{"%host-write", 1, 1, false, 1},
    Primitive{"%floor-div", 2, 2, false, 2},
    Primitive{"%function?", 1, 1, true, 1},
    Primitive{"%closure?", 1, 1, true, 1},
};

}  // namespace

const Primitive* find_primitive(std::string_view name) {
  for (const Primitive& p : kPrimitives)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace pw::lisp
