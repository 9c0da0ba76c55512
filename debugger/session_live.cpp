// Changing a live run: set var, jump and return change the state at the run's newest step
// (the recording keeps the change, so replays go on from it); call runs a function on a
// copy of the state and leaves the run as it was.
#include <fmt/format.h>

#include "command_args.h"
#include "interpreter.h"
#include "object.h"
#include "session.h"
#include "state_image.h"
#include "stop_conditions.h"

namespace pw::debugger {
namespace {

// The '=' of "PLACE = EXPR" (not part of ==, !=, <=, >=).
std::size_t assignment_at(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') continue;
    const char before = i ? s[i - 1] : ' ';
    const char after = i + 1 < s.size() ? s[i + 1] : ' ';
    if (after == '=' ) {
      ++i;
      continue;
    }
    if (before == '!' || before == '<' || before == '>' || before == '=') continue;
    return i;
  }
  return std::string_view::npos;
}

constexpr std::uint64_t kMaxCallSteps = 10'000'000;

}  // namespace

void Session::require_changeable(std::string_view what) const {
  if (!change_state_)
    throw CommandError(fmt::format("{} changes a live run (pwvm debug): this recording cannot be changed", what));
  if (cursor_.position() != cursor_.end() || cursor_.at_end())
    throw CommandError(cursor_.at_end() ? fmt::format("{}: the run has ended, there is nothing to change", what)
                                        : fmt::format("{} changes the run at its newest step, {}: this is step {} of its past "
                                                      "(goto end first)",
                                                      what, cursor_.end(), cursor_.position()));
}

void Session::set_variable(std::string_view args) {
  const std::size_t eq = assignment_at(args);
  if (eq == std::string_view::npos) throw CommandError("\"set var\" needs PLACE = EXPR");
  const replay::Expression place = replay::Expression::compile(trim(args.substr(0, eq)), cursor_.program());
  const replay::Expression value = replay::Expression::compile(trim(args.substr(eq + 1)), cursor_.program());
  require_changeable("set var");
  const std::uint32_t depth = selected_depth();
  if (!place.locate_in(cursor_.state(), depth))
    throw CommandError(fmt::format("{} names no place that can be set (a variable, an item, a car or a cdr)", place.text()));
  const replay::EvalResult r = value.evaluate_in(cursor_.state(), depth);
  if (!r.available) throw CommandError(fmt::format("cannot evaluate {}: {}", value.text(), r.reason));
  change_state_([&](VmState& live) {
    auto* slot = const_cast<Value*>(place.locate_in(live, depth));
    if (!slot) throw CommandError(fmt::format("{} names no place here", place.text()));
    *slot = r.value;
  });
}

void Session::cmd_jump(std::string_view args) {
  if (args.empty()) throw CommandError("\"jump\" needs a line: jump LINE, or *FUNCTION+IP");
  require_changeable("jump");
  const VmState& vm = cursor_.state();
  if (vm.depth == 0) throw CommandError("jump: no frame to jump in");
  const Frame& top = vm.top();
  const Function& fn = vm.function_of(top);
  const replay::Breakpoint to = replay::make_breakpoint(cursor_.program(), args);
  std::optional<std::uint32_t> ip;
  for (const replay::CodeAddress& a : to.addresses)
    if (a.fn == top.fn) {
      ip = a.ip;
      break;
    }
  if (!ip) throw CommandError(fmt::format("{} is not in {}: jump goes on in the function it is in", to.description, fn.name));
  // Only where the verifier says the operand stack and the open try blocks are what they
  // are here: anything else would run code on a stack it was not made for.
  const std::uint32_t here = vm.ip_index(top);
  if (fn.entry_depth.size() <= *ip || fn.entry_depth.size() <= here || fn.entry_depth[*ip] < 0)
    throw CommandError(fmt::format("jump: {} is never reached", to.description));
  if (fn.entry_depth[*ip] != fn.entry_depth[here] || fn.entry_scope[*ip] != fn.entry_scope[here])
    throw CommandError(fmt::format("cannot jump to {}: {} value{} would be on the operand stack there and {} here{} "
                                   "(jump between lines where no expression is half done)",
                                   to.description, fn.entry_depth[*ip], fn.entry_depth[*ip] == 1 ? "" : "s",
                                   fn.entry_depth[here],
                                   fn.entry_scope[*ip] != fn.entry_scope[here] ? ", inside other try blocks" : ""));
  const std::uint32_t target = *ip;
  change_state_([&](VmState& live) { live.top().ip = live.top().code + target; });
  const std::uint32_t line = target < fn.lines.size() ? fn.lines[target] : fn.line;
  say("Continuing at {}+{} (line {}).\n", fn.name, target, line);
  cmd_continue({});
}

void Session::cmd_return(std::string_view args) {
  require_changeable("return");
  const VmState& vm = cursor_.state();
  if (vm.depth == 0) throw CommandError("return: no frame to return from");
  const std::uint32_t level = selected_frame_;
  const std::uint32_t index = vm.depth - 1 - level;
  if (index == 0)
    throw CommandError(fmt::format("return: {} is the entry function; returning from it would end the run", vm.function_of(vm.frames[0]).name));
  Value result;
  if (!args.empty()) {
    const replay::Expression e = replay::Expression::compile(args, cursor_.program());
    const replay::EvalResult r = e.evaluate_in(vm, selected_depth());
    if (!r.available) throw CommandError(fmt::format("cannot evaluate {}: {}", e.text(), r.reason));
    result = r.value;
  }
  const std::string left = vm.function_of(vm.frames[index]).name;
  change_state_([&](VmState& live) {
    // What the interpreter's return does, for the frame [index] and every frame above it.
    Frame& f = live.frames[index];
    while (!live.handlers.empty() && live.handlers.back().frame >= index) live.handlers.pop_back();
    *f.result_slot = result;
    live.sp = f.result_slot + 1;
    live.depth = index;
  });
  selected_frame_ = 0;
  list_next_ = list_first_ = 0;
  say("Returned from {} with {}\n", left, value_text(result));
  print_where();
}

void Session::cmd_call(std::string_view args) {
  // FUNCTION(ARGS): a function by name, or any expression whose value is a function or closure.
  args = trim(args);
  const std::size_t open = args.find('(');
  if (open == std::string_view::npos || args.back() != ')')
    throw CommandError("\"call\" needs FUNCTION(ARGS): call fib(10)");
  const std::string_view callee_text = trim(args.substr(0, open));
  const std::vector<std::string_view> arg_texts = split_arguments(args.substr(open + 1, args.size() - open - 2));
  const VmState& vm = cursor_.state();
  if (vm.status != RunStatus::Paused && vm.status != RunStatus::Ready && vm.status != RunStatus::Halted)
    throw CommandError("call: the run has failed here; its state cannot run a call (go back to a step before the failure)");
  const Program& p = cursor_.program();
  const std::uint32_t depth = selected_depth();

  // The copy: the same program and state; no host call that needs a capability is granted,
  // so the call reads no input and the run's own host is never asked.
  VmConfig config = vm.config();
  config.capabilities = kCapNone;
  ScriptedHost host;
  VmState copy(vm.program_ptr(), config, &host);
  restore_state(copy, capture_state(vm));
  copy.output.clear();

  Value callee;
  if (const int f = p.find_function(std::string(callee_text)); f >= 0) {
    callee = Value::function(static_cast<std::uint32_t>(f));
  } else {
    const replay::EvalResult r = replay::Expression::compile(callee_text, p).evaluate_in(copy, depth);
    if (!r.available) throw CommandError(fmt::format("cannot evaluate {}: {}", callee_text, r.reason));
    callee = r.value;
  }
  std::uint32_t fn = 0;
  ClosureObj* closure = nullptr;
  if (callee.type == ValueType::Function) fn = callee.fn;
  else if (callee.type == ValueType::Closure) closure = as_closure(callee), fn = closure->fn;
  else throw CommandError(fmt::format("{} is not a function or a closure: {}", callee_text, value_text(callee)));
  const FnRuntime& rt = copy.fn_runtime[fn];
  if (arg_texts.size() != rt.arity)
    throw CommandError(fmt::format("{} takes {} argument{}, called with {}", p.functions[fn].name, rt.arity,
                                   rt.arity == 1 ? "" : "s", arg_texts.size()));
  std::vector<Value> arguments;
  for (std::string_view a : arg_texts) {
    const replay::EvalResult r = replay::Expression::compile(a, p).evaluate_in(copy, depth);
    if (!r.available) throw CommandError(fmt::format("cannot evaluate {}: {}", a, r.reason));
    arguments.push_back(r.value);
  }
  // A frame as the interpreter's call makes one, above everything the copy has.
  if (copy.depth >= config.limits.max_depth || copy.sp + 1 + rt.arity + rt.frame_size > copy.stack_limit)
    throw CommandError("call: no room on the stack for another frame");
  const std::uint32_t before = copy.depth;
  *copy.sp++ = callee;
  for (const Value& a : arguments) *copy.sp++ = a;
  Frame& f = copy.frames[copy.depth];
  f.base = copy.sp - rt.arity;
  f.result_slot = f.base - 1;
  f.closure = closure;
  f.code = rt.code;
  f.ip = rt.code;
  f.fn = fn;
  f.unused = 0;
  f.id = copy.next_frame_id++;
  for (Value* v = f.base + rt.arity; v < f.base + rt.local_count; ++v) *v = Value();
  copy.sp = f.base + rt.local_count;
  ++copy.depth;
  copy.status = RunStatus::Paused;
  copy.error.reset();

  replay::interrupt_flag().store(false);
  std::uint64_t steps = 0;
  while (copy.status == RunStatus::Paused && copy.depth > before) {
    if (++steps > kMaxCallSteps)
      throw CommandError(fmt::format("call {}: no return after {} steps; the run is untouched", args, kMaxCallSteps));
    if (replay::interrupted()) throw CommandError(fmt::format("call {}: interrupted; the run is untouched", args));
    run(copy, 1);
  }
  if (!host.output.empty()) say_lines(host.output);
  if (copy.status == RunStatus::Failed) {
    const std::string why = copy.error ? copy.error->headline() : std::string("failed");
    if (copy.error && copy.error->kind == ErrorKind::CapabilityDenied)
      throw CommandError(fmt::format("call {}: it needs a host call that a call from the debugger is not granted ({}); "
                                     "the run is untouched", args, why));
    throw CommandError(fmt::format("call {}: {}; the run is untouched", args, why));
  }
  const Value result = copy.status == RunStatus::Halted ? copy.result : copy.sp[-1];
  say("{} = {}\n", args, replay::result_text(copy, replay::EvalResult::of(result), 2000));
}

}  // namespace pw::debugger
