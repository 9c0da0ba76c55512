// Breakpoints of every kind from DAP: source lines, functions, exceptions and data. They
// live in the session's stop conditions, numbered with the text debugger's own, so the
// debug console's `info breakpoints` lists them and its moves stop at them.
#include <filesystem>

#include <fmt/format.h>

#include "dap_session.h"
#include "printable.h"

namespace pw::debugger {
namespace {

using json = nlohmann::json;

std::string string_field(const json& o, const char* name) {
  const auto it = o.find(name);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint32_t line_of(const Program& p, const replay::Breakpoint& b) {
  const replay::CodeAddress a = b.addresses.front();
  const Function& fn = p.functions[a.fn];
  return a.ip < fn.lines.size() ? fn.lines[a.ip] : fn.line;
}

}  // namespace

void DapSession::remove_points(std::vector<int>& ids) {
  replay::StopConditions& c = session().conditions();
  for (int id : ids) {
    std::erase_if(c.breakpoints, [&](const auto& b) { return b.id == id; });
    std::erase_if(c.watchpoints, [&](const auto& w) { return w.id == id; });
    std::erase_if(c.catchpoints, [&](const auto& k) { return k.id == id; });
    point_lines_.erase(id);
  }
  ids.clear();
}

void DapSession::apply_options(replay::Breakpoint& b, const json& spec) {
  const Program& p = cursor().program();
  if (const std::string c = string_field(spec, "condition"); !c.empty()) b.condition = replay::Expression::compile(c, p);
  if (const std::string h = string_field(spec, "hitCondition"); !h.empty()) b.hit_condition = replay::parse_hit_condition(h);
  if (const std::string m = string_field(spec, "logMessage"); !m.empty()) b.log = replay::parse_log_message(m, p);
}

json DapSession::add_breakpoint(const std::string& where, const json& spec, std::vector<int>& ids) {
  const Program& p = cursor().program();
  replay::Breakpoint b = replay::make_breakpoint(p, where);
  apply_options(b, spec);
  b.id = session().allocate_id();
  const std::uint32_t at = line_of(p, b);
  point_lines_[b.id] = at;
  ids.push_back(b.id);
  json shown = {{"id", b.id}, {"verified", true}, {"line", client_line(at)}, {"source", source_json()}};
  session().conditions().breakpoints.push_back(std::move(b));
  return shown;
}

void DapSession::log_line(const replay::LogLine& line) {
  json body = {{"category", "console"}, {"output", line.text + "\n"}, {"step", line.position}};
  if (const auto it = point_lines_.find(line.breakpoint); it != point_lines_.end()) {
    body["source"] = source_json();
    body["line"] = client_line(it->second);
  }
  event("output", std::move(body));
}

void DapSession::on_set_breakpoints(const json& request) {
  const json& args = arguments(request);
  const Program& p = cursor().program();
  const json source = args.value("source", json::object());
  const std::string path = string_field(source, "path");
  const long long reference = source.contains("sourceReference") && source["sourceReference"].is_number_integer()
                                  ? source["sourceReference"].get<long long>()
                                  : 0;
  // Is it the program's source? By reference, by path, or by the name it was given.
  bool ours = reference == 1;
  if (!ours && !path.empty()) {
    std::error_code ec;
    ours = (!source_path_.empty() && std::filesystem::equivalent(path, source_path_, ec)) || path == p.source_name ||
           std::filesystem::path(path).filename() == std::filesystem::path(p.source_name).filename();
  }
  const std::string key = reference ? fmt::format("#{}", reference) : path;
  std::vector<int>& ids = line_points_[key];
  remove_points(ids);
  json result = json::array();
  const json wanted = args.value("breakpoints", json::array());
  for (const json& spec : wanted) {
    if (!spec.is_object() || !spec.contains("line") || !spec["line"].is_number_integer()) {
      result.push_back({{"verified", false}, {"message", "a breakpoint needs a line"}});
      continue;
    }
    const long long line = spec["line"].get<long long>();
    if (!ours) {
      result.push_back({{"verified", false}, {"line", line},
                        {"message", fmt::format("not the program's source ({})", printable(p.source_name))}});
      continue;
    }
    try {
      result.push_back(add_breakpoint(std::to_string(program_line(line)), spec, ids));
    } catch (const std::exception& e) {
      result.push_back({{"verified", false}, {"line", line}, {"message", printable(e.what())}});
    }
  }
  respond(request, {{"breakpoints", result}});
}

void DapSession::on_set_function_breakpoints(const json& request) {
  const json& args = arguments(request);
  cursor();
  remove_points(function_points_);
  json result = json::array();
  for (const json& spec : args.value("breakpoints", json::array())) {
    const std::string name = spec.is_object() ? string_field(spec, "name") : std::string();
    try {
      if (name.empty()) throw DapError("a function breakpoint needs a name");
      result.push_back(add_breakpoint(name, spec, function_points_));
    } catch (const std::exception& e) {
      result.push_back({{"verified", false}, {"message", printable(e.what())}});
    }
  }
  respond(request, {{"breakpoints", result}});
}

void DapSession::on_set_exception_breakpoints(const json& request) {
  const json& args = arguments(request);
  remove_points(exception_points_);
  std::vector<std::string> filters;
  for (const json& f : args.value("filters", json::array()))
    if (f.is_string()) filters.push_back(f.get<std::string>());
  for (const json& o : args.value("filterOptions", json::array()))
    if (o.is_object() && o.contains("filterId") && o["filterId"].is_string()) filters.push_back(o["filterId"]);
  json result = json::array();
  for (const std::string& f : filters) {
    replay::Catchpoint k;
    if (f == "thrown") k.on = replay::Catchpoint::On::Throw;
    else if (f == "caught") k.on = replay::Catchpoint::On::Catch;
    else if (f == "uncaught") k.on = replay::Catchpoint::On::Uncaught;
    else {
      result.push_back({{"verified", false}, {"message", fmt::format("no exception filter '{}' (thrown, uncaught, caught)", printable(f))}});
      continue;
    }
    k.id = session().allocate_id();
    exception_points_.push_back(k.id);
    session().conditions().catchpoints.push_back(k);
    result.push_back({{"id", k.id}, {"verified", true}});
  }
  respond(request, {{"breakpoints", result}});
}

void DapSession::on_data_breakpoint_info(const json& request) {
  const json& args = arguments(request);
  const std::string name = string_field(args, "name");
  if (name.empty()) throw DapError("'name' is missing: a variable or an expression");
  std::optional<std::string> place;
  if (args.contains("variablesReference") && args["variablesReference"].is_number_integer() &&
      args["variablesReference"].get<long long>() > 0) {
    place = variables_.place_of(cursor().state(), args["variablesReference"].get<long long>(), name);
    if (!place) {
      respond(request, {{"dataId", nullptr}, {"description", fmt::format("{} cannot be watched", printable(name))}});
      return;
    }
  } else {
    place = name;  // an expression (watch view, or a name typed in)
  }
  try {
    const replay::Expression e = replay::Expression::compile(*place, cursor().program());
    respond(request, {{"dataId", e.text()},
                      {"description", fmt::format("When {} changes", e.text())},
                      {"accessTypes", json::array({"write", "read", "readWrite"})},
                      {"canPersist", true}});
  } catch (const std::exception& e) {
    respond(request, {{"dataId", nullptr}, {"description", printable(e.what())}});
  }
}

void DapSession::on_set_data_breakpoints(const json& request) {
  const json& args = arguments(request);
  const Program& p = cursor().program();
  remove_points(data_points_);
  json result = json::array();
  for (const json& spec : args.value("breakpoints", json::array())) {
    try {
      const std::string id = spec.is_object() ? string_field(spec, "dataId") : std::string();
      if (id.empty()) throw DapError("a data breakpoint needs a dataId");
      const std::string access = string_field(spec, "accessType");
      if (!access.empty() && access != "write" && access != "read" && access != "readWrite")
        throw DapError(fmt::format("unknown access type '{}': write, read or readWrite", access));
      replay::Watchpoint w{0, true, replay::Expression::compile(id, p), std::nullopt, std::nullopt, 0};
      if (access == "read") w.access = replay::Watchpoint::Access::Read;
      if (access == "readWrite") w.access = replay::Watchpoint::Access::Any;
      if (const std::string c = string_field(spec, "condition"); !c.empty()) w.condition = replay::Expression::compile(c, p);
      if (const std::string h = string_field(spec, "hitCondition"); !h.empty()) w.hit_condition = replay::parse_hit_condition(h);
      w.id = session().allocate_id();
      data_points_.push_back(w.id);
      result.push_back({{"id", w.id}, {"verified", true}, {"description", w.expression.text()}});
      session().conditions().watchpoints.push_back(std::move(w));
    } catch (const std::exception& e) {
      result.push_back({{"verified", false}, {"message", printable(e.what())}});
    }
  }
  respond(request, {{"breakpoints", result}});
}

}  // namespace pw::debugger
