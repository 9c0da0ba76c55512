// Runs a function on a thread of its own with a large stack.
//
// The compiler's passes recurse over the program's nesting, and derived forms nest deeply
// (a cond of 10,000 clauses is 10,000 nested ifs). The main thread's 8 MB is not enough for
// that under the sanitizers, whose frames are several times larger; a reserved stack of a
// few hundred megabytes costs only the pages a deep program touches.
#pragma once
#include <cstddef>
#include <functional>

namespace pw::lisp {

inline constexpr std::size_t kCompilerStackBytes = std::size_t{512} << 20;

// Calls [fn] on a new thread whose stack is [bytes] long and waits for it. An exception
// thrown by [fn] is rethrown in the caller. Throws std::runtime_error if the thread cannot
// be made.
void run_with_stack(std::size_t bytes, const std::function<void()>& fn);

}  // namespace pw::lisp
