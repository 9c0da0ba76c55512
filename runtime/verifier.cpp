// The verifier. For each function it walks every path from the first instruction with the
// operand-stack depth (values above the locals) and the try blocks open on it, checking
// operands as it meets them:
// - no instruction pops more than the path has pushed,
// - every join point is reached with one depth and inside the same try blocks, and a handler
//   starts at its try's depth + 1,
// - exception handlers nest: end_try only closes a try of its own path (so a loop cannot
//   pile up handlers),
// - inside a try, the stack never stays below the depth it had at the try: the handler
//   restores that height, and a slot that was popped meanwhile could hold an object the
//   collector has freed since,
// - no path runs past the last instruction,
// and records the deepest depth as Function::max_stack, which the interpreter uses to check
// stack room once per call instead of on every push, and each instruction's entry depth and
// try scope, which a restored snapshot is checked against.
#include "verifier.h"

#include <map>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "host.h"

namespace pw {

VerifyError::VerifyError(std::string file_, std::uint32_t line_, std::string function_, std::uint32_t ip_,
                         std::string message_)
    : std::runtime_error(
          fmt::format("{}:{}: verify error in {} at instruction {}: {}", file_, line_, function_, ip_, message_)),
      file(std::move(file_)),
      line(line_),
      function(std::move(function_)),
      ip(ip_),
      message(std::move(message_)) {}

namespace {

class FunctionVerifier {
 public:
  FunctionVerifier(const Program& p, Function& fn)
      : p_(p), fn_(fn), depth_(fn.code.size(), -1), scope_(fn.code.size(), 0) {}

  void run() {
    if (fn_.code.empty()) fail(0, "function has no instructions");
    reach(0, 0, 0, 0);
    while (!work_.empty()) {
      const std::uint32_t ip = work_.back();
      work_.pop_back();
      step(ip);
    }
    fn_.max_stack = static_cast<std::uint32_t>(max_);
    fn_.entry_depth = std::move(depth_);
    fn_.entry_scope = std::move(scope_);
    fn_.try_scopes = std::move(scopes_);
  }

 private:
  [[noreturn]] void fail(std::uint32_t ip, const std::string& message) const {
    const std::uint32_t line = ip < fn_.lines.size() ? fn_.lines[ip] : fn_.line;
    throw VerifyError(p_.source_name, line, fn_.name, ip, message);
  }

  void reach(std::uint32_t from, std::int64_t target, int depth, std::uint32_t scope) {
    if (target < 0 || static_cast<std::size_t>(target) >= fn_.code.size())
      fail(from, target == static_cast<std::int64_t>(fn_.code.size())
                     ? "execution falls off the end of the function (add return, halt or jump)"
                     : fmt::format("jump target {} is outside the function (0..{})", target, fn_.code.size() - 1));
    std::int32_t& known = depth_[static_cast<std::size_t>(target)];
    std::uint32_t& known_scope = scope_[static_cast<std::size_t>(target)];
    if (known == -1) {
      known = depth;
      known_scope = scope;
      work_.push_back(static_cast<std::uint32_t>(target));
    } else if (known != depth) {
      fail(static_cast<std::uint32_t>(target),
           fmt::format("stack depth differs between paths: {} on one, {} on another", known, depth));
    } else if (known_scope != scope) {
      const int a = open_trys(known_scope), b = open_trys(scope);
      fail(static_cast<std::uint32_t>(target),
           a != b ? fmt::format("open try blocks differ between paths: {} on one, {} on another (close each try "
                                "with end_try before its paths join)",
                                a, b)
                  : "paths join inside different try blocks (close each try with end_try before its paths join)");
    }
  }

  int open_trys(std::uint32_t scope) const {
    int n = 0;
    for (; scope != 0; scope = scopes_[scope - 1].outer) ++n;
    return n;
  }

  // The scope a try at depth [depth] with handler [handler] opens inside [outer]: one number
  // per distinct scope, so two paths through equal trys join.
  std::uint32_t open_scope(std::uint32_t outer, std::uint32_t handler, int depth) {
    auto [it, added] = scope_ids_.try_emplace(std::make_tuple(outer, handler, depth),
                                              static_cast<std::uint32_t>(scopes_.size() + 1));
    if (added) scopes_.push_back({outer, handler, static_cast<std::uint32_t>(depth)});
    return it->second;
  }

  int callee_arity(std::uint32_t ip, std::int32_t f, bool as_closure) {
    if (f < 0 || static_cast<std::size_t>(f) >= p_.functions.size())
      fail(ip, fmt::format("function index {} out of range", f));
    const Function& callee = p_.functions[static_cast<std::size_t>(f)];
    if (!as_closure && !callee.captures.empty())
      fail(ip, fmt::format("{} captures values: make a closure of it with make_closure, then call that",
                           callee.name));
    return static_cast<int>(callee.arity);
  }

  void step(std::uint32_t ip) {
    const Instr& in = fn_.code[ip];
    if (static_cast<int>(in.op) >= kOpCount) fail(ip, fmt::format("opcode {} is not defined", static_cast<int>(in.op)));
    const OpInfo& info = op_info(in.op);
    int pops = info.pops;
    switch (info.operand) {
      case OperandKind::Const:
        if (in.b < 0 || static_cast<std::size_t>(in.b) >= p_.constants.size())
          fail(ip, fmt::format("constant index {} out of range", in.b));
        if (p_.constants[static_cast<std::size_t>(in.b)].type == ValueType::Nil ||
            p_.constants[static_cast<std::size_t>(in.b)].type == ValueType::Bool)
          fail(ip, "push_const of nil or a bool: use nil, true or false");
        break;
      case OperandKind::Func:
        if (in.op == Op::MAKE_CLOSURE) {
          callee_arity(ip, in.b, true);
          pops = static_cast<int>(p_.functions[static_cast<std::size_t>(in.b)].captures.size());
        } else {
          const int arity = callee_arity(ip, in.b, false);
          if (pops < 0) pops = arity;
        }
        break;
      case OperandKind::Local:
      case OperandKind::LocalImm:
        if (in.a >= fn_.local_count()) fail(ip, fmt::format("local index {} out of range", in.a));
        break;
      case OperandKind::LocalJump:
        if (in.a + 1u >= fn_.local_count())
          fail(ip, fmt::format("{} needs a limit in the local after {}: declare one more local", info.mnemonic,
                               in.a < fn_.locals.size() ? fn_.locals[in.a] : std::to_string(in.a)));
        break;
      case OperandKind::Global:
        if (in.a >= p_.globals.size()) fail(ip, fmt::format("global index {} out of range", in.a));
        break;
      case OperandKind::Capture:
        if (in.a >= fn_.captures.size())
          fail(ip, fmt::format("capture index {} out of range ({} captures nothing there)", in.a, fn_.name));
        break;
      case OperandKind::Argc: pops = in.a + 1; break;
      case OperandKind::Type:
        if (in.a >= kValueTypeCount) fail(ip, fmt::format("type {} is not defined", in.a));
        break;
      case OperandKind::Host:
        if (in.a >= kHostFnCount) fail(ip, fmt::format("host function {} is not defined", in.a));
        pops = host_fn_info(static_cast<HostFn>(in.a)).arity;
        break;
      case OperandKind::Imm:
        if ((in.op == Op::DIV_IMM || in.op == Op::MOD_IMM) && in.b == 0)
          fail(ip, fmt::format("{} 0 always divides by zero", info.mnemonic));
        break;
      default: break;
    }
    const int depth = depth_[ip];
    std::uint32_t scope = scope_[ip];
    if (in.op == Op::END_TRY) {
      if (scope == 0) fail(ip, "end_try without an open try on this path");
      scope = scopes_[scope - 1].outer;
    }
    if (depth < pops)
      fail(ip, fmt::format("stack underflow: {} needs {} value{}, the stack holds {}", info.mnemonic, pops,
                           pops == 1 ? "" : "s", depth));
    const int after = depth - pops + info.pushes;
    if (after > max_) max_ = after;
    if (depth + 1 > max_ && in.op == Op::TRY) max_ = depth + 1;  // the handler pushes the exception
    // Instructions that leave the frame (or the try, by throwing) may take what they like.
    if (scope != 0 && info.flow != Flow::End && after < static_cast<int>(scopes_[scope - 1].depth))
      fail(ip, fmt::format("{} leaves {} value{} on the stack inside a try opened with {}: its handler would "
                           "find the stack as it was at the try (end the try first)",
                           info.mnemonic, after, after == 1 ? "" : "s", scopes_[scope - 1].depth));
    const std::uint32_t scope_after =
        in.op == Op::TRY ? open_scope(scope, static_cast<std::uint32_t>(in.b), depth) : scope;
    switch (info.flow) {
      case Flow::Next: reach(ip, ip + 1, after, scope_after); break;
      case Flow::Jump: reach(ip, in.b, after, scope_after); break;
      case Flow::Branch:
        reach(ip, in.b, after, scope_after);
        reach(ip, ip + 1, after, scope_after);
        break;
      case Flow::End: break;
    }
    // The handler runs with its try closed and the thrown value pushed.
    if (in.op == Op::TRY) reach(ip, in.b, depth + 1, scope);
  }

  const Program& p_;
  Function& fn_;
  std::vector<std::int32_t> depth_;   // operand depth on entry to each instruction, -1 if unreached
  std::vector<std::uint32_t> scope_;  // innermost open try scope on entry, 0 for none
  std::vector<TryScope> scopes_;      // scope s is scopes_[s - 1]
  std::map<std::tuple<std::uint32_t, std::uint32_t, int>, std::uint32_t> scope_ids_;
  std::vector<std::uint32_t> work_;
  int max_ = 0;
};

// Positions and variables come from an untrusted trace too: every tool indexes them by
// instruction and slot without checking again. A program without columns (a trace older
// than 1.6) gets zeros.
void check_debug_info(const Program& p, Function& fn) {
  const auto fail = [&](const std::string& message) { throw VerifyError(p.source_name, fn.line, fn.name, 0, message); };
  const std::size_t size = fn.code.size();
  if (fn.lines.size() != size)
    fail(fmt::format("the line table has {} entries for {} instructions", fn.lines.size(), size));
  if (fn.columns.empty()) fn.columns.resize(size, 0);
  if (fn.columns.size() != size)
    fail(fmt::format("the column table has {} entries for {} instructions", fn.columns.size(), size));
  for (const SourceVar& v : fn.vars) {
    const bool local = v.slot == SourceVar::Slot::Local;
    if (!local && v.slot != SourceVar::Slot::Capture)
      fail(fmt::format("source variable {} has an unknown slot kind {}", v.name, static_cast<int>(v.slot)));
    const std::size_t slots = local ? fn.locals.size() : fn.captures.size();
    if (v.index >= slots)
      fail(fmt::format("source variable {} names {} {}, which does not exist", v.name, local ? "local" : "capture",
                       v.index));
    if (v.begin > v.end || v.end > size)
      fail(fmt::format("source variable {} has the scope [{}, {}), not a range within the function's {} instructions",
                       v.name, v.begin, v.end, size));
  }
}

}  // namespace

void verify(Program& program) {
  if (program.functions.empty()) throw VerifyError(program.source_name, 1, "-", 0, "the program has no functions");
  if (program.entry >= program.functions.size())
    throw VerifyError(program.source_name, 1, "-", 0, "the entry function does not exist");
  const Function& entry = program.functions[program.entry];
  if (entry.arity != 0 || !entry.captures.empty())
    throw VerifyError(program.source_name, entry.line, entry.name, 0,
                      "the entry function must take no parameters and capture nothing (use host args)");
  for (std::size_t i = 0; i < program.global_inits.size(); ++i) {
    const std::int32_t c = program.global_inits[i];
    if (c >= static_cast<std::int32_t>(program.constants.size()))
      throw VerifyError(program.source_name, 1, "-", 0, fmt::format("global {} has a bad initialiser", i));
  }
  for (Function& fn : program.functions) {
    // Instructions name locals and captures in 16 bits, and the VM counts them so (a trace
    // may hold more; the assembler refuses them).
    if (fn.locals.size() > 65535 || fn.captures.size() > 65535)
      throw VerifyError(program.source_name, fn.line, fn.name, 0, "more than 65535 locals or captures");
    if (fn.rest && fn.arity == 0)  // a trace may say so; the assembler never does
      throw VerifyError(program.source_name, fn.line, fn.name, 0, "a rest parameter needs a parameter to be");
    check_debug_info(program, fn);
    FunctionVerifier(program, fn).run();
  }
}

}  // namespace pw
