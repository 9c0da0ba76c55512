// Text and JSON renderings of trace events and outcomes.
#include "trace_text.h"

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "colour.h"
#include "host.h"
#include "printable.h"
#include "state_dump.h"
#include "value.h"

namespace pwreplay {
namespace {

using pw::trace::Event;
using pw::trace::EventKind;

std::string fn_name(const pw::Program& p, std::uint32_t fn) {
  return fn < p.functions.size() ? p.function_label(fn) : fmt::format("fn#{}", fn);
}

std::uint32_t line_of(const pw::Program& p, std::uint32_t fn, std::uint32_t ip) {
  if (fn >= p.functions.size()) return 0;
  const auto& f = p.functions[fn];
  return ip < f.lines.size() ? f.lines[ip] : f.line;
}

// Names come from the trace: shown escaped in text, kept whole (as JSON-safe text) in JSON.
std::string fn_text(const pw::Program& p, std::uint32_t fn) { return pw::printable(fn_name(p, fn)); }
std::string fn_json(const pw::Program& p, std::uint32_t fn) { return pw::json_safe_bytes(fn_name(p, fn)); }

std::string where(const pw::Program& p, std::uint32_t fn, std::uint32_t ip) {
  return fmt::format("{} ip {} ({}:{})", fn_text(p, fn), ip, pw::printable(p.source_name), line_of(p, fn, ip));
}

std::string type_text(std::uint8_t t) {
  return t < pw::kValueTypeCount ? std::string(pw::type_name(static_cast<pw::ValueType>(t))) : fmt::format("type#{}", t);
}

std::string host_text(std::uint8_t h) {
  return h < pw::kHostFnCount ? std::string(pw::host_fn_info(static_cast<pw::HostFn>(h)).name) : fmt::format("host#{}", h);
}

const char* trigger_text(std::uint8_t t) {
  switch (t) {
    case 0: return "threshold";
    case 1: return "stress";
    case 2: return "heap limit";
    default: return "explicit";
  }
}

}  // namespace

void report(const std::string& message) {
  const std::string line = "pwreplay: " + pw::term::paint(stderr, pw::term::Style::Error, "error:") + " " +
                           pw::printable(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void print_text(std::string_view text) {
  const std::string out = pw::printable_lines(text);
  std::fwrite(out.data(), 1, out.size(), stdout);
}

std::string event_text(const pw::Program& p, const Event& e) {
  const std::string head = fmt::format("{:>10}  {:<8}  ", e.step, pw::trace::event_kind_name(e.kind));
  switch (e.kind) {
    case EventKind::Call: return head + fmt::format("{} (depth {})", fn_text(p, e.fn), e.depth);
    case EventKind::Return: return head + fmt::format("to depth {}", e.depth);
    case EventKind::TailCall: return head + fmt::format("{} (depth {})", fn_text(p, e.fn), e.depth);
    case EventKind::Alloc:
      return head + fmt::format("{} #{} ({} bytes) at {}", type_text(e.type), e.id, e.bytes, where(p, e.fn, e.ip));
    case EventKind::Gc:
      return head + fmt::format("{}: {} -> {} objects, {} -> {} bytes, pause {:.3f} ms", trigger_text(e.type),
                                e.objects_before, e.objects_after, e.bytes_before, e.bytes_after, e.pause_ns / 1e6);
    case EventKind::Throw: return head + fmt::format("{} at {}", type_text(e.type), where(p, e.fn, e.ip));
    case EventKind::Catch: return head + fmt::format("by {} (depth {})", where(p, e.fn, e.ip), e.depth);
    case EventKind::Host: {
      std::string result;
      switch (e.result_tag) {
        case pw::trace::HostResultTag::Nil: result = "nil"; break;
        case pw::trace::HostResultTag::Int: result = fmt::format("{}", e.result_int); break;
        case pw::trace::HostResultTag::String: result = pw::quoted(e.result_strings.at(0)); break;
        case pw::trace::HostResultTag::StringList: {
          result = "[";
          for (std::size_t i = 0; i < e.result_strings.size(); ++i)
            result += (i ? ", " : "") + pw::quoted(e.result_strings[i]);
          result += "]";
          break;
        }
      }
      return head + fmt::format("{}() -> {}", host_text(e.type), result);
    }
    case EventKind::Output: return head + pw::quoted(e.result_strings.at(0));
  }
  return head;
}

nlohmann::json event_json(const pw::Program& p, const Event& e) {
  nlohmann::json j;
  j["step"] = e.step;
  j["kind"] = std::string(pw::trace::event_kind_name(e.kind));
  j["depth"] = e.depth;
  switch (e.kind) {
    case EventKind::Call:
    case EventKind::TailCall: j["function"] = fn_json(p, e.fn); break;
    case EventKind::Return: break;
    case EventKind::Alloc:
      j["type"] = type_text(e.type);
      j["id"] = e.id;
      j["bytes"] = e.bytes;
      j["function"] = fn_json(p, e.fn);
      j["ip"] = e.ip;
      j["line"] = line_of(p, e.fn, e.ip);
      break;
    case EventKind::Gc:
      j["trigger"] = trigger_text(e.type);
      j["objects_before"] = e.objects_before;
      j["objects_after"] = e.objects_after;
      j["bytes_before"] = e.bytes_before;
      j["bytes_after"] = e.bytes_after;
      j["pause_ns"] = e.pause_ns;
      break;
    case EventKind::Throw:
      j["type"] = type_text(e.type);
      j["function"] = fn_json(p, e.fn);
      j["ip"] = e.ip;
      j["line"] = line_of(p, e.fn, e.ip);
      break;
    case EventKind::Catch:
      j["function"] = fn_json(p, e.fn);
      j["ip"] = e.ip;
      j["line"] = line_of(p, e.fn, e.ip);
      break;
    case EventKind::Host:
      j["host"] = host_text(e.type);
      switch (e.result_tag) {
        case pw::trace::HostResultTag::Nil: j["result"] = nullptr; break;
        case pw::trace::HostResultTag::Int: j["result"] = e.result_int; break;
        case pw::trace::HostResultTag::String: j["result"] = pw::json_safe_bytes(e.result_strings.at(0)); break;
        case pw::trace::HostResultTag::StringList: {
          nlohmann::json list = nlohmann::json::array();
          for (const auto& s : e.result_strings) list.push_back(pw::json_safe_bytes(s));
          j["result"] = list;
          break;
        }
      }
      break;
    case EventKind::Output: j["text"] = pw::json_safe_bytes(e.result_strings.at(0)); break;
  }
  return j;
}

std::string outcome_text(const pw::trace::TraceOutcome& o) {
  switch (o.status) {
    case pw::trace::TraceOutcome::Status::Halted: return fmt::format("halted with {}", pw::printable(o.result));
    case pw::trace::TraceOutcome::Status::Failed: {
      if (!o.error) return "failed";
      const auto& c = o.error->context;
      if (c.line == 0) return fmt::format("failed: {} (in {})", o.error->headline(), pw::printable(c.function));
      const std::string column = c.column ? fmt::format(":{}", c.column) : std::string();
      return fmt::format("failed: {} (in {} at {}:{}{})", o.error->headline(), pw::printable(c.function),
                         pw::printable(c.file), c.line, column);
    }
    case pw::trace::TraceOutcome::Status::Stopped:
      if (o.signal) return fmt::format("interrupted by signal {} at step {}", o.signal, o.steps);
      return "stopped before the end";
  }
  return "unknown";
}

nlohmann::json outcome_json(const pw::trace::TraceOutcome& o) {
  nlohmann::json j;
  j["steps"] = o.steps;
  j["final_hash"] = fmt::format("{:016x}", o.final_hash);
  j["output_bytes"] = o.output_bytes;
  switch (o.status) {
    case pw::trace::TraceOutcome::Status::Halted:
      j["status"] = "halted";
      j["result"] = pw::json_safe_bytes(o.result);
      break;
    case pw::trace::TraceOutcome::Status::Failed: {
      j["status"] = "failed";
      if (o.error) {
        const auto& e = *o.error;
        nlohmann::json stack = nlohmann::json::array();
        // "column" only where known (compiled programs), so hand-written programs' JSON is as before.
        for (const auto& f : e.context.call_stack) {
          stack.push_back({{"function", pw::json_safe_bytes(f.function)}, {"ip", f.ip}, {"line", f.line}});
          if (f.column) stack.back()["column"] = f.column;
        }
        j["error"] = {{"kind", std::string(pw::error_kind_name(e.kind))},
                      {"message", pw::json_safe_bytes(e.message)},
                      {"function", pw::json_safe_bytes(e.context.function)},
                      {"ip", e.context.ip},
                      {"file", pw::json_safe_bytes(e.context.file)},
                      {"line", e.context.line},
                      {"step", e.context.state.step},
                      {"call_stack", stack}};
        if (e.context.column) j["error"]["column"] = e.context.column;
      }
      break;
    }
    case pw::trace::TraceOutcome::Status::Stopped:
      j["status"] = o.signal ? "interrupted" : "stopped";
      if (o.signal) j["signal"] = o.signal;
      break;
  }
  return j;
}

std::string utc_time(std::int64_t unix_ns) {
  const std::time_t t = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace pwreplay
