// The Debug Adapter Protocol's wire: messages framed by a Content-Length header, read from
// one file descriptor and written to another. Reading blocks (the adapter reads on a thread
// of its own); sending may come from any thread, one whole message at a time.
#pragma once
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace pw::debugger {

class DapChannel {
 public:
  // [log]: where a copy of every message goes, or nullptr.
  DapChannel(int in_fd, int out_fd, std::FILE* log);
  ~DapChannel();

  // The next message; nullopt at the end of the input. A message that is not JSON, or a
  // header that makes no sense, throws std::runtime_error (the stream cannot be trusted
  // after it).
  std::optional<nlohmann::json> read();
  // Sends [message] with its seq filled in. False once the other side has gone.
  bool send(nlohmann::json message);
  // A line for the log (not for the client).
  void note(const std::string& line);
  // Makes a read() under way (or any later one) return nullopt: how the reading thread is
  // told to finish when the session ends before its input does.
  void shut_down();

 private:
  bool fill();  // reads more input; false at its end

  int in_fd_;
  int wake_[2] = {-1, -1};  // a pipe: a byte in it ends reading
  int out_fd_;
  std::FILE* log_;
  std::string buffer_;
  std::mutex send_mutex_;
  long long seq_ = 0;
  bool broken_ = false;
};

}  // namespace pw::debugger
