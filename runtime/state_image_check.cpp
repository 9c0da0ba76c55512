// Checking a StateImage against its program before it becomes a VmState. A snapshot comes
// from a file anyone can write, and its hash proves nothing (anyone can recompute one), so
// the check is structural: every frame, handler, value and object must be one the program
// could have produced, as the verifier describes it. The interpreter trusts what it is given
// (it checks stack room once per call, reads operands without bounds checks), so a state
// that passes here must be one it can run without leaving its memory.
#include "state_image.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "object.h"
#include "object_id_table.h"

namespace pw {
namespace {

constexpr auto kFailed = static_cast<std::uint32_t>(RunStatus::Failed);

std::string counted(std::uint64_t n, const char* what) { return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s"); }
constexpr auto kHalted = static_cast<std::uint32_t>(RunStatus::Halted);

void reset_for(ObjectIdTable& ids, const StateImage& img) {
  if (img.objects.empty()) ids.reset(0, 1, 0);
  else ids.reset(img.objects.size(), img.objects.front().id, img.objects.back().id);
}

class ImageChecker {
 public:
  ImageChecker(const VmState& vm, const StateImage& img, ObjectIdTable& ids)
      : vm_(vm), p_(vm.program()), limits_(vm.config().limits), img_(img), ids_(ids) {
    reset_for(ids_, img);
  }

  void run() && {
    check_header();
    check_objects();
    check_values();
    check_frames();
    check_handlers();
    check_constants();
  }

 private:
  template <class... Args>
  [[noreturn]] void bad(fmt::format_string<Args...> format, Args&&... args) const {
    throw StateImageError(fmt::format(format, std::forward<Args>(args)...));
  }

  // gdb's numbering: frame 0 is the innermost.
  std::size_t frame_number(std::size_t d) const { return img_.frames.size() - 1 - d; }
  const Function& fn_of(std::size_t d) const { return p_.functions[img_.frames[d].fn]; }

  void check_header() {
    if (img_.status > kFailed) bad("unknown run status {}", img_.status);
    if (img_.error.has_value() != (img_.status == kFailed))
      bad("a failed state needs its error, and only a failed state has one");
    if (img_.frames.empty()) bad("it has no frames");
    if (img_.frames.size() > limits_.max_depth)
      bad("it has {} frames, more than the run's limit of {}", img_.frames.size(), limits_.max_depth);
    if (img_.globals.size() != p_.globals.size())
      bad("it has {} globals, the program {}", img_.globals.size(), p_.globals.size());
    if (img_.output.size() > limits_.max_output)
      bad("its output holds {} bytes, more than the run's limit of {}", img_.output.size(), limits_.max_output);
    if (img_.handlers.size() > img_.stack.size())
      bad("it has {} exception handlers on a stack of {} values", img_.handlers.size(), img_.stack.size());
  }

  // Objects in id order, each owning the next run of slots or bytes, and nothing left over:
  // the heap holds exactly what the image's objects say, and the counters agree.
  void check_objects() {
    std::uint64_t last_id = 0, slots = 0, bytes = 0, accounted = 0;
    for (std::size_t i = 0; i < img_.objects.size(); ++i) {
      const ObjectImage& o = img_.objects[i];
      if (o.id <= last_id) bad("object #{} comes after object #{}: objects must be in id order", o.id, last_id);
      if (o.id >= img_.gc.next_id) bad("object #{} is not below the next id, {}", o.id, img_.gc.next_id);
      last_id = o.id;
      ids_.add(o.id, static_cast<std::uint32_t>(i));
      const auto kind = static_cast<ValueType>(o.kind);
      switch (o.kind < kValueTypeCount ? kind : ValueType::Nil) {
        case ValueType::String:
          if (o.first != bytes || o.count > img_.bytes.size() - bytes)
            bad("string #{} does not own the next {} bytes of the image", o.id, o.count);
          bytes += o.count;
          break;
        case ValueType::Pair:
        case ValueType::Array:
        case ValueType::Closure:
          if (kind == ValueType::Pair && o.count != 2) bad("pair #{} has {} slots", o.id, o.count);
          if (kind == ValueType::Closure &&
              (o.fn >= p_.functions.size() || o.count != p_.functions[o.fn].captures.size()))
            bad("closure #{} is not a closure of a function of the program", o.id);
          if (o.first != slots || o.count > img_.slots.size() - slots)
            bad("{} #{} does not own the next {} slots of the image", type_name(kind), o.id, o.count);
          slots += o.count;
          break;
        default: bad("object #{} has kind {}, which is not a heap object", o.id, o.kind);
      }
      accounted += object_bytes(kind, o.count);
    }
    if (slots != img_.slots.size())
      bad("the image holds {} that no object owns", counted(img_.slots.size() - slots, "slot"));
    if (bytes != img_.bytes.size())
      bad("the image holds {} that no object owns", counted(img_.bytes.size() - bytes, "string byte"));
    const GcCountersImage& gc = img_.gc;
    if (gc.live_objects != img_.objects.size())
      bad("the heap counts {} live objects, the image holds {}", gc.live_objects, img_.objects.size());
    if (gc.live_bytes != accounted)
      bad("the heap counts {} live bytes, its objects take {}", gc.live_bytes, accounted);
    if (accounted > limits_.max_heap)
      bad("its heap takes {} bytes, more than the run's limit of {}", accounted, limits_.max_heap);
    if (gc.peak_live_bytes < gc.live_bytes || gc.objects_allocated - gc.objects_freed != gc.live_objects ||
        gc.bytes_allocated - gc.bytes_freed != gc.live_bytes || gc.objects_freed > gc.objects_allocated)
      bad("the collector's counters do not add up");
  }

  // The object with id [id], or nothing.
  const ObjectImage* object(std::uint64_t id) const {
    const std::uint32_t i = ids_.find(id);
    return i == ObjectIdTable::kMissing ? nullptr : &img_.objects[i];
  }

  void check_value(const ValueImage& v, const char* where) const {
    if (v.type >= static_cast<std::uint64_t>(kValueTypeCount)) bad("{} holds a value of unknown type {}", where, v.type);
    const auto t = static_cast<ValueType>(v.type);
    const auto u = static_cast<std::uint64_t>(v.payload);
    switch (t) {
      case ValueType::Nil:
        if (v.payload != 0) bad("{} holds a nil with a payload", where);
        break;
      case ValueType::Bool:
        if (u > 1) bad("{} holds a bool that is neither true nor false", where);
        break;
      case ValueType::Symbol:
        if (u >= p_.symbols.size()) bad("{} holds symbol {}, the program has {}", where, u, p_.symbols.size());
        break;
      case ValueType::Function:
        if (u >= p_.functions.size()) bad("{} holds function {}, the program has {}", where, u, p_.functions.size());
        break;
      case ValueType::Int:
      case ValueType::Float: break;
      default: {
        const ObjectImage* o = object(u);
        if (!o) bad("{} refers to object #{}, which is not in the heap", where, u);
        if (o->kind != v.type)
          bad("{} refers to object #{} as a {}, but it is a {}", where, u, type_name(t),
              type_name(static_cast<ValueType>(o->kind)));
      }
    }
  }

  void check_values() const {
    for (const ValueImage& v : img_.stack) check_value(v, "the stack");
    for (const ValueImage& v : img_.globals) check_value(v, "a global");
    for (const ValueImage& v : img_.slots) check_value(v, "a heap object");
    check_value(img_.result, "the result");
  }

  // The frames tile the stack: each frame's locals, then its operand values (as many as the
  // verifier computed for the instruction it resumes at), then the next frame's result slot
  // and arguments, up to the top of the stack.
  void check_frames() const {
    std::uint64_t last_id = 0;
    const std::size_t n = img_.frames.size();
    for (std::size_t d = 0; d < n; ++d) {
      const FrameImage& f = img_.frames[d];
      const std::size_t number = frame_number(d);
      if (f.fn >= p_.functions.size()) bad("frame {} runs function {}, the program has {}", number, f.fn, p_.functions.size());
      const Function& fn = fn_of(d);
      if (f.id <= last_id || f.id >= img_.next_frame_id) bad("frame {} of {} has id {} out of order", number, fn.name, f.id);
      last_id = f.id;
      if (f.ip >= fn.code.size()) bad("frame {} of {} resumes at instruction {}, past its end", number, fn.name, f.ip);
      if (f.closure != 0) {
        const ObjectImage* c = object(f.closure);
        if (!c || c->kind != static_cast<std::uint32_t>(ValueType::Closure) || c->fn != f.fn)
          bad("frame {} of {} runs closure #{}, which is not a closure of {}", number, fn.name, f.closure, fn.name);
      } else if (!fn.captures.empty()) {
        bad("frame {} of {} runs without the closure that holds its captures", number, fn.name);
      }
      if (d == 0) {
        if (f.base != 0 || f.result_slot != 0) bad("the outermost frame does not start at the bottom of the stack");
      }
      // Room the interpreter checked when the frame was entered (the outermost frame always
      // has room: the stack is allocated with the largest frame on top of the limit).
      if (d > 0 && (f.base > limits_.max_stack || f.base + fn.local_count() + fn.max_stack > limits_.max_stack))
        bad("frame {} of {} does not fit in the run's stack limit of {}", number, fn.name, limits_.max_stack);
      const std::uint64_t operands_from = f.base + fn.local_count();
      const std::uint64_t top = d + 1 < n ? img_.frames[d + 1].result_slot : img_.stack.size();
      if (top < operands_from)
        bad("frame {} of {} ends at stack slot {}, below its locals' end at {}", number, fn.name, top, operands_from);
      const std::uint64_t values = top - operands_from;
      if (d + 1 < n) check_caller(d, values);
      else check_top(values);
    }
  }

  // A caller waits at the instruction after its call, with the callee's result slot on top.
  void check_caller(std::size_t d, std::uint64_t values) const {
    const FrameImage& f = img_.frames[d];
    const FrameImage& callee = img_.frames[d + 1];
    const Function& fn = fn_of(d);
    const std::size_t number = frame_number(d);
    const Op call = f.ip > 0 ? fn.code[f.ip - 1].op : Op::HALT;
    if (call != Op::CALL && call != Op::CALL_FN)
      bad("frame {} of {} waits at instruction {}, which does not follow a call", number, fn.name, f.ip);
    const std::int32_t allowed = fn.entry_depth[f.ip];
    if (allowed < 1 || values + 1 != static_cast<std::uint64_t>(allowed))
      bad("frame {} of {} has {}, the verifier allows {}", number, fn.name, counted(values, "value"), allowed - 1);
    // call_fn's callee takes its arguments where the result goes; call's sits above the callee
    // value. (The callee's function is checked only later: it is named by number here.)
    const std::uint64_t gap = call == Op::CALL ? 1 : 0;
    if (callee.base != callee.result_slot + gap)
      bad("frame {} does not start where its caller's {} put it", frame_number(d + 1), op_info(call).mnemonic);
  }

  // The innermost frame: about to run its instruction (ready, paused, or failed in it), or
  // after the halt or return that ended the run.
  void check_top(std::uint64_t values) const {
    const std::size_t d = img_.frames.size() - 1;
    const FrameImage& f = img_.frames[d];
    const Function& fn = fn_of(d);
    const std::int32_t allowed = fn.entry_depth[f.ip];
    if (allowed < 0) bad("frame 0 of {} is at instruction {}, which no path reaches", fn.name, f.ip);
    const Instr& in = fn.code[f.ip];
    std::uint64_t low = static_cast<std::uint64_t>(allowed), high = low;
    if (img_.status == kHalted) {
      if (in.op != Op::HALT && !(in.op == Op::RETURN && d == 0))
        bad("a halted state's frame 0 of {} is not at a halt or a return from the outermost frame", fn.name);
      low = high = low - 1;  // the result was popped
    } else if (img_.status == kFailed) {
      low -= std::min<std::uint64_t>(low, static_cast<std::uint64_t>(pops_of(in)));  // some fail after popping
    }
    if (values < low || values > high)
      bad("frame 0 of {} has {}, the verifier allows {}", fn.name, counted(values, "value"),
          low == high ? fmt::to_string(low) : fmt::format("{} to {}", low, high));
  }

  int pops_of(const Instr& in) const {
    const OpInfo& info = op_info(in.op);
    switch (info.operand) {
      case OperandKind::Argc: return in.a + 1;
      case OperandKind::Func:
        if (in.op == Op::MAKE_CLOSURE) return static_cast<int>(p_.functions[in.b].captures.size());
        return info.pops < 0 ? static_cast<int>(p_.functions[in.b].arity) : info.pops;
      case OperandKind::Host: return host_fn_info(static_cast<HostFn>(in.a)).arity;
      default: return info.pops;
    }
  }

  // Each frame's handlers, oldest first, are the try blocks the verifier found open at the
  // instruction it resumes at, with the stack heights those trys saved.
  void check_handlers() const {
    std::size_t h = 0;
    const std::size_t n = img_.frames.size();
    for (std::size_t d = 0; d < n; ++d) {
      const FrameImage& f = img_.frames[d];
      const Function& fn = fn_of(d);
      std::vector<const TryScope*> open;
      for (std::uint32_t s = fn.entry_scope[f.ip]; s != 0; s = fn.try_scopes[s - 1].outer)
        open.push_back(&fn.try_scopes[s - 1]);
      // A return from the outermost frame drops its handlers before the run halts.
      const bool dropped = d + 1 == n && img_.status == kHalted && fn.code[f.ip].op == Op::RETURN;
      std::size_t mine = 0;
      while (h + mine < img_.handlers.size() && img_.handlers[h + mine].frame == d) ++mine;
      if (mine != (dropped ? 0 : open.size()))
        bad("frame {} of {} has {}, the verifier allows {}", frame_number(d), fn.name,
            counted(mine, "exception handler"), dropped ? 0 : open.size());
      for (std::size_t k = 0; k < mine; ++k) {
        const HandlerImage& hi = img_.handlers[h + k];
        const TryScope& s = *open[open.size() - 1 - k];
        const std::uint64_t height = f.base + fn.local_count() + s.depth;
        if (hi.target != s.handler || hi.stack_height != height)
          bad("handler {} of frame {} of {} goes to instruction {} with the stack at {}, the verifier expects "
              "instruction {} at {}",
              k, frame_number(d), fn.name, hi.target, hi.stack_height, s.handler, height);
      }
      h += mine;
    }
    if (h != img_.handlers.size()) bad("an exception handler belongs to no frame, or the handlers are out of order");
  }

  // The program's string constants keep their objects (and ids) for the whole run.
  void check_constants() const {
    for (std::size_t i = 0; i < vm_.constants.size(); ++i) {
      if (!vm_.constants[i].is_ref()) continue;
      const std::uint64_t id = vm_.constants[i].obj->id;
      const ObjectImage* o = object(id);
      const std::string& text = p_.constants[i].text;
      if (!o || o->kind != static_cast<std::uint32_t>(ValueType::String) || o->count != text.size() ||
          std::memcmp(img_.bytes.data() + o->first, text.data(), text.size()) != 0)
        bad("string constant {} is not object #{} of the heap", i, id);
    }
  }

  const VmState& vm_;
  const Program& p_;
  const Limits& limits_;
  const StateImage& img_;
  ObjectIdTable& ids_;  // filled by check_objects
};

}  // namespace

void check_state_image(const VmState& vm, const StateImage& image) {
  ObjectIdTable ids;
  ImageChecker(vm, image, ids).run();
}

void checked_object_ids(const VmState& vm, const StateImage& image, ObjectIdTable& ids) {
  ImageChecker(vm, image, ids).run();
}

void object_ids(const StateImage& image, ObjectIdTable& ids) {
  reset_for(ids, image);
  for (std::size_t i = 0; i < image.objects.size(); ++i) ids.add(image.objects[i].id, static_cast<std::uint32_t>(i));
}

}  // namespace pw
