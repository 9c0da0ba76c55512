// The performance report of `pwreplay perf` as one self-contained HTML page.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace pwreplay {

// The whole page (inline CSS, SVG and a little JS; nothing fetched) for [report], the JSON
// that `pwreplay perf TRACE --json` prints. Absent or empty parts show as empty sections.
std::string perf_html_page(const nlohmann::json& report);

}  // namespace pwreplay
