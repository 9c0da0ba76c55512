// The HTML page of a `pwreplay perf` report: flame graph, heap and GC-pause charts, and tables.
#include "perf_html.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "perf_report.h"

namespace pwreplay {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxRows = 50;         // rows per table
constexpr std::size_t kMaxFrames = 20000;    // flame frames drawn, whatever the tree's size
constexpr std::size_t kChartColumns = 1000;  // buckets when down-sampling chart points
constexpr double kPageWidth = 1260;          // width of every SVG, in user units
constexpr double kMinFramePx = 0.5;          // narrower frames would not be visible
constexpr double kRowHeight = 17;            // one flame graph level
constexpr double kCharWidth = 6.6;           // of the 11px monospace flame labels

// ---------------------------------------------------------------------------------------------
// Reading the report. Absent or mistyped fields read as empty so a partial report still renders.

const json& field(const json& j, const char* key) {
  static const json null_value;
  if (!j.is_object()) return null_value;
  const auto it = j.find(key);
  return it == j.end() ? null_value : *it;
}

const json& list(const json& j, const char* key) {
  static const json empty = json::array();
  const json& v = field(j, key);
  return v.is_array() ? v : empty;
}

double real(const json& j, const char* key) {
  const json& v = field(j, key);
  return v.is_number() ? v.get<double>() : 0.0;
}

std::uint64_t count(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) return static_cast<std::uint64_t>(std::max<std::int64_t>(0, v.get<std::int64_t>()));
  if (v.is_number_float()) return static_cast<std::uint64_t>(std::clamp(v.get<double>(), 0.0, 1.8e19));
  return 0;
}

std::string text(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

// ---------------------------------------------------------------------------------------------
// Formatting.

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(std::uint64_t n) { return with_thousands(std::to_string(n)); }

std::string decimal(double v, int places) {
  const std::string s = fmt::format("{:.{}f}", v, places);
  const std::size_t dot = s.find('.');
  return dot == std::string::npos ? with_thousands(s) : with_thousands(s.substr(0, dot)) + s.substr(dot);
}

// A field as a grouped number, "—" when the report has none (an unknown line, say).
std::string num_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number_unsigned()) return num(v.get<std::uint64_t>());
  if (v.is_number_integer()) return with_thousands(std::to_string(v.get<std::int64_t>()));
  if (v.is_number_float()) return decimal(v.get<double>(), 1);
  return v.is_string() ? esc(v.get<std::string>()) : "—";
}

// Instruction pointers and line numbers read better without separators.
std::string plain_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number() || v.is_string()) return esc(text(j, key));
  return "—";
}

std::string percent(double part, double whole) {
  if (whole <= 0) return "—";
  return fmt::format("{:.1f}%", 100.0 * part / whole);
}

std::string bytes_short(double b) {
  if (b < 1024) return fmt::format("{:.0f} B", b);
  if (b < 1024.0 * 1024) return fmt::format("{:.1f} KiB", b / 1024);
  if (b < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
  return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
}

std::string duration(double ns) {
  if (ns < 1e3) return fmt::format("{:.0f} ns", ns);
  if (ns < 1e6) return fmt::format("{:.1f} µs", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.2f} ms", ns / 1e6);
  return fmt::format("{:.2f} s", ns / 1e9);
}

std::string code(const std::string& s) { return s.empty() ? "—" : "<code>" + esc(s) + "</code>"; }

std::string site(const json& row) {
  return fmt::format("ip {} · line {}", plain_field(row, "ip"), plain_field(row, "line"));
}

// A percentage cell with a bar behind it, so the eye finds the big ones.
std::string percent_bar(double part, double whole) {
  if (whole <= 0) return "—";
  const double p = std::clamp(100.0 * part / whole, 0.0, 100.0);
  return fmt::format(R"(<span class="pct" style="--p:{:.1f}%">{:.1f}%</span>)", p, 100.0 * part / whole);
}

// ---------------------------------------------------------------------------------------------
// Tables.

struct Column {
  std::string_view title;
  bool numeric = true;
};

using Cells = std::function<std::vector<std::string>(const json&)>;

// Indices of the [limit] rows with the largest [key], or the first [limit] when key is null.
std::vector<std::size_t> top_rows(const json& rows, const char* key, std::size_t limit) {
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::size_t shown = std::min(limit, order.size());
  if (key != nullptr) {
    std::vector<double> value(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) value[i] = real(rows[i], key);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown), order.end(),
                      [&](std::size_t a, std::size_t b) { return value[a] != value[b] ? value[a] > value[b] : a < b; });
  }
  order.resize(shown);
  return order;
}

std::string table(const std::vector<Column>& columns, const json& rows, const char* sort_key, const Cells& cells,
                  std::string_view empty_note) {
  if (rows.empty()) return fmt::format(R"(<p class="empty">{}</p>)", empty_note);
  std::string out = "<table><thead><tr>";
  for (const auto& c : columns) out += fmt::format(R"(<th{}>{}</th>)", c.numeric ? R"( class="n")" : "", c.title);
  out += "</tr></thead><tbody>";
  const auto shown = top_rows(rows, sort_key, kMaxRows);
  for (const std::size_t i : shown) {
    const auto values = cells(rows[i]);
    out += "<tr>";
    for (std::size_t c = 0; c < columns.size(); ++c)
      out += fmt::format(R"(<td{}>{}</td>)", columns[c].numeric ? R"( class="n")" : "",
                         c < values.size() ? values[c] : "");
    out += "</tr>";
  }
  out += "</tbody>";
  if (rows.size() > shown.size())
    out += fmt::format(R"(<tfoot><tr><td colspan="{}">{} more not shown</td></tr></tfoot>)", columns.size(),
                       num(rows.size() - shown.size()));
  return out + "</table>";
}

std::string section(std::string_view id, std::string_view title, std::string_view note, const std::string& body) {
  const std::string note_html = note.empty() ? "" : fmt::format(R"(<p class="note">{}</p>)", note);
  return fmt::format(R"(<section id="{}"><h2>{}</h2>{}{}</section>)", id, title, note_html, body);
}

std::string stat(std::string_view label, const std::string& value) {
  return fmt::format(R"(<div class="stat"><div class="v">{}</div><div class="k">{}</div></div>)", value, label);
}

// ---------------------------------------------------------------------------------------------
// Header.

// "tail_calls" -> "tail calls"
std::string counter_label(std::string key) {
  std::replace(key.begin(), key.end(), '_', ' ');
  return esc(key);
}

std::string counters_html(const json& counters) {
  static const std::vector<std::string> kOrder = {"calls",           "tail_calls",  "returns", "allocations",
                                                  "allocated_bytes", "collections", "throws",  "catches"};
  std::string out = R"(<div class="stats">)";
  for (const auto& key : kOrder)
    if (!field(counters, key.c_str()).is_null()) out += stat(counter_label(key), num_field(counters, key.c_str()));
  if (counters.is_object())  // a counter added later still shows
    for (const auto& [key, value] : counters.items())
      if (std::find(kOrder.begin(), kOrder.end(), key) == kOrder.end())
        out += stat(counter_label(key), num_field(counters, key.c_str()));
  return out == R"(<div class="stats">)" ? "" : out + "</div>";
}

std::string header_html(const json& r) {
  const std::string program = text(r, "program");
  return fmt::format(
      R"(<header><h1>Performance of <code>{}</code></h1><dl class="meta">)"
      R"(<dt>trace</dt><dd><code>{}</code></dd><dt>window</dt><dd>steps {} .. {}</dd>)"
      R"(<dt>steps</dt><dd>{} executed instructions</dd><dt>recorded</dt><dd>{} on {}</dd>)"
      R"(<dt>ended</dt><dd>{}</dd></dl>{}</header>)",
      esc(program.empty() ? "(unknown program)" : program), esc(text(r, "trace")), num_field(r, "from"),
      num_field(r, "to"), num(count(r, "steps")), esc(text(r, "recorded_at")), esc(text(r, "recorded_on")),
      esc(run_ending_text(field(r, "outcome"))), counters_html(field(r, "counters")));
}

std::string nav_html(const json& r) {
  const std::string baseline = field(r, "baseline").is_object() ? R"(<a href="#baseline">baseline</a>)" : "";
  return R"(<nav>)" + baseline +
         R"(<a href="#flame-graph">flame graph</a><a href="#heap">heap</a><a href="#pauses">GC pauses</a>)"
         R"(<a href="#functions">functions</a><a href="#call-graph">call graph</a><a href="#hot-lines">hot lines</a>)"
         R"(<a href="#hot-instructions">hot instructions</a><a href="#mix">instruction mix</a>)"
         R"(<a href="#allocation-sites">allocation sites</a><a href="#leaks">leak suspects</a>)"
         R"(<a href="#gc-cycles">GC cycles</a></nav>)";
}

// ---------------------------------------------------------------------------------------------
// Compared with the baseline (--baseline): totals, gates, then functions by impact, each
// row that grew marked as a regression.

// "+1,234" / "-5" / "0".
std::string signed_num(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_number_integer()) return "—";
  const std::int64_t n = v.get<std::int64_t>();
  return fmt::format("{}{}", n > 0 ? "+" : "", with_thousands(std::to_string(n)));
}

std::string change_percent(const json& change, std::string_view none) {
  const json& p = field(change, "percent");
  if (p.is_number()) return esc(signed_percent(p.get<double>()));
  return real(change, "change") == 0 ? "0.0%" : std::string(none);
}

// The class of a row or cell whose figure grew (a regression) or shrank.
std::string trend(const json& change) {
  const double d = real(change, "change");
  return d > 0 ? "worse" : d < 0 ? "better" : "";
}

std::string change_cells(const json& change) {
  const std::string cls = trend(change).empty() ? "" : fmt::format(" {}", trend(change));
  return fmt::format(R"(<td class="n">{}</td><td class="n">{}</td><td class="n{}">{}</td><td class="n{}">{}</td>)",
                     num_field(change, "before"), num_field(change, "after"), cls, signed_num(change, "change"), cls,
                     change_percent(change, "new"));
}

std::string baseline_totals_html(const json& b) {
  std::string out =
      R"(<table class="compare"><thead><tr><th></th><th class="n">baseline</th><th class="n">this run</th>)"
      R"(<th class="n">change</th><th class="n">%</th></tr></thead><tbody>)";
  for (const auto& [key, label] : kBaselineTotals) {
    const json& c = field(field(b, "totals"), key);
    if (!c.is_object()) continue;
    out += fmt::format(R"(<tr><td>{}</td>{}</tr>)", label, change_cells(c));
  }
  return out + "</tbody></table>";
}

std::string gates_html(const json& b) {
  const json& gates = list(b, "gates");
  if (gates.empty()) return "";
  std::string out = R"(<ul class="gates">)";
  for (const json& g : gates) {
    const bool passed = field(g, "passed").is_boolean() && field(g, "passed").get<bool>();
    const std::string flag = text(g, "gate") == "max_regression" ? "--max-regression" : "--max-function-regression";
    const json& largest = field(g, "largest");
    std::string what = "no function ran in both runs";
    if (largest.is_object()) {
      const std::string name = text(largest, "name");
      what = fmt::format("{}{}total instructions {} ({} → {})", passed && !name.empty() ? "largest growth " : "",
                         name.empty() ? "" : "<code>" + esc(name) + "</code>: ", change_percent(largest, "new"),
                         num_field(largest, "before"), num_field(largest, "after"));
    }
    const std::size_t over = list(g, "over_limit").size();
    if (over > 1) what += fmt::format(" and {} more function{}", over - 1, over > 2 ? "s" : "");
    out += fmt::format(R"(<li class="{}"><b>{}</b> <code>{} {}</code>: {}</li>)", passed ? "better" : "worse",
                       passed ? "passed" : "failed", flag, real(g, "limit"), what);
  }
  return out + "</ul>";
}

std::string baseline_functions_html(const json& b) {
  const json& functions = list(b, "functions");
  if (functions.empty()) return R"(<p class="empty">No functions ran in either run.</p>)";
  std::string out =
      R"(<table class="compare"><thead><tr><th>function</th><th class="n">total before</th><th class="n">total after</th>)"
      R"(<th class="n">change</th><th class="n">%</th><th class="n">self before</th><th class="n">self after</th>)"
      R"(<th class="n">change</th><th class="n">%</th><th class="n">calls</th><th class="n">allocations</th>)"
      R"(<th class="n">bytes</th></tr></thead><tbody>)";
  const std::size_t shown = std::min(kMaxRows, functions.size());
  for (std::size_t k = 0; k < shown; ++k) {
    const json& f = functions[k];
    const std::string in = text(f, "in");
    const std::string note = in == "new"        ? R"( <span class="tag">new</span>)"
                             : in == "baseline" ? R"( <span class="tag">not in this version</span>)"
                                                : "";
    out += fmt::format(
        R"(<tr class="{}"><td>{}{}</td>{}{}<td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>)",
        trend(field(f, "total_steps")), code(text(f, "name")), note, change_cells(field(f, "total_steps")),
        change_cells(field(f, "self_steps")), signed_num(field(f, "calls"), "change"),
        signed_num(field(f, "allocations"), "change"), signed_num(field(f, "allocated_bytes"), "change"));
  }
  out += "</tbody>";
  if (functions.size() > shown)
    out += fmt::format(R"(<tfoot><tr><td colspan="12">{} more not shown</td></tr></tfoot>)",
                       num(functions.size() - shown));
  return out + "</table>";
}

std::string baseline_html(const json& r) {
  const json& b = field(r, "baseline");
  if (!b.is_object()) return "";
  const std::string relation =
      text(b, "relation") == "same"
          ? std::string("the same program")
          : fmt::format("two versions of the program, {} function{} matched by name", num_field(b, "functions_matched"),
                        count(b, "functions_matched") == 1 ? "" : "s");
  const std::string note = fmt::format(
      "Against <code>{}</code> (<code>{}</code>, recorded {}): {}. Exact instruction counts; a row in red grew. "
      "Functions by the change in their total (inclusive) instructions, then in self instructions; the change in "
      "calls, "
      "allocations and bytes is the last three columns.",
      esc(text(b, "trace")), esc(text(b, "program")), esc(text(b, "recorded_at")), relation);
  return section("baseline", "Compared with the baseline", note,
                 gates_html(b) + baseline_totals_html(b) + baseline_functions_html(b));
}

// ---------------------------------------------------------------------------------------------
// Flame graph: an icicle, root on top, each frame as wide as its share of the root's steps.

struct Frame {
  const json* node;
  double x;  // left edge and width as fractions of the root
  double w;
  std::size_t depth;
};

struct FlameLayout {
  std::vector<Frame> frames;
  std::size_t depth = 0;   // of the deepest frame drawn
  bool truncated = false;  // stopped at kMaxFrames
};

// Lays out the report's flat flame list (parents before children, each parent's children
// largest first): a frame starts where its parent's earlier children end.
FlameLayout layout_flame(const json& nodes, double root_total) {
  FlameLayout out;
  const double min_width = kMinFramePx / kPageWidth;
  struct Placed {
    std::size_t frame = SIZE_MAX;  // index in out.frames (SIZE_MAX: not drawn)
    double next_x = 0;             // where its next child starts
  };
  std::vector<Placed> placed(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const json& node = nodes[i];
    const json& parent = field(node, "parent");
    if (!parent.is_number_integer()) {
      if (i != 0) continue;  // one root, first
      out.frames.push_back({&node, 0.0, 1.0, 0});
      placed[i] = {0, 0.0};
      continue;
    }
    const std::int64_t p = parent.get<std::int64_t>();
    if (p < 0 || static_cast<std::size_t>(p) >= i || placed[p].frame == SIZE_MAX) continue;  // not drawn above
    if (out.frames.size() == kMaxFrames) {
      out.truncated = true;
      break;
    }
    const Frame& up = out.frames[placed[p].frame];
    const double x = placed[p].next_x;
    const double w = std::min(real(node, "total_steps") / root_total, up.x + up.w - x);  // never past the parent
    placed[p].next_x += std::max(w, 0.0);
    if (w < min_width) continue;
    const Frame f{&node, x, w, up.depth + 1};
    placed[i] = {out.frames.size(), x};
    out.frames.push_back(f);
    out.depth = std::max(out.depth, f.depth);
  }
  return out;
}

// Warm colours, stable per name, so a function looks the same everywhere in the graph.
std::string frame_colour(std::string_view name) {
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return fmt::format("hsl({},{}%,{}%)", h % 48, 70 + (h >> 8) % 25, 58 + (h >> 16) % 14);
}

// The name cut to what fits in [px]; empty when not even three characters do.
std::string frame_label(const std::string& name, double px) {
  const auto fits = static_cast<std::ptrdiff_t>(std::floor((px - 6) / kCharWidth));
  if (fits < 3) return "";
  if (static_cast<std::size_t>(fits) >= name.size()) return name;
  std::size_t cut = static_cast<std::size_t>(fits) - 1;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // stay on a UTF-8 boundary
  return name.substr(0, cut) + "…";
}

std::string frame_svg(const Frame& f, double root_total) {
  const std::string name = text(*f.node, "name");
  const double total = real(*f.node, "total_steps");
  const double px = f.x * kPageWidth;
  const double pw = f.w * kPageWidth;
  const double y = static_cast<double>(f.depth) * kRowHeight;
  return fmt::format(
      R"(<g class="fr" data-x="{:.10g}" data-w="{:.10g}" data-d="{}" data-n="{}">)"
      R"(<title>{} — total {} steps ({}), self {}</title>)"
      R"(<rect x="{:.2f}" y="{}" width="{:.2f}" height="{}" fill="{}"/><text x="{:.2f}" y="{}">{}</text></g>)",
      f.x, f.w, f.depth, esc(name), esc(name), num(count(*f.node, "total_steps")), percent(total, root_total),
      num(count(*f.node, "self_steps")), px, y, pw, kRowHeight - 1, frame_colour(name), px + 3, y + 12,
      esc(frame_label(name, pw)));
}

// Click a frame to make it the full width; "reset" to go back. Ancestors stay, clipped.
constexpr std::string_view kFlameScript = R"(<script>
(() => {
  const svg = document.getElementById('flame');
  if (!svg) return;
  const W = +svg.dataset.w, CW = +svg.dataset.cw;
  const frames = [...svg.querySelectorAll('g.fr')];
  const label = (n, w) => {
    const fits = Math.floor((w - 6) / CW);
    return fits < 3 ? '' : n.length <= fits ? n : n.slice(0, fits - 1) + '\u2026';
  };
  const zoom = (zx, zw, zd) => {
    for (const g of frames) {
      const x = +g.dataset.x, w = +g.dataset.w, d = +g.dataset.d;
      const l = Math.max(x, zx), r = Math.min(x + w, zx + zw);
      if (r - l <= zw * 1e-9) { g.style.display = 'none'; continue; }
      g.style.display = '';
      const px = (l - zx) / zw * W, pw = (r - l) / zw * W;
      const rect = g.querySelector('rect'), text = g.querySelector('text');
      rect.setAttribute('x', px.toFixed(2));
      rect.setAttribute('width', pw.toFixed(2));
      text.setAttribute('x', (px + 3).toFixed(2));
      text.textContent = label(g.dataset.n, pw);
      g.classList.toggle('anc', d < zd);
    }
  };
  svg.addEventListener('click', e => {
    const g = e.target.closest('g.fr');
    if (g) zoom(+g.dataset.x, +g.dataset.w, +g.dataset.d);
  });
  document.getElementById('flame-reset').addEventListener('click', () => zoom(0, 1, 0));
})();
</script>)";

std::string flame_html(const json& nodes) {
  static const json kNone;
  const json& root = nodes.is_array() && !nodes.empty() ? nodes[0] : kNone;
  const double root_total = real(root, "total_steps");
  if (!root.is_object() || root_total <= 0)
    return section("flame-graph", "Flame graph", "", R"(<p class="empty">No steps in this window.</p>)");
  const FlameLayout layout = layout_flame(nodes, root_total);
  const double height = static_cast<double>(layout.depth + 1) * kRowHeight;
  std::string svg = fmt::format(
      R"(<div class="flame-box"><svg id="flame" data-w="{}" data-cw="{}" width="{}" height="{}" viewBox="0 0 {} {}">)",
      kPageWidth, kCharWidth, kPageWidth, height, kPageWidth, height);
  for (const Frame& f : layout.frames) svg += frame_svg(f, root_total);
  svg += "</svg></div>";
  std::string note = fmt::format(
      "Width is the share of the window's {} steps spent in a call path (root on top). Click a frame to zoom, "
      R"(<button id="flame-reset" type="button">reset zoom</button>. Frames narrower than {} px are not drawn.)",
      num(count(root, "total_steps")), kMinFramePx);
  if (layout.truncated) note += fmt::format(" Only the first {} frames are drawn.", num(kMaxFrames));
  return section("flame-graph", "Flame graph", note, svg + std::string(kFlameScript));
}

// ---------------------------------------------------------------------------------------------
// Charts.

struct Plot {
  double x_lo, x_hi, y_hi;
  double left = 90, top = 16, width = kPageWidth - 90 - 24, height = 210;
  double px(double x) const { return left + (x - x_lo) / (x_hi - x_lo) * width; }
  double py(double y) const { return top + height - y / y_hi * height; }
  double svg_height() const { return top + height + 44; }
  // The pixel column of [x], for down-sampling.
  std::size_t column(double x, std::size_t columns) const {
    const double c = (x - x_lo) / (x_hi - x_lo) * static_cast<double>(columns);
    return static_cast<std::size_t>(std::clamp(c, 0.0, static_cast<double>(columns - 1)));
  }
};

struct Point {
  double x, y;
  std::size_t index;       // in the report's list
  std::size_t merged = 1;  // points this one stands for after down-sampling
};

// The window's steps as the x range; the data's own range when the window is empty.
Plot plot_for(const json& r, const std::vector<Point>& points, double y_hi) {
  double lo = real(r, "from"), hi = real(r, "to");
  if (hi <= lo && !points.empty()) {
    lo = points.front().x;
    hi = points.back().x;
  }
  if (hi <= lo) hi = lo + 1;
  return Plot{lo, hi, y_hi > 0 ? y_hi : 1};
}

// Keeps the highest point per column, so the worst pause of a burst is still seen.
std::vector<Point> max_per_column(const std::vector<Point>& points, const Plot& p, std::size_t columns) {
  if (points.size() <= columns) return points;
  std::vector<Point> best;
  std::size_t current = columns;  // no column yet
  for (const Point& pt : points) {
    const std::size_t c = p.column(pt.x, columns);
    if (c != current || best.empty()) {
      best.push_back(pt);
      current = c;
    } else {
      Point& b = best.back();
      const std::size_t merged = b.merged + 1;
      if (pt.y > b.y) b = pt;
      b.merged = merged;
    }
  }
  return best;
}

// Keeps the lowest and highest point per column, in order, so the line keeps its envelope.
std::vector<Point> envelope(const std::vector<Point>& points, const Plot& p, std::size_t columns) {
  if (points.size() <= 2 * columns) return points;
  std::vector<Point> out;
  std::size_t i = 0;
  while (i < points.size()) {
    const std::size_t c = p.column(points[i].x, columns);
    std::size_t lo = i, hi = i, j = i;
    for (; j < points.size() && p.column(points[j].x, columns) == c; ++j) {
      if (points[j].y < points[lo].y) lo = j;
      if (points[j].y > points[hi].y) hi = j;
    }
    out.push_back(points[std::min(lo, hi)]);
    if (lo != hi) out.push_back(points[std::max(lo, hi)]);
    i = j;
  }
  return out;
}

std::string axes_svg(const Plot& p, std::string_view x_title, std::string_view y_title,
                     const std::function<std::string(double)>& y_tick) {
  std::string out;
  const double bottom = p.top + p.height;
  for (const double f : {0.0, 0.5, 1.0}) {  // y ticks and grid
    const double y = p.py(f * p.y_hi);
    out += fmt::format(R"(<line class="grid" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/>)", p.left, y,
                       p.left + p.width, y);
    out += fmt::format(R"(<text class="tick" x="{}" y="{:.1f}" text-anchor="end">{}</text>)", p.left - 6, y + 4,
                       y_tick(f * p.y_hi));
  }
  for (const double f : {0.0, 0.5, 1.0}) {  // x ticks
    const double step = p.x_lo + f * (p.x_hi - p.x_lo);
    const char* anchor = f == 0.0 ? "start" : f == 1.0 ? "end" : "middle";
    out += fmt::format(R"(<line class="axis" x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}"/>)", p.px(step), bottom,
                       bottom + 4);
    out += fmt::format(R"(<text class="tick" x="{:.1f}" y="{}" text-anchor="{}">{}</text>)", p.px(step), bottom + 17,
                       anchor, num(static_cast<std::uint64_t>(std::llround(step))));
  }
  out += fmt::format(R"(<line class="axis" x1="{0}" y1="{1}" x2="{2}" y2="{1}"/>)", p.left, bottom, p.left + p.width);
  out += fmt::format(R"(<line class="axis" x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>)", p.left, p.top, bottom);
  out += fmt::format(R"(<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>)", p.left + p.width / 2,
                     bottom + 38, x_title);
  out += fmt::format(R"~(<text class="label" transform="translate(18,{}) rotate(-90)" text-anchor="middle">{}</text>)~",
                     p.top + p.height / 2, y_title);
  return out;
}

std::string chart_svg(const Plot& p, const std::string& body) {
  return fmt::format(R"(<svg class="chart" width="{0}" height="{1}" viewBox="0 0 {0} {1}">{2}</svg>)", kPageWidth,
                     p.svg_height(), body);
}

std::vector<Point> heap_points(const json& heap, std::string_view only_at = {}) {
  std::vector<Point> out;
  for (std::size_t i = 0; i < heap.size(); ++i)
    if (only_at.empty() || text(heap[i], "at") == only_at)
      out.push_back({real(heap[i], "step"), real(heap[i], "live_bytes"), i});
  return out;
}

std::string heap_marker(const Plot& p, const json& heap, const Point& pt, std::string_view cls, double radius) {
  const json& s = heap[pt.index];
  const std::string more = pt.merged > 1 ? fmt::format(" (highest of {} here)", num(pt.merged)) : "";
  return fmt::format(
      R"(<circle class="{}" cx="{:.1f}" cy="{:.1f}" r="{}">)"
      R"(<title>{} at step {}: {} live objects, {} bytes{}</title></circle>)",
      cls, p.px(pt.x), p.py(pt.y), radius, esc(text(s, "at")), num_field(s, "step"), num_field(s, "live_objects"),
      num_field(s, "live_bytes"), more);
}

// Small dots when there are many, so they do not bury the line.
std::string heap_markers(const Plot& p, const json& heap, std::string_view at, std::string_view cls) {
  const auto points = max_per_column(heap_points(heap, at), p, kChartColumns);
  const double radius = points.size() > 100 ? 1.5 : 3;
  std::string out;
  for (const Point& pt : points) out += heap_marker(p, heap, pt, cls, radius);
  return out;
}

std::string heap_line(const Plot& p, const std::vector<Point>& points) {
  std::string line;
  for (const Point& pt : points)
    line += fmt::format("{}{:.1f},{:.1f}", line.empty() ? "M" : "L", p.px(pt.x), p.py(pt.y));
  const std::string area = fmt::format("{}L{:.1f},{:.1f}L{:.1f},{:.1f}Z", line, p.px(points.back().x), p.top + p.height,
                                       p.px(points.front().x), p.top + p.height);
  return fmt::format(R"(<path class="area" d="{}"/><path class="line" d="{}"/>)", area, line);
}

std::string heap_html(const json& r) {
  const json& heap = list(r, "heap");
  const std::vector<Point> all = heap_points(heap);
  if (all.empty()) return section("heap", "Heap over time", "", R"(<p class="empty">No heap samples.</p>)");
  double y_max = 0;
  for (const Point& pt : all) y_max = std::max(y_max, pt.y);
  const Plot p = plot_for(r, all, y_max * 1.05);
  std::string body = axes_svg(p, "step", "live bytes", [](double v) { return bytes_short(v); });
  body += heap_line(p, envelope(all, p, kChartColumns));
  body += heap_markers(p, heap, "gc", "gc");
  body += heap_markers(p, heap, "snapshot", "snap");
  body += fmt::format(R"(<text class="legend" x="{}" y="12" text-anchor="end">)"
                      R"(<tspan class="gc-key">●</tspan> after a GC)"
                      R"(<tspan dx="14" class="snap-key">●</tspan> snapshot)"
                      R"(<tspan dx="14">peak {}</tspan></text>)",
                      p.left + p.width, esc(bytes_short(y_max)));
  return section("heap", "Heap over time", "Live bytes against step; hover a dot for its numbers.", chart_svg(p, body));
}

std::string pause_bar(const Plot& p, const json& cycles, const Point& pt, double bar_width) {
  const json& c = cycles[pt.index];
  const std::string more = pt.merged > 1 ? fmt::format(" (longest of {} cycles here)", num(pt.merged)) : "";
  const double y = p.py(pt.y);
  return fmt::format(
      R"(<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">)"
      R"(<title>GC at step {} ({}): paused {}, freed {} objects{}</title></rect>)",
      p.px(pt.x) - bar_width / 2, y, bar_width, std::max(p.top + p.height - y, 0.5), num_field(c, "step"),
      esc(text(c, "trigger")), duration(pt.y), num_field(c, "freed_objects"), more);
}

std::string measured_on(const json& r) {
  std::string where = text(field(r, "gc"), "pauses_measured_on");
  if (where.empty()) where = text(r, "recorded_on");
  return where.empty() ? "the recording machine" : "the recording machine, " + esc(where);
}

std::string pauses_html(const json& r) {
  const json& cycles = list(field(r, "gc"), "cycles");
  const std::string note =
      "Wall-clock pause of each collection, measured on " + measured_on(r) + ", not by this replay.";
  if (cycles.empty())
    return section("pauses", "GC pauses", note, R"(<p class="empty">No GC cycles in this window.</p>)");
  std::vector<Point> all;
  double y_max = 0;
  for (std::size_t i = 0; i < cycles.size(); ++i) {
    all.push_back({real(cycles[i], "step"), real(cycles[i], "pause_ns"), i});
    y_max = std::max(y_max, all.back().y);
  }
  const Plot p = plot_for(r, all, y_max * 1.05);
  const std::vector<Point> bars = max_per_column(all, p, static_cast<std::size_t>(p.width));
  const double bar_width = std::clamp(p.width / static_cast<double>(bars.size()) * 0.6, 1.0, 10.0);
  std::string body = axes_svg(p, "step", "pause", [](double v) { return duration(v); });
  for (const Point& pt : bars) body += pause_bar(p, cycles, pt, bar_width);
  return section("pauses", "GC pauses", note, chart_svg(p, body));
}

// ---------------------------------------------------------------------------------------------
// Tables of the report's lists.

std::string functions_html(const json& r) {
  const double steps = real(r, "steps");
  const Cells cells = [&](const json& f) -> std::vector<std::string> {
    return {code(text(f, "name")),       num_field(f, "calls"),
            num_field(f, "self_steps"),  percent_bar(real(f, "self_steps"), steps),
            num_field(f, "total_steps"), percent(real(f, "total_steps"), steps),
            num_field(f, "allocations"), num_field(f, "allocated_bytes")};
  };
  return section("functions", "Functions",
                 "Self steps are spent in the function's own instructions, total steps also in its callees.",
                 table({{"function", false}, {"calls"}, {"self steps"}, {"self %"}, {"total steps"}, {"total %"},
                        {"allocations"}, {"bytes"}},
                       list(r, "functions"), "self_steps", cells, "No functions ran in this window."));
}

std::string call_graph_html(const json& r) {
  const double steps = real(r, "steps");
  const Cells cells = [&](const json& e) -> std::vector<std::string> {
    return {code(text(e, "caller")), code(text(e, "callee")), num_field(e, "calls"), num_field(e, "total_steps"),
            percent(real(e, "total_steps"), steps)};
  };
  return section("call-graph", "Call graph", "Steps spent in the callee (and below) when called from the caller.",
                 table({{"caller", false}, {"callee", false}, {"calls"}, {"total steps"}, {"total %"}},
                       list(r, "call_graph"), "total_steps", cells, "No calls in this window."));
}

std::string hot_lines_html(const json& r) {
  const double steps = real(r, "steps");
  const Cells cells = [&](const json& l) -> std::vector<std::string> {
    return {fmt::format("<code>{}:{}</code>", esc(text(l, "file")), plain_field(l, "line")), code(text(l, "function")),
            num_field(l, "steps"), percent_bar(real(l, "steps"), steps)};
  };
  return section("hot-lines", "Hot lines", "",
                 table({{"line", false}, {"function", false}, {"steps"}, {"%"}}, list(r, "hot_lines"), "steps", cells,
                       "No lines ran in this window."));
}

std::string hot_instructions_html(const json& r) {
  const double steps = real(r, "steps");
  const Cells cells = [&](const json& i) -> std::vector<std::string> {
    return {code(text(i, "function")), site(i), code(text(i, "instruction")), num_field(i, "steps"),
            percent_bar(real(i, "steps"), steps)};
  };
  return section("hot-instructions", "Hot instructions", "",
                 table({{"function", false}, {"where", false}, {"instruction", false}, {"steps"}, {"%"}},
                       list(r, "hot_instructions"), "steps", cells, "No instructions ran in this window."));
}

std::string mix_html(const json& r) {
  const double steps = real(r, "steps");
  const Cells cells = [&](const json& m) -> std::vector<std::string> {
    return {code(text(m, "op")), num_field(m, "steps"), percent_bar(real(m, "steps"), steps)};
  };
  return section("mix", "Instruction mix", "",
                 table({{"instruction", false}, {"steps"}, {"%"}}, list(r, "instruction_mix"), "steps", cells,
                       "No instructions ran in this window."));
}

std::string allocation_sites_html(const json& r) {
  const Cells cells = [](const json& a) -> std::vector<std::string> {
    return {code(text(a, "function")), site(a),
            code(text(a, "instruction")), num_field(a, "objects"),
            num_field(a, "bytes"),        num_field(a, "live_at_end"),
            num_field(a, "live_bytes_at_end")};
  };
  return section("allocation-sites", "Allocation sites",
                 "Objects allocated in the window, and how many were still live at its end.",
                 table({{"function", false}, {"where", false}, {"instruction", false}, {"objects"}, {"bytes"},
                        {"live at end"}, {"live bytes at end"}},
                       list(r, "allocation_sites"), "bytes", cells, "No allocations in this window."));
}

std::string root_path(const json& suspect) {
  std::string out;
  for (const json& step : list(suspect, "root_path")) {
    if (!out.empty()) out += " → ";
    out += esc(step.is_string() ? step.get<std::string>() : step.dump());
  }
  return out.empty() ? "—" : R"(<span class="path">)" + out + "</span>";
}

std::string leaks_html(const json& r) {
  const Cells cells = [](const json& s) -> std::vector<std::string> {
    return {code(text(s, "function")),
            site(s),
            code(text(s, "instruction")),
            num_field(s, "live_first") + " → " + num_field(s, "live_last"),
            num_field(s, "live_bytes_last"),
            num_field(s, "cycles"),
            num_field(s, "growth_objects_per_mstep"),
            esc(text(s, "sample")),
            root_path(s)};
  };
  return section("leaks", "Leak suspects",
                 "Allocation sites whose live objects kept growing across collections; the path shows what keeps a "
                 "sample object alive.",
                 table({{"function", false}, {"where", false}, {"instruction", false}, {"live objects"}, {"live bytes"},
                        {"GC cycles"}, {"growth / M steps"}, {"sample", false}, {"kept alive by", false}},
                       list(r, "leak_suspects"), nullptr, cells, "No leak suspects."));
}

std::string gc_totals_html(const json& r) {
  const json& total = field(field(r, "gc"), "total");
  return R"(<div class="stats">)" + stat("cycles", num(count(total, "cycles"))) +
         stat("freed objects", num(count(total, "freed_objects"))) +
         stat("freed bytes", num(count(total, "freed_bytes"))) +
         stat("total pause", duration(real(total, "pause_ns"))) +
         stat("longest pause", duration(real(total, "max_pause_ns"))) + "</div>";
}

std::string gc_cycles_html(const json& r) {
  const json& cycles = list(field(r, "gc"), "cycles");
  const Cells cells = [](const json& c) -> std::vector<std::string> {
    return {num_field(c, "step"),          esc(text(c, "trigger")),       num_field(c, "objects_before"),
            num_field(c, "bytes_before"),  num_field(c, "objects_after"), num_field(c, "bytes_after"),
            num_field(c, "freed_objects"), num_field(c, "freed_bytes"),   duration(real(c, "pause_ns"))};
  };
  const std::string note = "Longest pauses first; pauses measured on " + measured_on(r) + ".";
  return section("gc-cycles", "GC cycles", note,
                 gc_totals_html(r) + table({{"step"}, {"trigger", false}, {"objects before"}, {"bytes before"},
                                            {"objects after"}, {"bytes after"}, {"freed objects"}, {"freed bytes"},
                                            {"pause"}},
                                           cycles, "pause_ns", cells, "No GC cycles in this window."));
}

// ---------------------------------------------------------------------------------------------
// The page.

constexpr std::string_view kStyle = R"(<style>
:root { --ink: #1f2328; --muted: #656d76; --line: #d8dee4; --bg: #f6f8fa; --accent: #c2410c; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px 48px; background: var(--bg); color: var(--ink);
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1352px; margin: 0 auto; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
header h1 { font-size: 22px; margin: 0 0 8px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0 0 14px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.stats { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 14px; }
.stat { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 110px; }
.stat .v { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat .k { color: var(--muted); font-size: 12px; }
nav { position: sticky; top: 0; z-index: 2; background: var(--bg); padding: 8px 0; border-bottom: 1px solid var(--line);
      display: flex; flex-wrap: wrap; gap: 4px 16px; margin-bottom: 16px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px 16px;
          margin: 0 0 18px; overflow-x: auto; scroll-margin-top: 48px; }
section h2 { font-size: 17px; margin: 0 0 4px; }
p.note { color: var(--muted); margin: 0 0 10px; }
p.empty { color: var(--muted); font-style: italic; margin: 6px 0; }
button { font: inherit; font-size: 12px; padding: 1px 8px; border: 1px solid var(--line); border-radius: 4px;
         background: #fff; cursor: pointer; }
button:hover { background: var(--bg); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eef1f4; text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12.5px; border-bottom: 1px solid var(--line);
     white-space: nowrap; }
th.n, td.n { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr:hover { background: #fff4e8; }
tfoot td { color: var(--muted); font-style: italic; border-bottom: none; }
.pct { display: inline-block; min-width: 76px; padding: 0 4px; border-radius: 3px;
       background: linear-gradient(90deg, #fdd9b5 var(--p), transparent var(--p)); }
.path { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; word-break: break-word; }
svg#flame, svg.chart { width: 100%; height: auto; }  /* the viewBox scales them to the card */
.flame-box { max-height: 620px; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
#flame { display: block; }
#flame g.fr { cursor: pointer; }
#flame rect { stroke: #fff; stroke-width: 0.5; }
#flame g.fr:hover rect { stroke: #333; stroke-width: 1; }
#flame g.anc rect { opacity: 0.55; }
#flame text { font: 11px ui-monospace, Menlo, Consolas, monospace; fill: #222; pointer-events: none; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg.chart .grid { stroke: #eef1f4; }
svg.chart .axis { stroke: #8c959f; }
svg.chart .tick { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg.chart .label { font-size: 12px; fill: var(--ink); }
svg.chart .legend { font-size: 12px; fill: var(--muted); }
svg.chart .area { fill: #dbeafe; opacity: 0.7; }
svg.chart .line { fill: none; stroke: #2563eb; stroke-width: 1.5; stroke-linejoin: round; }
svg.chart circle.gc, svg.chart .gc-key { fill: #ea580c; }
svg.chart circle.snap, svg.chart .snap-key { fill: #7c3aed; }
svg.chart circle[r="3"] { stroke: #fff; stroke-width: 1; }
svg.chart .bar { fill: #ea580c; }
table.compare { margin-top: 8px; }
table.compare tr.worse td:first-child, table.compare td.worse { background: #fde2e1; color: #9f1239; }
table.compare td.better { color: #166534; }
ul.gates { margin: 6px 0 10px; padding-left: 20px; }
ul.gates li.worse { color: #9f1239; }
ul.gates li.better { color: #166534; }
.tag { font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; }
svg.chart .bar:hover, svg.chart circle:hover { fill: #9a3412; }
</style>)";

}  // namespace

std::string perf_html_page(const json& report) {
  const std::string program = text(report, "program");
  std::string page = fmt::format(R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">)"
                                 R"(<meta name="viewport" content="width=device-width, initial-scale=1">)"
                                 R"(<title>pwreplay perf — {}</title>{}</head><body><main>)",
                                 esc(program.empty() ? text(report, "trace") : program), kStyle);
  page += header_html(report);
  page += nav_html(report);
  page += baseline_html(report);
  page += flame_html(field(report, "flame"));
  page += heap_html(report);
  page += pauses_html(report);
  page += functions_html(report);
  page += call_graph_html(report);
  page += hot_lines_html(report);
  page += hot_instructions_html(report);
  page += mix_html(report);
  page += allocation_sites_html(report);
  page += leaks_html(report);
  page += gc_cycles_html(report);
  return page + "</main></body></html>\n";
}

}  // namespace pwreplay
