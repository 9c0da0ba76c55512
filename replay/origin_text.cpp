// Text and JSON renderings of an origin chain.
#include "origin_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "state_dump.h"

namespace pw::replay {
namespace {

// [place] as one shell word: quoted unless it is plain (names, ::, digits).
std::string shell_word(const std::string& place) {
  const bool plain = !place.empty() && std::all_of(place.begin(), place.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == ':' || c == '-' || c == '.';
  });
  if (plain) return place;
  std::string q = "'";
  for (char c : place) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class TextWriter {
 public:
  TextWriter(const Program& p, const Origin& o, bool shell) : program_(p), origin_(o), shell_(shell) {}
  void link(const OriginLink& l, const std::string& indent, bool bullet, std::uint32_t depth) {
    out += indent + (bullet ? "- " : "") + head(l) + "\n";
    const std::string inner = indent + (bullet ? "  " : "");
    if (l.from.size() == 1)
      link(l.from[0], inner, false, depth + 1);
    else
      for (const OriginLink& child : l.from) link(child, inner + "  ", true, depth + 1);
    if (!l.go_on.empty()) {
      std::string places;
      for (const auto& g : l.go_on)
        places +=
            fmt::format("{}origin {} {}", places.empty() ? "" : ", ", g.step, shell_ ? shell_word(g.place) : g.place);
      const std::string bound = depth >= origin_.options.depth
                                    ? fmt::format("--depth {} reached", origin_.options.depth)
                                    : fmt::format("{} links shown", origin_.options.max_links);
      out += fmt::format("{}... ({}; {} to go on)\n", inner, bound, places);
    }
  }
  std::string out;

 private:
  std::string head(const OriginLink& l) const {
    if (!l.has_site) {
      if (l.kind == OriginLink::Kind::Debugger) return fmt::format("step {}  {}", l.step, l.note);
      return l.note;
    }
    const Program& p = program_;
    const std::string column = l.column ? fmt::format(":{}", l.column) : "";
    // A compiled program's library (its prelude) has no source positions.
    const std::string where =
        p.compiled && l.line == 0 ? "library" : fmt::format("{}:{}{}", p.source_name, l.line, column);
    const std::string value = l.has_value ? " -> " + l.value_text : "";
    return fmt::format("step {}  {} ({})  {}{}   {}", l.step, p.function_label(l.fn), where, l.instruction, value,
                       l.note);
  }

  const Program& program_;
  const Origin& origin_;
  bool shell_;
};

// Appends [l] and the links under it, depth first, to [out] as flat objects: each names its
// parent and the links under it by index, so a long chain is no deeper a JSON document.
std::size_t add_link_json(const Program& p, const OriginLink& l, std::optional<std::size_t> parent,
                          nlohmann::json& out) {
  const std::size_t id = out.size();
  nlohmann::json j{{"id", id}, {"kind", std::string(origin_kind_name(l.kind))}, {"note", json_safe_bytes(l.note)}};
  if (parent) j["parent"] = *parent;
  if (l.has_site || l.kind == OriginLink::Kind::Debugger) j["step"] = l.step;
  if (l.has_site) {
    j["function"] = json_safe_bytes(p.function_label(l.fn));
    j["ip"] = l.ip;
    j["file"] = json_safe_bytes(p.source_name);
    j["line"] = l.line;
    if (l.column) j["column"] = l.column;
    j["instruction"] = json_safe_bytes(l.instruction);
  }
  if (l.has_value) j["value"] = l.value_json;
  if (!l.place.empty()) j["place"] = json_safe_bytes(l.place);
  if (l.written_at) j["written_at"] = *l.written_at;
  if (l.kind == OriginLink::Kind::Argument || l.kind == OriginLink::Kind::Made) j["index"] = l.index;
  if (!l.go_on.empty()) {
    nlohmann::json go_on = nlohmann::json::array();
    for (const auto& g : l.go_on) go_on.push_back({{"step", g.step}, {"place", json_safe_bytes(g.place)}});
    j["go_on"] = std::move(go_on);
  }
  out.push_back(std::move(j));
  nlohmann::json from = nlohmann::json::array();
  for (const OriginLink& child : l.from) from.push_back(add_link_json(p, child, id, out));
  out[id]["from"] = std::move(from);
  return id;
}

}  // namespace

std::string origin_text(const Program& program, const Origin& origin, bool shell) {
  TextWriter w(program, origin, shell);
  w.out = fmt::format("{} is {} at step {}. It came from:\n", origin.place, origin.value_text, origin.at);
  w.link(origin.chain, "", false, 1);
  return w.out;
}

nlohmann::json origin_json(const Program& program, const Origin& origin) {
  nlohmann::json links = nlohmann::json::array();
  if (!origin.interrupted) add_link_json(program, origin.chain, std::nullopt, links);
  return {{"place", json_safe_bytes(origin.place)},
          {"at", origin.at},
          {"value", origin.value_json},
          {"window_start", origin.window_start},
          {"depth", origin.options.depth},
          {"bounded", origin.bounded},
          {"interrupted", origin.interrupted},
          {"links", links}};
}

}  // namespace pw::replay
