// Looking at a stop from DAP: threads, frames, scopes, variables, evaluation (and the debug
// console's text commands), sources and disassembly.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "command_args.h"
#include "dap_session.h"
#include "disassembler.h"
#include "printable.h"
#include "source_vars.h"

namespace pw::debugger {
namespace {

using json = nlohmann::json;

// Flat instruction index <-> (function, ip), as the VM lays code out.
std::optional<std::pair<std::uint32_t, std::uint32_t>> code_at(const VmState& vm, std::uint64_t flat) {
  const auto& fns = vm.program().functions;
  for (std::uint32_t f = 0; f < fns.size(); ++f) {
    const auto start = static_cast<std::uint64_t>(vm.fn_runtime[f].code - vm.code.data());
    if (flat >= start && flat < start + fns[f].code.size()) return std::make_pair(f, static_cast<std::uint32_t>(flat - start));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_reference(const std::string& text) {
  std::uint64_t v = 0;
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits = hex ? text.substr(2) : text;
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    const int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                  : hex && std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                        : -1;
    if (d < 0 || v > (UINT64_MAX >> 4)) return std::nullopt;
    v = v * (hex ? 16 : 10) + static_cast<std::uint64_t>(d);
  }
  return v;
}

}  // namespace

json DapSession::source_json() const {
  const Program& p = cursor_->program();
  const std::string name = std::filesystem::path(p.source_name).filename().string();
  json s = {{"name", name.empty() ? std::string("program") : name}};
  if (!source_path_.empty()) {
    s["path"] = source_path_;
  } else {
    // Not on disk as the run saw it: the text the program carries, by reference.
    s["sourceReference"] = 1;
    s["origin"] = "the program's text, from the trace";
    s["presentationHint"] = "deemphasize";
  }
  return s;
}

std::uint32_t DapSession::frame_index(const json& args) const {
  const VmState& vm = cursor_->state();
  if (!args.contains("frameId") || !args["frameId"].is_number_integer()) return 0;
  const long long id = args["frameId"].get<long long>();
  if (id < 1 || id > vm.depth) throw DapError(fmt::format("no frame {} at this stop", id));
  return static_cast<std::uint32_t>(id - 1);
}

std::uint32_t DapSession::frame_line(std::uint32_t index) const {
  const VmState& vm = cursor_->state();
  const Frame& f = vm.frames[vm.depth - 1 - index];
  const Function& fn = vm.function_of(f);
  std::uint32_t ip = vm.ip_index(f);
  if (index > 0 && ip > 0) --ip;  // a caller waits after its call
  return ip < fn.lines.size() ? fn.lines[ip] : fn.line;
}

// The frame's source column (1-based), 1 when the program does not know columns.
std::int64_t DapSession::frame_column(std::uint32_t index) const {
  const VmState& vm = cursor_->state();
  const Frame& f = vm.frames[vm.depth - 1 - index];
  std::uint32_t ip = vm.ip_index(f);
  if (index > 0 && ip > 0) --ip;
  const std::uint32_t column = vm.function_of(f).column_at(ip);
  return cursor_->program().compiled && column ? column : 1;
}

std::string DapSession::frame_name(std::uint32_t index) const {
  const VmState& vm = cursor_->state();
  const Frame& f = vm.frames[vm.depth - 1 - index];
  const Function& fn = vm.function_of(f);
  return fmt::format("{}({})", fn.display_name(), replay::frame_arguments_text(vm, f, 40));
}

void DapSession::on_threads(const json& request) {
  respond(request, {{"threads", json::array({{{"id", 1}, {"name", "main"}}})}});
}

void DapSession::on_stack_trace(const json& request) {
  const json& args = arguments(request);
  const VmState& vm = cursor().state();
  const auto start = static_cast<std::uint64_t>(integer_argument(args, "startFrame", 0, 0));
  const auto levels = static_cast<std::uint64_t>(integer_argument(args, "levels", 0, 0));
  json frames = json::array();
  const std::uint64_t last = levels == 0 ? vm.depth : std::min<std::uint64_t>(vm.depth, start + levels);
  for (std::uint64_t i = start; i < last; ++i) {
    const auto index = static_cast<std::uint32_t>(i);
    const Frame& f = vm.frames[vm.depth - 1 - index];
    const std::uint32_t ip = vm.ip_index(f) - (index > 0 && vm.ip_index(f) > 0 ? 1 : 0);
    const auto flat = static_cast<std::uint64_t>(vm.fn_runtime[f.fn].code - vm.code.data()) + ip;
    frames.push_back({{"id", index + 1},
                      {"name", frame_name(index)},
                      {"source", source_json()},
                      {"line", client_line(frame_line(index))},
                      {"column", frame_column(index) + (lines_start_at_1_ ? 0 : -1)},
                      {"instructionPointerReference", fmt::format("0x{:x}", flat)},
                      {"moduleId", 1}});
  }
  respond(request, {{"stackFrames", frames}, {"totalFrames", vm.depth}});
}

void DapSession::on_scopes(const json& request) {
  cursor();
  const std::uint32_t index = frame_index(arguments(request));
  if (cursor_->state().depth == 0) throw DapError("no frames: the entry function has returned");
  respond(request, {{"scopes", variables_.scopes(cursor_->state(), index)}});
}

void DapSession::on_variables(const json& request) {
  const json& args = arguments(request);
  cursor();
  const long long reference = integer_argument(args, "variablesReference", 0);
  const auto list = variables_.variables(cursor_->state(), reference, args.value("filter", ""),
                                         static_cast<std::uint64_t>(integer_argument(args, "start", 0, 0)),
                                         static_cast<std::uint64_t>(integer_argument(args, "count", 0, 0)));
  if (!list) throw DapError(fmt::format("no variables reference {} at this stop", reference));
  respond(request, {{"variables", *list}});
}

void DapSession::on_set_variable(const json& request) {
  const json& args = arguments(request);
  cursor();
  if (!target_->live())
    throw DapError("this is a recorded run: its values cannot be changed (a live session, pwvm dap, can at its newest step)");
  if (cursor_->position() != cursor_->end())
    throw DapError(fmt::format("cannot change the past: the run is at step {}, and only its newest step ({}) can be changed",
                               cursor_->position(), cursor_->end()));
  const VmState& vm = cursor_->state();
  if (vm.status != RunStatus::Paused && vm.status != RunStatus::Ready)
    throw DapError("the run has ended: there is nothing left to change");
  const std::string name = args.value("name", "");
  const long long reference = integer_argument(args, "variablesReference", 0);
  if (!args.contains("value") || !args["value"].is_string()) throw DapError("'value' is missing: an expression");
  // The new value: an expression evaluated where the variable is shown (it makes no
  // objects: a string must be one the program has already).
  const replay::Expression e = replay::Expression::compile(args["value"].get<std::string>(), cursor_->program());
  const replay::EvalResult r = e.evaluate(vm);
  if (!r.available) throw DapError(fmt::format("cannot set {} to {}: {}", name, e.text(), r.reason));
  target_->change_state([&](VmState& live) {
    Value* slot = variables_.slot_of(live, reference, name);
    if (!slot) throw DapError(fmt::format("no variable '{}' in reference {} at this stop", name, reference));
    *slot = r.value;
  });
  json body = variables_.describe(cursor_->state(), r.value);
  respond(request, std::move(body));
  // Everything shown may depend on it.
  if (client_invalidated_) event("invalidated", {{"areas", json::array({"variables"})}, {"threadId", 1}});
}

void DapSession::run_console_command(const json& request, const std::string& command, std::uint32_t frame) {
  char* out_text = nullptr;
  char* err_text = nullptr;
  std::size_t out_size = 0, err_size = 0;
  std::FILE* out = open_memstream(&out_text, &out_size);
  std::FILE* err = open_memstream(&err_text, &err_size);
  if (!out || !err) throw DapError("cannot capture the command's output");
  Session& s = session();
  s.redirect(out, err);
  if (frame < cursor_->state().depth) s.select_frame(frame);
  const std::uint64_t before = cursor_->position();
  s.take_stop();  // only this command's move is told
  Session::Result result = Session::Result::Ok;
  run_move(seq_of(request), command, [&] {
    result = s.execute(command);
    return replay::Stop{replay::StopReason::Step, cursor_->position(), 0, std::nullopt, std::nullopt};
  }, {}, false);
  s.redirect(null_out_, null_out_);
  std::fclose(out);
  std::fclose(err);
  std::string said(out_text, out_size);
  const std::string error(err_text, err_size);
  std::free(out_text);
  std::free(err_text);
  while (!said.empty() && said.back() == '\n') said.pop_back();
  if (result == Session::Result::Quit) {
    respond(request, {{"result", "The session ends."}, {"variablesReference", 0}});
    end_target();
    event("terminated");
    return;
  }
  if (result == Session::Result::Error) {
    respond_error(request, error.empty() ? said : error.substr(0, error.find_last_not_of('\n') + 1));
    return;
  }
  respond(request, {{"result", said}, {"variablesReference", 0}});
  // A move in the console moves the editor too, told as the same move by request would be.
  const std::optional<replay::Stop> stop = s.take_stop();
  if (stop) report_stop(*stop, {});
  else if (cursor_->position() != before)
    report_stop({replay::StopReason::Step, cursor_->position(), 0, std::nullopt, std::nullopt}, "step");
}

void DapSession::on_evaluate(const json& request) {
  const json& args = arguments(request);
  if (!args.contains("expression") || !args["expression"].is_string()) throw DapError("'expression' is missing");
  const std::string text = args["expression"];
  const std::string context = args.value("context", "");
  cursor();
  const std::uint32_t frame = frame_index(args);
  const VmState& vm = cursor_->state();
  // The console runs the text debugger's commands too: "-exec CMD" always, or any line
  // that is not an expression but starts with a command's name (`info heap`, `last x`).
  if (context == "repl") {
    if (trim(text).substr(0, 6) == "-exec ") return run_console_command(request, std::string(trim(text).substr(6)), frame);
    try {
      replay::Expression::compile(text, cursor_->program());
    } catch (const replay::ExpressionError&) {
      const auto [word, rest] = split_word(text);
      if (Session::names_command(word)) return run_console_command(request, text, frame);
      throw;
    }
  }
  const replay::Expression e = replay::Expression::compile(text, cursor_->program());
  const replay::EvalResult r = e.evaluate_in(vm, vm.depth - std::min(frame, vm.depth));
  if (!r.available) throw DapError(fmt::format("cannot evaluate {}: {}", e.text(), r.reason));
  json body = variables_.describe(vm, r.value);
  body["result"] = body["value"];
  body.erase("value");
  respond(request, std::move(body));
}

void DapSession::on_source(const json& request) {
  const Program& p = cursor().program();
  if (p.source.empty()) throw DapError("the program carries no source text");
  respond(request, {{"content", p.source}, {"mimeType", "text/x-pwa"}});
}

void DapSession::on_loaded_sources(const json& request) {
  cursor();
  respond(request, {{"sources", json::array({source_json()})}});
}

void DapSession::on_exception_info(const json& request) {
  const VmState& vm = cursor().state();
  if (cursor_->at_end() && vm.status == RunStatus::Failed && vm.error) {
    respond(request, {{"exceptionId", std::string(error_kind_name(vm.error->kind))},
                      {"description", vm.error->headline()},
                      {"breakMode", "unhandled"},
                      {"details", {{"message", vm.error->message}, {"stackTrace", vm.error->format()}}}});
    return;
  }
  if ((last_stop_.reason == replay::StopReason::Thrown || last_stop_.reason == replay::StopReason::Caught) &&
      last_stop_.position == cursor_->position() && vm.sp > vm.stack) {
    const std::string value = replay::result_text(vm, replay::EvalResult::of(vm.sp[-1]), 200);
    respond(request, {{"exceptionId", "thrown"},
                      {"description", value},
                      // Caught: a handler has it. Thrown: unhandled when no handler is there to.
                      {"breakMode", last_stop_.reason == replay::StopReason::Caught || !vm.handlers.empty() ? "always" : "unhandled"},
                      {"details", {{"message", value}}}});
    return;
  }
  throw DapError("no exception at this stop");
}

// One address per instruction: the flat index of instructionPointerReference.
void DapSession::on_disassemble(const json& request) {
  const json& args = arguments(request);
  const VmState& vm = cursor().state();
  const Program& p = cursor_->program();
  const auto base = parse_reference(args.value("memoryReference", ""));
  if (!base) throw DapError("'memoryReference' is missing or not an instruction reference (0x...)");
  constexpr long long kFar = 1LL << 40;  // beyond any program's code, and no sum overflows
  const long long offset = integer_argument(args, "offset", 0, -kFar, kFar) + integer_argument(args, "instructionOffset", 0, -kFar, kFar);
  const long long count = integer_argument(args, "instructionCount", 0, 0, 100000);
  json list = json::array();
  for (long long k = 0; k < count; ++k) {
    const long long flat = static_cast<long long>(std::min<std::uint64_t>(*base, kFar)) + offset + k;
    const auto at = flat >= 0 ? code_at(vm, static_cast<std::uint64_t>(flat)) : std::nullopt;
    json item = {{"address", fmt::format("0x{:x}", flat < 0 ? 0 : flat)}};
    if (!at) {
      item["instruction"] = "";
      item["presentationHint"] = "invalid";
    } else {
      const Function& fn = p.functions[at->first];
      item["instruction"] = disassemble_instruction(p, fn, at->second);
      item["symbol"] = fmt::format("{}+{}", fn.name, at->second);
      item["location"] = source_json();
      item["line"] = client_line(at->second < fn.lines.size() ? fn.lines[at->second] : fn.line);
    }
    list.push_back(std::move(item));
  }
  respond(request, {{"instructions", list}});
}

}  // namespace pw::debugger
