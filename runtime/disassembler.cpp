// The disassembler, one helper per operand kind; its output assembles to the same program.
// A compiled program's listing also shows its source: each source line before the code made
// from it, and each instruction's line:column.
#include "disassembler.h"

#include <set>

#include <fmt/format.h>

#include "assembler.h"
#include "host.h"
#include "printable.h"

namespace pw {
namespace {

std::string literal(const Program& p, const Constant& c) {
  switch (c.type) {
    case ValueType::Int: return fmt::format("{}", c.i);
    case ValueType::Float: {
      std::string s = fmt::format("{}", c.f);
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      return s;
    }
    case ValueType::String: return quoted(c.text);
    case ValueType::Symbol: {
      const std::string& name = p.symbols[c.sym];
      std::string symbol = "'";
      symbol += is_name(name) ? name : quoted(name);
      return symbol;
    }
    case ValueType::Bool: return c.b ? "true" : "false";
    default: return "nil";
  }
}

// The name a jump target is printed with: the source's label, or L<index>.
std::string label_name(const Function& fn, std::int64_t target) {
  auto it = fn.labels.find(static_cast<std::uint32_t>(target));
  if (it != fn.labels.end()) return it->second;
  return fmt::format("L{}", target);
}

std::string local_name(const Function& fn, std::uint16_t a) {
  return a < fn.locals.size() ? fn.locals[a] : fmt::format("?local{}", a);
}

}  // namespace

std::string disassemble_instruction(const Program& p, const Function& fn, std::uint32_t ip) {
  const Instr& in = fn.code[ip];
  const OpInfo& info = op_info(in.op);
  const std::string m(info.mnemonic);
  switch (info.operand) {
    case OperandKind::None: return m;
    case OperandKind::Imm: return fmt::format("{} {}", m, in.b);
    case OperandKind::Const: return fmt::format("{} {}", m, literal(p, p.constants[static_cast<std::size_t>(in.b)]));
    case OperandKind::Func: return fmt::format("{} {}", m, p.functions[static_cast<std::size_t>(in.b)].name);
    case OperandKind::Local: return fmt::format("{} {}", m, local_name(fn, in.a));
    case OperandKind::LocalImm: return fmt::format("{} {} {}", m, local_name(fn, in.a), in.b);
    case OperandKind::LocalJump: return fmt::format("{} {} {}", m, local_name(fn, in.a), label_name(fn, in.b));
    case OperandKind::Global: return fmt::format("{} {}", m, p.globals[in.a]);
    case OperandKind::Capture: return fmt::format("{} {}", m, fn.captures[in.a]);
    case OperandKind::Jump: return fmt::format("{} {}", m, label_name(fn, in.b));
    case OperandKind::Argc: return fmt::format("{} {}", m, in.a);
    case OperandKind::Type: return fmt::format("{} {}", m, type_name(static_cast<ValueType>(in.a)));
    case OperandKind::Host: return fmt::format("{} {}", m, host_fn_info(static_cast<HostFn>(in.a)).name);
  }
  return m;
}

std::string disassemble(const Program& p) {
  std::string out = fmt::format("; {}\n", p.source_name.empty() ? "program" : p.source_name);
  out += fmt::format("entry {}\n", p.functions[p.entry].name);
  for (std::size_t g = 0; g < p.globals.size(); ++g) {
    const std::int32_t init = g < p.global_inits.size() ? p.global_inits[g] : -1;
    if (init >= 0) out += fmt::format("global {} = {}\n", p.globals[g], literal(p, p.constants[static_cast<std::size_t>(init)]));
    else out += fmt::format("global {}\n", p.globals[g]);
  }
  for (const Function& fn : p.functions) {
    out += "\n";
    std::string params;
    for (std::uint32_t i = 0; i < fn.arity; ++i) params += (i ? ", " : "") + fn.locals[i];
    out += fmt::format("func {}({})", fn.name, params);
    if (!fn.captures.empty()) {
      std::string caps;
      for (std::size_t i = 0; i < fn.captures.size(); ++i) caps += (i ? ", " : "") + fn.captures[i];
      out += fmt::format(" captures({})", caps);
    }
    if (p.compiled && fn.display_name() != fn.name) out += fmt::format("  ; {}", printable(fn.display_name()));
    out += "\n";
    if (fn.rest) out += "  .rest\n";
    if (fn.locals.size() > fn.arity) {
      std::string locals;
      for (std::size_t i = fn.arity; i < fn.locals.size(); ++i) locals += (i > fn.arity ? ", " : "") + fn.locals[i];
      out += fmt::format("  local {}\n", locals);
    }
    // Every jump target gets a label line, named as in the source where it was named.
    std::set<std::uint32_t> targets;
    for (const Instr& in : fn.code) {
      const OperandKind k = op_info(in.op).operand;
      if (k == OperandKind::Jump || k == OperandKind::LocalJump) targets.insert(static_cast<std::uint32_t>(in.b));
    }
    for (const auto& [ip, name] : fn.labels) targets.insert(ip);
    for (std::uint32_t ip = 0; ip < fn.code.size(); ++ip) {
      if (targets.count(ip)) out += label_name(fn, ip) + ":\n";
      if (!p.compiled) {
        out += "  " + disassemble_instruction(p, fn, ip) + "\n";
        continue;
      }
      const std::uint32_t line = fn.line_at(ip);
      if (line != 0 && (ip == 0 || fn.line_at(ip - 1) != line))
        out += fmt::format("; {} | {}\n", line, printable(p.source_line(line)));
      const std::string text = disassemble_instruction(p, fn, ip);
      out += line == 0 ? fmt::format("  {}\n", text) : fmt::format("  {:<30} ; {}:{}\n", text, line, fn.column_at(ip));
    }
    // A label at the very end (after the last instruction) has nothing to mark; skip it.
    out += "end\n";
  }
  return out;
}

}  // namespace pw
