// Content-Length framing over file descriptors.
#include "dap_channel.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace pw::debugger {
namespace {

constexpr std::size_t kMaxMessageBytes = 64u << 20;  // a request is small; this is a corrupt stream

}  // namespace

DapChannel::DapChannel(int in_fd, int out_fd, std::FILE* log) : in_fd_(in_fd), out_fd_(out_fd), log_(log) {
  if (::pipe(wake_) != 0) wake_[0] = wake_[1] = -1;
}

DapChannel::~DapChannel() {
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
}

void DapChannel::shut_down() {
  if (wake_[1] >= 0) {
    const char byte = 0;
    [[maybe_unused]] const ssize_t n = ::write(wake_[1], &byte, 1);
  }
}

bool DapChannel::fill() {
  char chunk[65536];
  for (;;) {
    if (wake_[0] >= 0) {
      pollfd fds[2] = {{in_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      if (fds[1].revents) return false;
    }
    const ssize_t n = ::read(in_fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

std::optional<nlohmann::json> DapChannel::read() {
  // Headers: "Name: value\r\n" lines up to an empty line; only Content-Length matters.
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (buffer_.size() > 64 * 1024) throw std::runtime_error("a message header longer than 64 KiB");
    if (!fill()) {
      if (buffer_.find_first_not_of(" \r\n\t") != std::string::npos)
        throw std::runtime_error("the input ended inside a message header");
      return std::nullopt;
    }
  }
  std::optional<std::size_t> length;
  std::size_t at = 0;
  while (at < header_end) {
    std::size_t eol = buffer_.find("\r\n", at);
    if (eol == std::string::npos || eol > header_end) eol = header_end;
    const std::string_view line(buffer_.data() + at, eol - at);
    constexpr std::string_view kName = "Content-Length:";
    if (line.substr(0, kName.size()) == kName) {
      std::string_view v = line.substr(kName.size());
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || v.empty())
        throw std::runtime_error(fmt::format("a bad Content-Length header: '{}'", line));
      length = n;
    }
    at = eol + 2;
  }
  if (!length) throw std::runtime_error("a message without a Content-Length header");
  if (*length > kMaxMessageBytes) throw std::runtime_error(fmt::format("a message of {} bytes", *length));
  const std::size_t body = header_end + 4;
  while (buffer_.size() < body + *length)
    if (!fill()) throw std::runtime_error("the input ended inside a message");
  const std::string text = buffer_.substr(body, *length);
  buffer_.erase(0, body + *length);
  if (log_) {
    std::fprintf(log_, "<- %s\n", text.c_str());
    std::fflush(log_);
  }
  nlohmann::json message = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) throw std::runtime_error("a message that is not JSON");
  return message;
}

bool DapChannel::send(nlohmann::json message) {
  std::lock_guard<std::mutex> lock(send_mutex_);
  if (broken_) return false;
  message["seq"] = ++seq_;
  // Names and values from a program may hold any byte: replace what is not UTF-8.
  const std::string body = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string frame = fmt::format("Content-Length: {}\r\n\r\n{}", body.size(), body);
  if (log_) {
    std::fprintf(log_, "-> %s\n", body.c_str());
    std::fflush(log_);
  }
  std::size_t done = 0;
  while (done < frame.size()) {
    const ssize_t n = ::write(out_fd_, frame.data() + done, frame.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      broken_ = true;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void DapChannel::note(const std::string& line) {
  if (!log_) return;
  std::lock_guard<std::mutex> lock(send_mutex_);
  std::fprintf(log_, "-- %s\n", line.c_str());
  std::fflush(log_);
}

}  // namespace pw::debugger
