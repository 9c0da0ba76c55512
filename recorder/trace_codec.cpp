// trace.capnp <-> runtime structures.
#include "trace_codec.h"

#include <cstring>

#include <capnp/orphan.h>
#include <fmt/format.h>

#include "disassembler.h"
#include "frame_format.h"
#include "snapshot_packing.h"

namespace pw::trace {
namespace {

capnp::Data::Reader as_data(const void* p, std::size_t n) {
  return capnp::Data::Reader(static_cast<const kj::byte*>(p), n);
}

template <class T>
capnp::Data::Reader blob(const std::vector<T>& v) {
  return as_data(v.data(), v.size() * sizeof(T));
}

template <class T>
std::vector<T> unblob(capnp::Data::Reader d, const char* what) {
  if (d.size() % sizeof(T) != 0)
    throw TraceFormatError(fmt::format("snapshot field {} is {} bytes, not a multiple of {}", what, d.size(), sizeof(T)));
  std::vector<T> out(d.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), d.begin(), d.size());
  return out;
}

std::string bytes_of(capnp::Data::Reader d) { return std::string(reinterpret_cast<const char*>(d.begin()), d.size()); }

}  // namespace

std::uint64_t program_hash(const pw::Program& program) {
  const std::string text = disassemble(program);
  return checksum(text.data(), text.size());
}

void write_program(Program::Builder out, const pw::Program& p, std::uint64_t hash) {
  out.setSourceName(text_ref(p.source_name));
  out.setSource(text_ref(p.source));
  out.setHash(hash);
  auto fns = out.initFunctions(static_cast<unsigned>(p.functions.size()));
  for (unsigned i = 0; i < p.functions.size(); ++i) {
    const pw::Function& f = p.functions[i];
    auto b = fns[i];
    b.setName(text_ref(f.name));
    b.setSourceName(text_ref(f.source_name));
    b.setArity(f.arity);
    b.setRest(f.rest);
    auto locals = b.initLocals(static_cast<unsigned>(f.locals.size()));
    for (unsigned k = 0; k < f.locals.size(); ++k) locals.set(k, text_ref(f.locals[k]));
    auto caps = b.initCaptures(static_cast<unsigned>(f.captures.size()));
    for (unsigned k = 0; k < f.captures.size(); ++k) caps.set(k, text_ref(f.captures[k]));
    b.setCode(as_data(f.code.data(), f.code.size() * sizeof(Instr)));
    auto lines = b.initLines(static_cast<unsigned>(f.lines.size()));
    for (unsigned k = 0; k < f.lines.size(); ++k) lines.set(k, f.lines[k]);
    auto columns = b.initColumns(static_cast<unsigned>(f.columns.size()));
    for (unsigned k = 0; k < f.columns.size(); ++k) columns.set(k, f.columns[k]);
    b.setLine(f.line);
    auto vars = b.initVars(static_cast<unsigned>(f.vars.size()));
    for (unsigned k = 0; k < f.vars.size(); ++k) {
      const pw::SourceVar& v = f.vars[k];
      auto var = vars[k];
      var.setSlot(v.slot == pw::SourceVar::Slot::Capture ? trace::SourceVar::Slot::CAPTURE
                                                         : trace::SourceVar::Slot::LOCAL);
      var.setIndex(v.index);
      var.setName(text_ref(v.name));
      var.setBegin(v.begin);
      var.setEnd(v.end);
      var.setBoxed(v.boxed);
    }
    auto ips = b.initLabelIps(static_cast<unsigned>(f.labels.size()));
    auto names = b.initLabelNames(static_cast<unsigned>(f.labels.size()));
    unsigned k = 0;
    for (const auto& [ip, name] : f.labels) {
      ips.set(k, ip);
      names.set(k++, text_ref(name));
    }
  }
  auto consts = out.initConstants(static_cast<unsigned>(p.constants.size()));
  for (unsigned i = 0; i < p.constants.size(); ++i) {
    const pw::Constant& c = p.constants[i];
    auto b = consts[i];
    switch (c.type) {
      case ValueType::Int: b.setInt(c.i); break;
      case ValueType::Float: b.setFloat(c.f); break;
      case ValueType::String: b.setString(as_data(c.text.data(), c.text.size())); break;
      case ValueType::Symbol: b.setSymbol(c.sym); break;
      case ValueType::Bool: b.setBool(c.b); break;
      default: b.setNil(); break;
    }
  }
  auto syms = out.initSymbols(static_cast<unsigned>(p.symbols.size()));
  for (unsigned i = 0; i < p.symbols.size(); ++i) syms.set(i, text_ref(p.symbols[i]));
  auto globals = out.initGlobals(static_cast<unsigned>(p.globals.size()));
  for (unsigned i = 0; i < p.globals.size(); ++i) globals.set(i, text_ref(p.globals[i]));
  auto inits = out.initGlobalInits(static_cast<unsigned>(p.global_inits.size()));
  for (unsigned i = 0; i < p.global_inits.size(); ++i) inits.set(i, p.global_inits[i]);
  out.setEntry(p.entry);
  out.setCompiled(p.compiled);
}

pw::Program read_program(Program::Reader in) {
  pw::Program p;
  p.source_name = text_of(in.getSourceName());
  p.source = text_of(in.getSource());
  for (auto f : in.getFunctions()) {
    pw::Function fn;
    fn.name = text_of(f.getName());
    fn.source_name = text_of(f.getSourceName());
    fn.arity = f.getArity();
    fn.rest = f.getRest();
    for (auto l : f.getLocals()) fn.locals.push_back(text_of(l));
    for (auto c : f.getCaptures()) fn.captures.push_back(text_of(c));
    if (fn.arity > fn.locals.size()) throw TraceFormatError(fmt::format("function {} has fewer locals than parameters", fn.name));
    const auto code = f.getCode();
    if (code.size() % sizeof(Instr) != 0) throw TraceFormatError(fmt::format("function {} has a torn instruction", fn.name));
    fn.code.resize(code.size() / sizeof(Instr));
    if (!fn.code.empty()) std::memcpy(fn.code.data(), code.begin(), code.size());
    for (auto l : f.getLines()) fn.lines.push_back(l);
    for (auto c : f.getColumns()) fn.columns.push_back(c);  // empty before 1.6: the verifier fills in zeros
    fn.line = f.getLine();
    for (auto v : f.getVars()) {
      pw::SourceVar var;
      switch (v.getSlot()) {
        case trace::SourceVar::Slot::LOCAL:
          var.slot = pw::SourceVar::Slot::Local;
          break;
        case trace::SourceVar::Slot::CAPTURE:
          var.slot = pw::SourceVar::Slot::Capture;
          break;
        default:
          throw TraceFormatError(fmt::format("function {} has a source variable of an unknown slot kind", fn.name));
      }
      var.index = v.getIndex();
      var.name = text_of(v.getName());
      var.begin = v.getBegin();
      var.end = v.getEnd();
      var.boxed = v.getBoxed();
      fn.vars.push_back(std::move(var));
    }
    auto ips = f.getLabelIps();
    auto names = f.getLabelNames();
    if (ips.size() != names.size()) throw TraceFormatError("label lists differ in length");
    for (unsigned k = 0; k < ips.size(); ++k) fn.labels[ips[k]] = text_of(names[k]);
    p.functions.push_back(std::move(fn));
  }
  for (auto s : in.getSymbols()) p.symbols.push_back(text_of(s));
  for (auto c : in.getConstants()) {
    pw::Constant k;
    switch (c.which()) {
      case trace::Constant::INT: k.type = ValueType::Int; k.i = c.getInt(); break;
      case trace::Constant::FLOAT: k.type = ValueType::Float; k.f = c.getFloat(); break;
      case trace::Constant::STRING: k.type = ValueType::String; k.text = bytes_of(c.getString()); break;
      case trace::Constant::SYMBOL:
        k.type = ValueType::Symbol;
        k.sym = c.getSymbol();
        if (k.sym >= p.symbols.size()) throw TraceFormatError("a constant names an unknown symbol");
        break;
      case trace::Constant::BOOL: k.type = ValueType::Bool; k.b = c.getBool(); break;
      default: k.type = ValueType::Nil; break;
    }
    p.constants.push_back(std::move(k));
  }
  for (auto g : in.getGlobals()) p.globals.push_back(text_of(g));
  for (auto i : in.getGlobalInits()) p.global_inits.push_back(i);
  if (p.global_inits.size() != p.globals.size()) throw TraceFormatError("global initialisers do not match the globals");
  for (std::int32_t i : p.global_inits)
    if (i < -1 || i >= static_cast<std::int32_t>(p.constants.size()))
      throw TraceFormatError("a global's initialiser names an unknown constant");
  p.entry = in.getEntry();
  p.compiled = in.getCompiled();
  return p;
}

namespace {

// Everything of a snapshot but its stack, globals, objects and slots (plain or packed).
void write_snapshot_except_values(Snapshot::Builder out, const StateImage& img, std::uint64_t hash) {
  out.setStep(img.step);
  out.setHash(hash);
  out.setStatus(static_cast<std::uint8_t>(img.status));
  out.setNextFrameId(img.next_frame_id);
  out.setFrames(blob(img.frames));
  out.setHandlers(blob(img.handlers));
  out.setBytes(as_data(img.bytes.data(), img.bytes.size()));
  auto gc = out.initGc();
  gc.setCollections(img.gc.collections);
  gc.setObjectsAllocated(img.gc.objects_allocated);
  gc.setBytesAllocated(img.gc.bytes_allocated);
  gc.setObjectsFreed(img.gc.objects_freed);
  gc.setBytesFreed(img.gc.bytes_freed);
  gc.setLiveObjects(img.gc.live_objects);
  gc.setLiveBytes(img.gc.live_bytes);
  gc.setPeakLiveBytes(img.gc.peak_live_bytes);
  gc.setNextId(img.gc.next_id);
  gc.setThreshold(img.gc.threshold);
  gc.setBytesSinceCollection(img.gc.bytes_since_collection);
  out.setOutput(as_data(img.output.data(), img.output.size()));
  out.setResult(as_data(&img.result, sizeof img.result));
  if (img.error) write_error(out.initError(), *img.error);
}

}  // namespace

void write_snapshot(Snapshot::Builder out, const StateImage& img, std::uint64_t hash) {
  write_snapshot_except_values(out, img, hash);
  PackedBytes packed;
  if (pack_image(img, packed)) {
    out.setPacked(as_data(packed.data.get(), packed.size));
    return;
  }
  out.setStack(blob(img.stack));
  out.setObjects(blob(img.objects));
  out.setSlots(blob(img.slots));
  out.setGlobals(blob(img.globals));
}

void write_packed_snapshot(Snapshot::Builder out, const StateImage& img, std::uint64_t hash,
                           const PackedBytes& packed) {
  write_snapshot_except_values(out, img, hash);
  // Referenced, in whole words: the buffer has zeros after the data.
  const capnp::Orphanage orphanage = capnp::Orphanage::getForMessageContaining(out);
  out.adoptPacked(orphanage.referenceExternalData(as_data(packed.data.get(), packed.size)));
}

StateImage read_snapshot_image(Snapshot::Reader in) {
  StateImage img;
  read_snapshot_image(in, img);
  return img;
}

void read_snapshot_image(Snapshot::Reader in, StateImage& img) {
  img.step = in.getStep();
  img.status = in.getStatus();
  img.next_frame_id = in.getNextFrameId();
  img.frames = unblob<FrameImage>(in.getFrames(), "frames");
  img.handlers = unblob<HandlerImage>(in.getHandlers(), "handlers");
  img.bytes.assign(reinterpret_cast<const char*>(in.getBytes().begin()), in.getBytes().size());
  if (in.hasPacked()) {
    if (in.hasStack() || in.hasGlobals() || in.hasObjects() || in.hasSlots())
      throw TraceFormatError("snapshot has both packed and plain arrays");
    unpack_image(std::string_view(reinterpret_cast<const char*>(in.getPacked().begin()), in.getPacked().size()), img);
  } else {
    img.stack = unblob<ValueImage>(in.getStack(), "stack");
    img.globals = unblob<ValueImage>(in.getGlobals(), "globals");
    img.objects = unblob<ObjectImage>(in.getObjects(), "objects");
    img.slots = unblob<ValueImage>(in.getSlots(), "slots");
  }
  auto gc = in.getGc();
  img.gc = {gc.getCollections(), gc.getObjectsAllocated(), gc.getBytesAllocated(), gc.getObjectsFreed(),
            gc.getBytesFreed(),  gc.getLiveObjects(),      gc.getLiveBytes(),      gc.getPeakLiveBytes(),
            gc.getNextId(),      gc.getThreshold(),        gc.getBytesSinceCollection()};
  img.output.assign(reinterpret_cast<const char*>(in.getOutput().begin()), in.getOutput().size());
  const auto result = unblob<ValueImage>(in.getResult(), "result");
  if (result.size() != 1) throw TraceFormatError("snapshot result is not one value");
  img.result = result[0];
  img.error.reset();
  if (in.hasError()) img.error = read_error(in.getError());
}

void write_error(Error::Builder out, const VmError& e) {
  out.setKind(std::string(error_kind_name(e.kind)));
  out.setMessage(text_ref(e.message));
  out.setFunction(text_ref(e.context.function));
  out.setIp(e.context.ip);
  out.setFile(text_ref(e.context.file));
  out.setLine(e.context.line);
  out.setColumn(e.context.column);
  out.setSourceLine(text_ref(e.context.source_line));
  auto stack = out.initCallStack(static_cast<unsigned>(e.context.call_stack.size()));
  for (unsigned i = 0; i < e.context.call_stack.size(); ++i) {
    stack[i].setFunction(text_ref(e.context.call_stack[i].function));
    stack[i].setIp(e.context.call_stack[i].ip);
    stack[i].setLine(e.context.call_stack[i].line);
    stack[i].setColumn(e.context.call_stack[i].column);
  }
  out.setStackSize(e.context.state.stack_size);
  out.setHeapObjects(e.context.state.heap_objects);
  out.setHeapBytes(e.context.state.heap_bytes);
  out.setCallDepth(e.context.state.call_depth);
  // The format records the instructions executed before the failing one (format 1.0).
  const bool inside = fails_inside_instruction(e.kind) && e.context.state.step > 0;
  out.setStep(e.context.state.step - (inside ? 1 : 0));
}

VmError read_error(Error::Reader in) {
  const std::string kind = text_of(in.getKind());
  const std::optional<ErrorKind> k = error_kind_from_name(kind);
  if (!k) throw TraceFormatError(fmt::format("unknown error kind '{}'", kind));
  VmError e{*k, text_of(in.getMessage()), {}};
  e.context.function = text_of(in.getFunction());
  e.context.ip = in.getIp();
  e.context.file = text_of(in.getFile());
  e.context.line = in.getLine();
  e.context.column = in.getColumn();
  e.context.source_line = text_of(in.getSourceLine());
  for (auto f : in.getCallStack())
    e.context.call_stack.push_back({text_of(f.getFunction()), f.getIp(), f.getLine(), f.getColumn()});
  // Recorded without the failing instruction; in memory it counts (StateSummary::step).
  const std::uint64_t step = in.getStep() + (fails_inside_instruction(*k) ? 1 : 0);
  e.context.state = {in.getStackSize(), in.getHeapObjects(), in.getHeapBytes(), in.getCallDepth(), step};
  return e;
}

}  // namespace pw::trace
