// How pwreplay shows trace contents: events as text lines or JSON objects.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "event_codec.h"
#include "program.h"
#include "trace_reader.h"

namespace pwreplay {

std::string event_text(const pw::Program& program, const pw::trace::Event& e);
nlohmann::json event_json(const pw::Program& program, const pw::trace::Event& e);
nlohmann::json outcome_json(const pw::trace::TraceOutcome& outcome);
std::string outcome_text(const pw::trace::TraceOutcome& outcome);
// A wall-clock time as "2026-11-24 13:14:16 UTC".
std::string utc_time(std::int64_t unix_ns);
// Prints "pwreplay: error: MESSAGE" on stderr.
void report(const std::string& message);
// Writes [text] to stdout whole, escaped for the terminal (newlines kept): names, values and
// source lines in it come from the trace and may hold any byte.
void print_text(std::string_view text);

}  // namespace pwreplay
