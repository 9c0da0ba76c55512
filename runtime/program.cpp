// Program lookups and structural comparison.
#include "program.h"

#include <cstring>

namespace pw {

int Program::find_function(const std::string& name) const {
  for (std::size_t i = 0; i < functions.size(); ++i)
    if (functions[i].name == name) return static_cast<int>(i);
  // A compiled program's functions also answer to their source names (the first one wins).
  for (std::size_t i = 0; i < functions.size(); ++i)
    if (!name.empty() && functions[i].source_name == name) return static_cast<int>(i);
  return -1;
}

const std::string& Program::function_label(std::uint32_t fn) const {
  const Function& f = functions[fn];
  if (f.source_name.empty()) return f.name;
  for (std::size_t i = 0; i < functions.size(); ++i)
    if (i != fn && functions[i].display_name() == f.source_name) return f.name;
  return f.source_name;
}

int Program::find_global(const std::string& name) const {
  for (std::size_t i = 0; i < globals.size(); ++i)
    if (globals[i] == name) return static_cast<int>(i);
  return -1;
}

std::string Program::source_line(std::uint32_t line) const {
  if (line == 0) return {};
  std::size_t pos = 0;
  for (std::uint32_t n = 1; n < line; ++n) {
    pos = source.find('\n', pos);
    if (pos == std::string::npos) return {};
    ++pos;
  }
  std::size_t end = source.find('\n', pos);
  return source.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

namespace {

const Constant* constant_at(const Program& p, std::int64_t k) {
  return k >= 0 && static_cast<std::size_t>(k) < p.constants.size() ? &p.constants[static_cast<std::size_t>(k)]
                                                                     : nullptr;
}

// Constants compare by content (symbols by name), not by pool position.
bool same_constant(const Program& a, const Constant* x, const Program& b, const Constant* y) {
  if (!x || !y) return x == y;
  if (x->type != y->type) return false;
  if (x->type == ValueType::Symbol) return a.symbols[x->sym] == b.symbols[y->sym];
  return x->i == y->i && std::memcmp(&x->f, &y->f, sizeof(double)) == 0 && x->b == y->b && x->text == y->text;
}

}  // namespace

bool same_code(const Program& a, const Program& b) {
  if (a.functions.size() != b.functions.size() || a.entry != b.entry || a.globals != b.globals ||
      a.global_inits.size() != b.global_inits.size())
    return false;
  for (std::size_t g = 0; g < a.global_inits.size(); ++g)
    if (!same_constant(a, constant_at(a, a.global_inits[g]), b, constant_at(b, b.global_inits[g]))) return false;
  for (std::size_t i = 0; i < a.functions.size(); ++i) {
    const Function& f = a.functions[i];
    const Function& g = b.functions[i];
    if (f.name != g.name || f.arity != g.arity || f.rest != g.rest || f.locals != g.locals || f.captures != g.captures ||
        f.code.size() != g.code.size())
      return false;
    for (std::size_t k = 0; k < f.code.size(); ++k) {
      const Instr& x = f.code[k];
      const Instr& y = g.code[k];
      if (x.op != y.op || x.a != y.a) return false;
      if (op_info(x.op).operand == OperandKind::Const) {
        if (!same_constant(a, constant_at(a, x.b), b, constant_at(b, y.b))) return false;
      } else if (x.b != y.b) {
        return false;
      }
    }
  }
  return true;
}

bool same_debug_info(const Program& a, const Program& b) {
  if (a.source_name != b.source_name || a.source != b.source || a.compiled != b.compiled ||
      a.functions.size() != b.functions.size())
    return false;
  for (std::size_t i = 0; i < a.functions.size(); ++i) {
    const Function& f = a.functions[i];
    const Function& g = b.functions[i];
    if (f.lines != g.lines || f.columns != g.columns || f.line != g.line || f.source_name != g.source_name ||
        f.vars != g.vars)
      return false;
  }
  return true;
}

}  // namespace pw
