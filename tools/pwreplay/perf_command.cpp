// pwreplay perf: a performance report of a recorded run (or a window of it), computed by
// re-executing the trace: per function, call graph, hot lines and instructions, allocation
// sites, collections, heap over time and leak suspects; as text, JSON, folded stacks, a
// Trace Event Format timeline, or one HTML page. With --baseline, also compared with another
// run of the program (or of an earlier version of it), with gates on the growth that exit 1.
#include <unistd.h>

#include <cstdio>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "commands.h"
#include "quiet_flag.h"
#include "replay_progress.h"
#include "perf_html.h"
#include "perf_report.h"
#include "replay_support.h"
#include "trace_text.h"

namespace pwreplay {
namespace {

struct Options {
  std::string trace;
  std::string from = "start";
  std::string to = "end";
  bool json = false;
  std::string folded;
  std::string chrome_trace;
  std::string html;
  std::size_t top = 20;
  unsigned threads = 0;  // 0: one per core
  std::uint64_t leak_min_bytes = pw::replay::kLeakMinBytes;
  std::string baseline;
  pw::replay::PerfGates gates;
};

// A gate that failed: the run did not match what was asked of it (main.cpp's footer).
constexpr int kExitRegression = 1;

// Writes [text] to [path]; false (after saying why) when it cannot.
bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (out) return true;
  report(fmt::format("cannot write {}: {}", path, std::strerror(errno ? errno : EIO)));
  return false;
}

// Whether [path] can be written, asked before the replay (which may take a while) and
// without touching the file: its directory must exist and take files, and the file, when
// it is there, must be a writable regular file. False after saying why.
bool can_write(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string why;
  if (fs::is_directory(p, ec)) why = "it is a directory";
  else if (!fs::is_directory(dir, ec)) why = fmt::format("no directory {}", dir.string());
  else if (fs::exists(p, ec) ? ::access(path.c_str(), W_OK) != 0 : ::access(dir.c_str(), W_OK) != 0)
    why = std::strerror(errno ? errno : EACCES);
  if (why.empty()) return true;
  report(fmt::format("cannot write {}: {}", path, why));
  return false;
}

// Why [t] cannot be compared whole with another run, or "".
std::string not_comparable(const pw::replay::Timeline& t) {
  if (t.windowed())
    return fmt::format("{} holds only the end of its run (--record-last): a comparison needs both runs whole",
                       t.trace().path());
  if (!t.trace().outcome())
    return fmt::format("{} was cut short (its recorder was stopped): a comparison needs both runs whole",
                       t.trace().path());
  return "";
}

// The report of [t] over [range], with the comparison with [baseline] when there is one.
int perf_report(const Options& o, pw::replay::Timeline& t, std::pair<std::uint64_t, std::uint64_t> range,
                const pw::replay::Timeline* baseline, const pw::replay::ProgramMatch* match) {
  pw::replay::PerfOptions options;
  options.from = range.first;
  options.to = range.second;
  options.leak_min_bytes = o.leak_min_bytes;
  options.threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  // A timeline keeps about 20,000 spans of the window: what a viewer draws at full width.
  if (!o.chrome_trace.empty()) options.min_span_steps = std::max<std::uint64_t>(1, (options.to - options.from) / 20000);
  const pw::replay::PerfProfile profile = [&] {
    const pw::term::ProgressLine progress("profiling", pw::term::replayed_progress(options.to - options.from));
    return pw::replay::profile_trace(t.trace().path(), options);
  }();
  // The text tables need only the start of the long series; JSON and HTML get them whole.
  const bool text_only = !o.json && o.html.empty();
  nlohmann::json report = perf_report_json(t, profile, text_only ? o.top : 0);
  report["leak_min_bytes"] = o.leak_min_bytes;
  if (baseline) {
    pw::replay::PerfOptions whole;
    whole.from = baseline->start();
    whole.to = baseline->end();
    whole.threads = options.threads;
    whole.leak_min_bytes = o.leak_min_bytes;
    const pw::replay::PerfProfile before = [&] {
      const pw::term::ProgressLine progress("profiling the baseline",
                                            pw::term::replayed_progress(whole.to - whole.from));
      return pw::replay::profile_trace(baseline->trace().path(), whole);
    }();
    const pw::replay::PerfComparison comparison =
        pw::replay::compare_profiles(baseline->program(), before.window, t.program(), profile.window, *match);
    report["baseline"] = perf_baseline_json(*baseline, comparison, pw::replay::check_gates(comparison, o.gates));
  }
  if (!o.folded.empty() && !write_file(o.folded, perf_folded(t.program(), profile.window))) return kExitCannotWrite;
  if (!o.chrome_trace.empty() &&
      !write_file(o.chrome_trace, perf_chrome_trace(t, profile, options.min_span_steps).dump()))
    return kExitCannotWrite;
  if (!o.html.empty() && !write_file(o.html, perf_html_page(report))) return kExitCannotWrite;
  // With a baseline the text is the comparison; the whole report is in --json and --html.
  if (o.json)
    std::fputs((report.dump() + "\n").c_str(), stdout);
  else
    print_text(baseline ? perf_baseline_text(report, o.top) : perf_report_text(report, o.top));
  const std::vector<std::string> failures = perf_gate_failures(report);
  if (failures.empty()) return kExitOk;
  std::fflush(stdout);
  for (const std::string& line : failures) {
    const std::string out = "pwreplay: " + line + "\n";
    std::fwrite(out.data(), 1, out.size(), stderr);
  }
  return kExitRegression;
}

int run_perf(const Options& o) {
  for (const std::string* out : {&o.folded, &o.chrome_trace, &o.html})
    if (!out->empty() && !can_write(*out)) return kExitCannotWrite;
  return with_timeline(o.trace, [&](pw::replay::Timeline& t) {
    if (o.baseline.empty()) {
      const auto range = parse_range(o.from, o.to, t);
      return range ? perf_report(o, t, *range, nullptr, nullptr) : kExitBadInput;
    }
    if (o.from != "start" || o.to != "end") {
      report("--from and --to select steps of one run: with --baseline both runs are compared whole");
      return kExitBadInput;
    }
    if (const std::string why = not_comparable(t); !why.empty()) {
      report(why);
      return kExitBadInput;
    }
    return with_timeline(o.baseline, [&](pw::replay::Timeline& b) {
      if (const std::string why = not_comparable(b); !why.empty()) {
        report(why);
        return kExitBadInput;
      }
      const pw::replay::ProgramMatch match = pw::replay::match_programs(b.program(), t.program());
      if (!match.related()) {
        report(fmt::format("{} cannot be compared with the baseline {}: {}", t.trace().path(), b.trace().path(),
                           match.why));
        return kExitBadInput;
      }
      return perf_report(o, t, {t.start(), t.end()}, &b, &match);
    });
  });
}

}  // namespace

void add_perf_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("perf", "Performance report of the run, counted in executed instructions");
  cmd->add_option("trace", o->trace, "Trace file (.pwtrace)")->required()->type_name("TRACE");
  cmd->add_option("--from", o->from, "First step of the window (default: the trace's first, 0 unless it was recorded with --record-last)")->type_name("STEP");
  cmd->add_option("--to", o->to, "Last step of the window, or 'end' (the default)")->type_name("STEP");
  cmd->add_flag("--json", o->json, "The report as one JSON object instead of text");
  cmd->add_option("--folded", o->folded, "Also write folded stacks (flamegraph.pl, inferno, speedscope) to FILE")
      ->type_name("FILE");
  cmd->add_option("--chrome-trace", o->chrome_trace, "Also write a Trace Event Format timeline (Perfetto) to FILE")
      ->type_name("FILE");
  cmd->add_option("--html", o->html, "Also write a self-contained HTML report to FILE")->type_name("FILE");
  cmd->add_option("--top", o->top, "Rows per text table (0: all; default 20)")->type_name("N");
  cmd->add_option("--leak-min-bytes", o->leak_min_bytes,
                  fmt::format("Report a growing allocation site as a leak from this growth on (default {})",
                              pw::replay::kLeakMinBytes))
      ->type_name("BYTES");
  auto* baseline = cmd->add_option("--baseline", o->baseline,
                                   "Compare with the run in TRACE (the same program, or another version of it): "
                                   "totals and functions by the change in their instructions")
                       ->type_name("TRACE");
  cmd->add_option("--max-regression", o->gates.max_regression,
                  "With --baseline: exit 1 when the run's instructions grew by more than PCT percent")
      ->needs(baseline)
      ->check(CLI::NonNegativeNumber)
      ->type_name("PCT");
  cmd->add_option("--max-function-regression", o->gates.max_function_regression,
                  "With --baseline: exit 1 when a function's total (inclusive) instructions grew by more than PCT "
                  "percent (functions that ran in both runs)")
      ->needs(baseline)
      ->check(CLI::NonNegativeNumber)
      ->type_name("PCT");
  cmd->add_option("--threads", o->threads, "Segments replayed at once (default: one per core)")
      ->check(CLI::Range(1u, 256u))
      ->type_name("N");
  pwtools::add_quiet_flag(cmd);
  cmd->callback([o, &exit_code] { exit_code = run_perf(*o); });
}

}  // namespace pwreplay
