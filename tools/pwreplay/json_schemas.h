// The "schema" field every JSON output of pwreplay carries, "pwvm.KIND/MAJOR.MINOR"
// (docs/JSON.md): a field added bumps the minor version, a field removed, renamed or
// retyped the major, so a reader can refuse what it does not know.
#pragma once

namespace pwreplay {

inline constexpr const char* kPerfSchema = "pwvm.perf/1.3";
inline constexpr const char* kChromeTraceSchema = "pwvm.chrome-trace/1.0";
inline constexpr const char* kInfoSchema = "pwvm.info/1.2";
inline constexpr const char* kEventsSchema = "pwvm.events/1.0";
inline constexpr const char* kCallsSchema = "pwvm.calls/1.0";
inline constexpr const char* kWatchSchema = "pwvm.watch/1.0";
inline constexpr const char* kLastWriteSchema = "pwvm.last-write/1.1";
inline constexpr const char* kOriginSchema = "pwvm.origin/1.0";
inline constexpr const char* kVerifySchema = "pwvm.verify/1.1";
inline constexpr const char* kDiffSchema = "pwvm.diff/1.0";

}  // namespace pwreplay
