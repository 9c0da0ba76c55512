// The dispatch loop, a template over its observer (observer.h). Include this only where an
// observer's loop is instantiated: interpreter.cpp for the plain and checked loops, the
// recorder and debugger for theirs.
//
// Registers: ip (the running instruction), sp, base (first local), fp (top frame), code
// (the running function's first instruction) and `left` (instructions this call may still
// run) live in locals. SAVE() writes them back before anything that can fail, allocate or
// look at the state; LOAD() reads them after anything that may have changed frames.
#pragma once
#include <cstring>

#include <fmt/format.h>

#include "interpreter_support.h"
#include "object.h"
#include "observer.h"
#include "vm.h"

#if defined(__GNUC__) && !defined(PW_NO_COMPUTED_GOTO)
#define PW_COMPUTED_GOTO 1
#else
#define PW_COMPUTED_GOTO 0
#endif

#define PW_LIKELY(x) __builtin_expect(!!(x), 1)
#define PW_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace pw {

// A dynamic call of a function with a rest parameter (the slow path of CALL and TAIL_CALL,
// kept out of the dispatch loop): the [argc] arguments on top of vm.sp, from the rest
// parameter's place on, become one list there, built from the last one back; each partial
// list sits in a stack slot, where the collector sees it. False when an allocation failed.
template <class Observer>
[[gnu::noinline]] bool pack_rest(VmState& vm, Observer& obs, std::uint32_t argc, std::uint32_t arity) {
  Value* const rest_at = vm.sp - argc + (arity - 1);
  Value tail = Value();
  for (Value* slot = vm.sp; slot-- > rest_at;) {
    Object* o = detail::allocate(vm, ValueType::Pair, sizeof(PairObj), 0);
    if (!o) return false;
    auto* p = static_cast<PairObj*>(o);
    p->car = *slot;
    p->cdr = tail;
    tail = Value::object(ValueType::Pair, o);
    *slot = tail;
    vm.sp = slot + 1;
    if constexpr (Observer::kEnabled) obs.on_alloc(vm, o);
  }
  *rest_at = tail;  // the empty list when there was no extra argument
  vm.sp = rest_at + 1;
  return true;
}

template <class Observer>
RunStatus run_with(VmState& vm, Observer& obs, std::uint64_t max_steps) {
  if (vm.status == RunStatus::Halted || vm.status == RunStatus::Failed) return vm.status;

  const FnRuntime* const fns = vm.fn_runtime.data();
  const Value* const constants = vm.constants.data();
  Value* const globals = vm.globals.data();
  Value* const stack_limit = vm.stack_limit;
  const std::uint32_t max_depth = vm.config().limits.max_depth;
  const std::uint64_t step_limit = vm.config().limits.max_steps;

  const std::uint64_t step_base = vm.step;
  const std::uint64_t room = step_limit > step_base ? step_limit - step_base : 0;
  const std::uint64_t budget = max_steps < room ? max_steps : room;
  std::uint64_t left = budget;

  Frame* fp = &vm.top();
  const Instr* ip = fp->ip;
  Value* base = fp->base;
  Value* sp = vm.sp;

#define STEPS_DONE() (step_base + (budget - left))
#define SAVE()                                 \
  do {                                         \
    fp->ip = ip;                               \
    vm.sp = sp;                                \
    vm.step = STEPS_DONE() - 1;                \
  } while (0)
#define LOAD()                                 \
  do {                                         \
    fp = &vm.frames[vm.depth - 1];             \
    ip = fp->ip;                               \
    base = fp->base;                           \
    sp = vm.sp;                                \
  } while (0)
#define RAISE(kind, ...)                          \
  do {                                            \
    SAVE();                                       \
    detail::fail(vm, kind, fmt::format(__VA_ARGS__)); \
    return RunStatus::Failed;                     \
  } while (0)
#define FAILED() return (vm.status = RunStatus::Failed)

  // Before each instruction: the budget, then the observer.
#define PRE_DISPATCH()                                        \
  if (PW_UNLIKELY(left == 0)) goto budget_spent;              \
  if constexpr (Observer::kStepHook) {                        \
    fp->ip = ip;                                              \
    vm.sp = sp;                                               \
    vm.step = STEPS_DONE();                                   \
    if constexpr (Observer::kChecked) {                       \
      if (!detail::check_instruction(vm)) FAILED();           \
    }                                                         \
    if (obs.on_step(vm)) {                                    \
      vm.status = RunStatus::Paused;                          \
      return RunStatus::Paused;                               \
    }                                                         \
  }                                                           \
  --left

#if PW_COMPUTED_GOTO
  static const void* const kLabels[kOpCount] = {
#define PW_OP(name, kind, pops, pushes, flow) &&op_##name,
#include "opcodes.def"
#undef PW_OP
  };
#define DISPATCH()                                   \
  do {                                               \
    PRE_DISPATCH();                                  \
    goto* kLabels[static_cast<std::uint8_t>(ip->op)]; \
  } while (0)
#define CASE(name) op_##name:
#else
#define DISPATCH() goto dispatch
#define CASE(name) case Op::name:
#endif
#define BLOCK_ENTRY()                                     \
  do {                                                    \
    if constexpr (Observer::kCountsBlocks) obs.count_block(ip); \
  } while (0)
#define NEXT()  \
  do {          \
    ++ip;       \
    DISPATCH(); \
  } while (0)
// The fall-through of a branch starts a straight-line run.
#define NEXT_BLOCK() \
  do {               \
    ++ip;            \
    BLOCK_ENTRY();   \
    DISPATCH();      \
  } while (0)
#define JUMP_TO(target)       \
  do {                        \
    ip = fp->code + (target); \
    BLOCK_ENTRY();            \
    DISPATCH();               \
  } while (0)

  vm.status = RunStatus::Paused;

  BLOCK_ENTRY();  // run() may start, or resume, anywhere
#if PW_COMPUTED_GOTO
  DISPATCH();
#else
dispatch:
  PRE_DISPATCH();
  switch (ip->op) {
#endif

  // ---- constants -------------------------------------------------------------------
  CASE(NIL) { *sp++ = Value(); NEXT(); }
  CASE(TRUE) { *sp++ = Value::boolean(true); NEXT(); }
  CASE(FALSE) { *sp++ = Value::boolean(false); NEXT(); }
  CASE(PUSH_INT) { *sp++ = Value::integer(ip->b); NEXT(); }
  CASE(PUSH_CONST) { *sp++ = constants[ip->b]; NEXT(); }
  CASE(PUSH_FUNC) { *sp++ = Value::function(static_cast<std::uint32_t>(ip->b)); NEXT(); }

  // ---- stack -----------------------------------------------------------------------
  CASE(POP) { --sp; NEXT(); }
  CASE(DUP) { sp[0] = sp[-1]; ++sp; NEXT(); }
  CASE(SWAP) {
    Value t = sp[-1];
    sp[-1] = sp[-2];
    sp[-2] = t;
    NEXT();
  }

  // ---- variables -------------------------------------------------------------------
  CASE(GET_LOCAL) { *sp++ = base[ip->a]; NEXT(); }
  CASE(SET_LOCAL) { base[ip->a] = *--sp; NEXT(); }
  CASE(INC_LOCAL) {
    Value& v = base[ip->a];
    if (PW_UNLIKELY(!v.is_int()))
      RAISE(ErrorKind::TypeError, "inc_local expects an int, got {}", detail::value_type_of(v));
    if (PW_UNLIKELY(__builtin_add_overflow(v.i, std::int64_t{ip->b}, &v.i)))
      RAISE(ErrorKind::ArithmeticOverflow, "inc_local overflows 64-bit ints");
    NEXT();
  }
  CASE(GET_GLOBAL) { *sp++ = globals[ip->a]; NEXT(); }
  CASE(SET_GLOBAL) { globals[ip->a] = *--sp; NEXT(); }
  CASE(GET_CAPTURE) { *sp++ = fp->closure->captures()[ip->a]; NEXT(); }
  CASE(SET_CAPTURE) { fp->closure->captures()[ip->a] = *--sp; NEXT(); }

  // ---- pairs -----------------------------------------------------------------------
  CASE(CONS) {
    SAVE();
    Object* o = detail::allocate(vm, ValueType::Pair, sizeof(PairObj), 0);
    if (PW_UNLIKELY(!o)) FAILED();
    auto* p = static_cast<PairObj*>(o);
    p->car = sp[-2];
    p->cdr = sp[-1];
    --sp;
    sp[-1] = Value::object(ValueType::Pair, o);
    if constexpr (Observer::kEnabled) obs.on_alloc(vm, o);
    NEXT();
  }
  CASE(CAR) {
    Value& v = sp[-1];
    if (PW_UNLIKELY(v.type != ValueType::Pair))
      RAISE(ErrorKind::TypeError, "car expects a pair, got {}", detail::value_type_of(v));
    v = as_pair(v)->car;
    NEXT();
  }
  CASE(CDR) {
    Value& v = sp[-1];
    if (PW_UNLIKELY(v.type != ValueType::Pair))
      RAISE(ErrorKind::TypeError, "cdr expects a pair, got {}", detail::value_type_of(v));
    v = as_pair(v)->cdr;
    NEXT();
  }
  CASE(SET_CAR) {
    const Value& p = sp[-2];
    if (PW_UNLIKELY(p.type != ValueType::Pair))
      RAISE(ErrorKind::TypeError, "set_car expects a pair, got {}", detail::value_type_of(p));
    as_pair(p)->car = sp[-1];
    sp -= 2;
    NEXT();
  }
  CASE(SET_CDR) {
    const Value& p = sp[-2];
    if (PW_UNLIKELY(p.type != ValueType::Pair))
      RAISE(ErrorKind::TypeError, "set_cdr expects a pair, got {}", detail::value_type_of(p));
    as_pair(p)->cdr = sp[-1];
    sp -= 2;
    NEXT();
  }
  CASE(IS) {
    sp[-1] = Value::boolean(static_cast<std::uint16_t>(sp[-1].type) == ip->a);
    NEXT();
  }

  // ---- arrays ----------------------------------------------------------------------
  CASE(ARRAY_NEW) {
    SAVE();
    if (PW_UNLIKELY(!detail::array_new(vm))) FAILED();
    sp = vm.sp;
    if constexpr (Observer::kEnabled) obs.on_alloc(vm, sp[-1].obj);
    NEXT();
  }
  CASE(ARRAY_GET) {
    const Value& a = sp[-2];
    const Value& i = sp[-1];
    if (PW_UNLIKELY(a.type != ValueType::Array || !i.is_int()))
      RAISE(ErrorKind::TypeError, "array_get expects an array and an int, got {} and {}",
            detail::value_type_of(a), detail::value_type_of(i));
    ArrayObj* arr = as_array(a);
    if (PW_UNLIKELY(static_cast<std::uint64_t>(i.i) >= arr->length))
      RAISE(ErrorKind::IndexError, "index {} out of range for an array of length {}", i.i, arr->length);
    sp[-2] = arr->items()[i.i];
    --sp;
    NEXT();
  }
  CASE(ARRAY_SET) {
    const Value& a = sp[-3];
    const Value& i = sp[-2];
    if (PW_UNLIKELY(a.type != ValueType::Array || !i.is_int()))
      RAISE(ErrorKind::TypeError, "array_set expects an array and an int, got {} and {}",
            detail::value_type_of(a), detail::value_type_of(i));
    ArrayObj* arr = as_array(a);
    if (PW_UNLIKELY(static_cast<std::uint64_t>(i.i) >= arr->length))
      RAISE(ErrorKind::IndexError, "index {} out of range for an array of length {}", i.i, arr->length);
    arr->items()[i.i] = sp[-1];
    sp -= 3;
    NEXT();
  }
  CASE(ARRAY_LEN) {
    Value& a = sp[-1];
    if (PW_UNLIKELY(a.type != ValueType::Array))
      RAISE(ErrorKind::TypeError, "array_len expects an array, got {}", detail::value_type_of(a));
    a = Value::integer(as_array(a)->length);
    NEXT();
  }

  // ---- strings ---------------------------------------------------------------------
  CASE(STR_LEN)
  CASE(STR_CONCAT)
  CASE(STR_INDEX)
  CASE(TO_STRING) {
    SAVE();
    [[maybe_unused]] const std::uint64_t next_id = vm.heap.next_id();
    if (PW_UNLIKELY(!detail::string_op(vm, ip->op))) FAILED();
    sp = vm.sp;
    // to_string of a string allocates nothing.
    if constexpr (Observer::kEnabled)
      if (vm.heap.next_id() != next_id) obs.on_alloc(vm, sp[-1].obj);
    NEXT();
  }

  // ---- arithmetic ------------------------------------------------------------------
// Fast path on the tag and payload as scalars: copying a whole Value into a temporary
// makes the compiler store 16 bytes and reload 1 and 8, which stalls store forwarding.
#define PW_ARITH(name, checked_op, b_is_int, b_int, pop)                           \
  CASE(name) {                                                                      \
    Value& a = sp[-1 - (pop)];                                                      \
    std::int64_t r;                                                                 \
    if (PW_LIKELY(a.type == ValueType::Int && (b_is_int)) &&                        \
        PW_LIKELY(!checked_op(a.i, (b_int), &r))) {                                 \
      a.i = r;                                                                      \
      sp -= (pop);                                                                  \
      NEXT();                                                                       \
    }                                                                               \
    SAVE();                                                                         \
    if (PW_UNLIKELY(!detail::arith_slow(vm, ip->op, a, (pop) ? sp[-1] : Value::integer(ip->b)))) FAILED(); \
    sp -= (pop);                                                                    \
    NEXT();                                                                         \
  }
  PW_ARITH(ADD, __builtin_add_overflow, sp[-1].type == ValueType::Int, sp[-1].i, 1)
  PW_ARITH(SUB, __builtin_sub_overflow, sp[-1].type == ValueType::Int, sp[-1].i, 1)
  PW_ARITH(MUL, __builtin_mul_overflow, sp[-1].type == ValueType::Int, sp[-1].i, 1)
  PW_ARITH(ADD_IMM, __builtin_add_overflow, true, std::int64_t{ip->b}, 0)
  PW_ARITH(SUB_IMM, __builtin_sub_overflow, true, std::int64_t{ip->b}, 0)
  PW_ARITH(MUL_IMM, __builtin_mul_overflow, true, std::int64_t{ip->b}, 0)
#undef PW_ARITH
  CASE(DIV) {
    SAVE();
    if (PW_UNLIKELY(!detail::arith_slow(vm, Op::DIV, sp[-2], sp[-1]))) FAILED();
    --sp;
    NEXT();
  }
  CASE(MOD) {
    Value& a = sp[-2];
    const Value& b = sp[-1];
    if (PW_LIKELY(a.is_int() && b.is_int() && b.i > 0)) {
      std::int64_t r = a.i % b.i;
      if (r < 0) r += b.i;  // floored: the result has the sign of b
      a.i = r;
      --sp;
      NEXT();
    }
    SAVE();
    if (PW_UNLIKELY(!detail::arith_slow(vm, Op::MOD, a, b))) FAILED();
    --sp;
    NEXT();
  }
  CASE(DIV_IMM) {
    SAVE();
    if (PW_UNLIKELY(!detail::arith_slow(vm, Op::DIV, sp[-1], Value::integer(ip->b)))) FAILED();
    NEXT();
  }
  CASE(MOD_IMM) {
    Value& a = sp[-1];
    const std::int64_t b = ip->b;
    if (PW_LIKELY(a.is_int() && b > 0)) {
      std::int64_t r = a.i % b;
      if (r < 0) r += b;
      a.i = r;
      NEXT();
    }
    SAVE();
    if (PW_UNLIKELY(!detail::arith_slow(vm, Op::MOD, a, Value::integer(b)))) FAILED();
    NEXT();
  }
  CASE(NEG) {
    Value& a = sp[-1];
    if (PW_LIKELY(a.is_int() && a.i != INT64_MIN)) {
      a.i = -a.i;
      NEXT();
    }
    SAVE();
    if (PW_UNLIKELY(!detail::arith_slow(vm, Op::NEG, a, Value()))) FAILED();
    NEXT();
  }

  // ---- comparison ------------------------------------------------------------------
#define PW_COMPARE(name, cmp, b_is_int, b_int, pop)                \
  CASE(name) {                                                      \
    Value& a = sp[-1 - (pop)];                                      \
    if (PW_LIKELY(a.type == ValueType::Int && (b_is_int))) {        \
      a = Value::boolean(a.i cmp (b_int));                          \
      sp -= (pop);                                                  \
      NEXT();                                                       \
    }                                                               \
    SAVE();                                                         \
    std::optional<bool> r =                                         \
        detail::compare_slow(vm, ip->op, a, (pop) ? sp[-1] : Value::integer(ip->b)); \
    if (PW_UNLIKELY(!r)) FAILED();                                  \
    a = Value::boolean(*r);                                         \
    sp -= (pop);                                                    \
    NEXT();                                                         \
  }
  PW_COMPARE(LT, <, sp[-1].type == ValueType::Int, sp[-1].i, 1)
  PW_COMPARE(LE, <=, sp[-1].type == ValueType::Int, sp[-1].i, 1)
  PW_COMPARE(GT, >, sp[-1].type == ValueType::Int, sp[-1].i, 1)
  PW_COMPARE(GE, >=, sp[-1].type == ValueType::Int, sp[-1].i, 1)
  PW_COMPARE(LT_IMM, <, true, std::int64_t{ip->b}, 0)
  PW_COMPARE(LE_IMM, <=, true, std::int64_t{ip->b}, 0)
  PW_COMPARE(GT_IMM, >, true, std::int64_t{ip->b}, 0)
  PW_COMPARE(GE_IMM, >=, true, std::int64_t{ip->b}, 0)
#undef PW_COMPARE
  CASE(EQ) {
    sp[-2] = Value::boolean(detail::values_equal(sp[-2], sp[-1]));
    --sp;
    NEXT();
  }
  CASE(NE) {
    sp[-2] = Value::boolean(!detail::values_equal(sp[-2], sp[-1]));
    --sp;
    NEXT();
  }
  CASE(EQ_IMM) {
    Value& a = sp[-1];
    a = Value::boolean(a.is_int() ? a.i == ip->b : detail::values_equal(a, Value::integer(ip->b)));
    NEXT();
  }
  CASE(NE_IMM) {
    Value& a = sp[-1];
    a = Value::boolean(a.is_int() ? a.i != ip->b : !detail::values_equal(a, Value::integer(ip->b)));
    NEXT();
  }
  CASE(NOT) { sp[-1] = Value::boolean(!sp[-1].truthy()); NEXT(); }

  // ---- control ---------------------------------------------------------------------
  CASE(JUMP) { JUMP_TO(ip->b); }
  CASE(JUMP_IF_TRUE) {
    if ((--sp)->truthy()) JUMP_TO(ip->b);
    NEXT_BLOCK();
  }
  CASE(JUMP_IF_FALSE) {
    if (!(--sp)->truthy()) JUMP_TO(ip->b);
    NEXT_BLOCK();
  }
  CASE(FOR_NEXT) {
    Value& i = base[ip->a];
    const Value& limit = base[ip->a + 1];
    if (PW_UNLIKELY(!i.is_int() || !limit.is_int()))
      RAISE(ErrorKind::TypeError, "for_next expects int counter and limit, got {} and {}",
            detail::value_type_of(i), detail::value_type_of(limit));
    if (PW_UNLIKELY(i.i == INT64_MAX)) RAISE(ErrorKind::ArithmeticOverflow, "for_next counter overflows");
    if (++i.i <= limit.i) JUMP_TO(ip->b);
    NEXT_BLOCK();
  }

  // ---- functions -------------------------------------------------------------------
  // Entering a function: frame checks, then the new frame's locals past its arguments
  // become nil. [args] points at the first argument.
#define ENTER(fn_index, args, result, closure_ptr)                                       \
  do {                                                                                  \
    const FnRuntime& callee = fns[fn_index];                                            \
    if (PW_UNLIKELY(vm.depth >= max_depth))                                             \
      RAISE(ErrorKind::RecursionLimitExceeded, "call depth would exceed {}", max_depth); \
    if (PW_UNLIKELY((args) + callee.frame_size > stack_limit))                          \
      RAISE(ErrorKind::StackOverflow, "value stack would exceed {} slots",              \
            vm.config().limits.max_stack);                                              \
    fp->ip = ip + 1;                                                                    \
    ++fp;                                                                               \
    ++vm.depth;                                                                         \
    fp->base = (args);                                                                  \
    fp->result_slot = (result);                                                         \
    fp->closure = (closure_ptr);                                                        \
    fp->fn = (fn_index);                                                                \
    fp->code = callee.code;                                                             \
    fp->id = vm.next_frame_id++;                                                        \
    base = (args);                                                                      \
    for (Value* v = base + callee.arity; v < base + callee.local_count; ++v) *v = Value(); \
    sp = base + callee.local_count;                                                     \
    ip = callee.code;                                                                   \
    BLOCK_ENTRY();                                                                      \
    if constexpr (Observer::kEnabled) {                                                 \
      if constexpr (Observer::kStepHook) {                                              \
        fp->ip = ip;                                                                    \
        vm.sp = sp;                                                                     \
        vm.step = STEPS_DONE() - 1;                                                     \
      }                                                                                 \
      obs.on_call(vm, STEPS_DONE() - 1, (fn_index));                                    \
    }                                                                                   \
  } while (0)
  // Resolves the callee of a dynamic call at sp[-argc-1] into fn index and closure.
#define RESOLVE_CALLEE(argc, fn_out, closure_out)                                             \
  do {                                                                                        \
    const Value& callee_v = sp[-static_cast<std::ptrdiff_t>(argc) - 1];                                                    \
    if (callee_v.type == ValueType::Function) {                                               \
      fn_out = callee_v.fn;                                                                   \
      closure_out = nullptr;                                                                  \
    } else if (callee_v.type == ValueType::Closure) {                                         \
      closure_out = as_closure(callee_v);                                                     \
      fn_out = closure_out->fn;                                                               \
    } else {                                                                                  \
      RAISE(ErrorKind::TypeError, "call expects a function or closure, got {}",               \
            detail::value_type_of(callee_v));                                                 \
    }                                                                                         \
    if (PW_UNLIKELY(fns[fn_out].call_arity != (argc))) {                                      \
      const Function& callee_fn = vm.program().functions[fn_out];                             \
      if (!callee_fn.rest || (argc) + 1 < callee_fn.arity)                                    \
        RAISE(ErrorKind::TypeError, "{} takes {}{} argument{}, called with {}",               \
              callee_fn.display_name(), callee_fn.rest ? "at least " : "",                    \
              callee_fn.arity - (callee_fn.rest ? 1 : 0),                                     \
              callee_fn.arity - (callee_fn.rest ? 1 : 0) == 1 ? "" : "s", (argc));            \
      SAVE();                                                                                 \
      if (!pack_rest(vm, obs, (argc), callee_fn.arity)) FAILED();                             \
      sp = vm.sp;                                                                             \
      (argc) = callee_fn.arity;                                                               \
    }                                                                                         \
  } while (0)

  CASE(CALL_FN) {
    const std::uint32_t f = static_cast<std::uint32_t>(ip->b);
    Value* args = sp - fns[f].arity;
    ENTER(f, args, args, nullptr);
    DISPATCH();
  }
  CASE(CALL) {
    std::uint32_t argc = ip->a;
    std::uint32_t f;
    ClosureObj* closure;
    RESOLVE_CALLEE(argc, f, closure);
    Value* args = sp - argc;
    ENTER(f, args, args - 1, closure);
    DISPATCH();
  }
  // A tail call moves the arguments down over the current frame and runs the callee in
  // it: the frame count never grows, however long the chain.
#define REENTER(fn_index, closure_ptr)                                                   \
  do {                                                                                   \
    const FnRuntime& callee = fns[fn_index];                                             \
    if (PW_UNLIKELY(base + callee.frame_size > stack_limit))                             \
      RAISE(ErrorKind::StackOverflow, "value stack would exceed {} slots",               \
            vm.config().limits.max_stack);                                               \
    if (PW_UNLIKELY(!vm.handlers.empty() && vm.handlers.back().frame + 1 >= vm.depth))   \
      detail::drop_handlers(vm, vm.depth - 1);                                           \
    std::memmove(static_cast<void*>(base), sp - callee.arity, callee.arity * sizeof(Value)); \
    for (Value* v = base + callee.arity; v < base + callee.local_count; ++v) *v = Value(); \
    sp = base + callee.local_count;                                                      \
    fp->closure = (closure_ptr);                                                         \
    fp->fn = (fn_index);                                                                 \
    fp->code = callee.code;                                                              \
    fp->id = vm.next_frame_id++;                                                         \
    ip = callee.code;                                                                    \
    BLOCK_ENTRY();                                                                       \
    if constexpr (Observer::kEnabled) {                                                  \
      if constexpr (Observer::kStepHook) {                                               \
        fp->ip = ip;                                                                     \
        vm.sp = sp;                                                                      \
        vm.step = STEPS_DONE() - 1;                                                      \
      }                                                                                  \
      obs.on_tail_call(vm, STEPS_DONE() - 1, (fn_index));                                \
    }                                                                                    \
  } while (0)
  CASE(TAIL_CALL_FN) {
    const std::uint32_t f = static_cast<std::uint32_t>(ip->b);
    REENTER(f, nullptr);
    DISPATCH();
  }
  CASE(TAIL_CALL) {
    std::uint32_t argc = ip->a;
    std::uint32_t f;
    ClosureObj* closure;
    RESOLVE_CALLEE(argc, f, closure);
    // The closure stays alive through fp->closure once its stack slot is overwritten.
    REENTER(f, closure);
    DISPATCH();
  }
  CASE(RETURN) {
    const Value result = sp[-1];
    if (PW_UNLIKELY(!vm.handlers.empty() && vm.handlers.back().frame + 1 >= vm.depth))
      detail::drop_handlers(vm, vm.depth - 1);
    if constexpr (Observer::kEnabled) {
      if constexpr (Observer::kStepHook) SAVE();
      obs.on_return(vm, STEPS_DONE() - 1, result);
    }
    if (PW_UNLIKELY(vm.depth == 1)) {
      // The entry function returned: the program's result.
      --sp;
      fp->ip = ip;
      vm.sp = sp;
      vm.step = STEPS_DONE();
      vm.result = result;
      return (vm.status = RunStatus::Halted);
    }
    *fp->result_slot = result;
    sp = fp->result_slot + 1;
    --fp;
    --vm.depth;
    ip = fp->ip;
    base = fp->base;
    BLOCK_ENTRY();
    DISPATCH();
  }
  CASE(MAKE_CLOSURE) {
    const std::uint32_t f = static_cast<std::uint32_t>(ip->b);
    const std::uint32_t n = fns[f].capture_count;
    SAVE();
    Object* o = detail::allocate(vm, ValueType::Closure, closure_bytes(n), n);
    if (PW_UNLIKELY(!o)) FAILED();
    auto* c = static_cast<ClosureObj*>(o);
    c->fn = f;
    sp -= n;
    std::memcpy(static_cast<void*>(c->captures()), sp, n * sizeof(Value));
    *sp++ = Value::object(ValueType::Closure, o);
    if constexpr (Observer::kEnabled) obs.on_alloc(vm, o);
    NEXT();
  }

  // ---- exceptions ------------------------------------------------------------------
  CASE(TRY) {
    // Verified code nests its trys, so only unverified code can pile handlers up.
    if (PW_UNLIKELY(vm.handlers.size() >= vm.config().limits.max_stack))
      RAISE(ErrorKind::StackOverflow, "more than {} exception handlers", vm.config().limits.max_stack);
    vm.handlers.push_back(Handler{vm.depth - 1, static_cast<std::uint32_t>(ip->b),
                                  static_cast<std::uint32_t>(sp - vm.stack)});
    NEXT();
  }
  CASE(END_TRY) {
    if (PW_UNLIKELY(vm.handlers.empty() || vm.handlers.back().frame != vm.depth - 1))
      RAISE(ErrorKind::InvalidOpcode, "end_try without a try in this frame");
    vm.handlers.pop_back();
    NEXT();
  }
  CASE(THROW) {
    const Value v = *--sp;
    SAVE();
    if constexpr (Observer::kEnabled) obs.on_throw(vm, v);
    if (!detail::throw_value(vm, v)) FAILED();
    LOAD();
    BLOCK_ENTRY();
    if constexpr (Observer::kEnabled) obs.on_catch(vm, v);
    DISPATCH();
  }

  // ---- the world -------------------------------------------------------------------
  CASE(HOST) {
    SAVE();
    const HostFn fn = static_cast<HostFn>(ip->a);
    if (PW_UNLIKELY(!detail::host_call(vm, fn))) return vm.status;  // Failed, or Paused: interrupted, not run
    sp = vm.sp;
    if constexpr (Observer::kEnabled) obs.on_host(vm, fn, sp[-1]);
    NEXT();
  }
  CASE(HALT) {
    vm.result = *--sp;
    fp->ip = ip;
    vm.sp = sp;
    vm.step = STEPS_DONE();
    return (vm.status = RunStatus::Halted);
  }

#if !PW_COMPUTED_GOTO
  default:
    RAISE(ErrorKind::InvalidOpcode, "opcode {} is not defined", static_cast<int>(ip->op));
  }
#endif

budget_spent:
  fp->ip = ip;
  vm.sp = sp;
  vm.step = STEPS_DONE();
  if (vm.step >= step_limit) {
    detail::fail(vm, ErrorKind::StepLimitExceeded, fmt::format("the run exceeded {} steps", step_limit));
    return RunStatus::Failed;
  }
  vm.status = RunStatus::Paused;
  return RunStatus::Paused;

#undef STEPS_DONE
#undef SAVE
#undef LOAD
#undef RAISE
#undef FAILED
#undef PRE_DISPATCH
#undef DISPATCH
#undef CASE
#undef NEXT
#undef NEXT_BLOCK
#undef BLOCK_ENTRY
#undef JUMP_TO
#undef ENTER
#undef RESOLVE_CALLEE
#undef REENTER
}

}  // namespace pw
