// The progress line's drawing thread (progress_line.h).
#include "progress_line.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include <fmt/format.h>

namespace pw::term {
namespace {

using namespace std::chrono_literals;
constexpr auto kDelay = 250ms;    // operations shorter than this show nothing
constexpr auto kRedraw = 100ms;

std::atomic<bool>& disabled() {
  static std::atomic<bool> flag{false};
  return flag;
}

void write_stderr(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) return;  // a terminal that went away: nothing to do about it
    done += static_cast<std::size_t>(n);
  }
}

std::size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

std::string rate_text(double per_second) {
  if (per_second >= 1e9) return fmt::format("{:.1f} G steps/s", per_second / 1e9);
  if (per_second >= 1e6) return fmt::format("{:.1f} M steps/s", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.1f} k steps/s", per_second / 1e3);
  return fmt::format("{:.0f} steps/s", per_second);
}

}  // namespace

void ProgressLine::disable() { disabled().store(true); }

bool ProgressLine::enabled() { return !disabled().load() && ::isatty(STDERR_FILENO); }

ProgressLine::ProgressLine(std::string label, Reader read) : label_(std::move(label)), read_(std::move(read)) {
  if (!enabled()) return;
  output_on_terminal_ = ::isatty(STDOUT_FILENO);
  started_ = std::chrono::steady_clock::now();
  quiet_until_ = started_ + kDelay;
  work_at_start_ = read_().work;
  thread_ = std::thread([this] { draw_loop(); });
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    erase();
  }
  wake_.notify_all();
  thread_.join();
}

void ProgressLine::hide() {
  if (!thread_.joinable() || !output_on_terminal_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  erase();
  quiet_until_ = std::chrono::steady_clock::now() + kDelay;
}

void ProgressLine::erase() {
  if (!drawn_) return;
  write_stderr("\r\x1b[K");
  drawn_ = false;
}

void ProgressLine::draw_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const auto next = std::max(quiet_until_, now + kRedraw);
    if (wake_.wait_until(lock, next, [&] { return done_; })) return;
    if (std::chrono::steady_clock::now() < quiet_until_) continue;
    const ProgressReading r = read_();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(r.work - work_at_start_) / seconds : 0;
    std::string line = label_;
    if (r.fraction >= 0) {
      const double f = std::clamp(r.fraction, 0.0, 1.0);
      constexpr int kWidth = 20;
      const int filled = static_cast<int>(f * kWidth);
      line += fmt::format(" [{}{}] {:3.0f}%", std::string(filled, '#'), std::string(kWidth - filled, '.'), f * 100);
    }
    line += fmt::format("  step {}  {}", r.step, rate_text(rate));
    // One line, never wrapped: a wrapped line could not be redrawn in place.
    line.resize(std::min(line.size(), terminal_width() - 1));
    write_stderr("\r" + line + "\x1b[K");
    drawn_ = true;
  }
}

}  // namespace pw::term
