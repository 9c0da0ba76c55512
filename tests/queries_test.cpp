// Whole-run queries: watch finds every change the live run makes, last-write finds the
// culprit of the inventory example's failure, calls reports every activation exactly.
#include <gtest/gtest.h>

#include "queries.h"
#include "replay_test_util.h"
#include "timeline.h"

namespace {

using pw::replay::CallReport;
using pw::replay::Expression;
using pw::replay::Timeline;

pwtest::Subject example(const std::string& name) {
  pw::VmConfig config = pwtest::default_config();
  config.capabilities = pw::kCapIo | pw::kCapRandom;
  return {name, pw::load_program(std::string(EXAMPLES_DIR) + "/" + name), config};
}

TEST(WatchQuery, FindsEveryChangeTheLiveRunMakes) {
  const auto s = example("inventory.pwa");
  const std::vector<std::string> exprs = {"revenue", "stock[6]", "reorder_qty[6]", "ledger.car", "process_order::item"};
  const auto oracle = pwtest::make_oracle(s, exprs);
  pwtest::ScratchDir dir("watch");
  const std::string path = dir.path("w.pwtrace");
  pwtest::record_subject(s, path, 700, 300);
  Timeline t(path);
  for (std::size_t w = 0; w < exprs.size(); ++w) {
    SCOPED_TRACE(exprs[w]);
    for (auto [from, to] : {std::pair<std::uint64_t, std::uint64_t>{0, t.end()}, {1234, 5678}}) {
      std::vector<std::uint64_t> want;
      for (std::uint64_t p = from + 1; p <= to; ++p)
        if (oracle.at[p].values[w] != oracle.at[p - 1].values[w]) want.push_back(p);
      std::vector<std::uint64_t> got;
      pw::replay::ShownValue initial;
      pw::replay::watch(t, Expression::compile(exprs[w], t.program()), from, to, initial,
                        [&](const pw::replay::ChangeReport& r) {
                          got.push_back(r.change.position);
                          EXPECT_EQ(r.by.position + 1, r.change.position);
                          return true;
                        });
      EXPECT_EQ(got, want);
      EXPECT_FALSE(initial.text().empty());
    }
  }
}

TEST(WatchQuery, ReportsValuesAndTheInstructionThatChangedThem) {
  const std::string src = "global total\n" + pwtest::main_program("  push 0\n  set_global total\n  push 5\n"
                                                                   "  set_global total\n  push 7\n  set_global total\n"
                                                                   "  get_global total\n  halt");
  pwtest::Subject s{"w", pwtest::load(src), pwtest::default_config()};
  pwtest::ScratchDir dir("watch");
  pwtest::record_subject(s, dir.path("w.pwtrace"), 3, 2);
  Timeline t(dir.path("w.pwtrace"));
  std::vector<pw::replay::ChangeReport> changes;
  pw::replay::ShownValue initial;
  pw::replay::watch(t, Expression::compile("total", t.program()), 0, t.end(), initial, [&](const auto& r) {
    changes.push_back(r);
    return true;
  });
  EXPECT_EQ(initial.text(), "nil");
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].change.position, 2u);
  EXPECT_EQ(changes[0].change.old_value.text(), "nil");
  EXPECT_EQ(changes[0].change.new_value.text(), "0");
  EXPECT_EQ(changes[1].change.old_value.text(), "0");
  EXPECT_EQ(changes[1].change.new_value.text(), "5");
  EXPECT_EQ(changes[2].change.new_value.json(), (nlohmann::json{{"type", "int"}, {"value", 7}}));
  EXPECT_EQ(pw::replay::instruction_text(t.program(), changes[2].by), "set_global total");
  EXPECT_EQ(changes[2].by.position, 5u);
  EXPECT_EQ(changes[2].by.line, pwtest::line_of(src, "push 7") + 1);
}

// The failed-run workflow: the inventory example fails in purchase_cost because
// reorder_qty[6] is nil; last-write from the failure finds who stored it, long before.
TEST(LastWriteQuery, FindsTheStoreBehindTheInventoryFailure) {
  const auto s = example("inventory.pwa");
  pwtest::ScratchDir dir("lastwrite");
  const std::string path = dir.path("inventory.pwtrace");
  pwtest::record_subject(s, path, 1000, 250);
  Timeline t(path);
  t.seek(t.end());
  ASSERT_EQ(t.state().status, pw::RunStatus::Failed);
  ASSERT_EQ(t.state().error->kind, pw::ErrorKind::TypeError);
  const auto found = pw::replay::last_write(t, Expression::compile("reorder_qty[6]", t.program()), t.end());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(t.program().functions[found->by.fn].name, "load_supplier_sheet");
  EXPECT_EQ(pw::replay::instruction_text(t.program(), found->by), "array_set");
  EXPECT_EQ(found->change.new_value.text(), "nil");
  EXPECT_LT(found->by.position, 1000u);  // at start-up, thousands of steps before the failure
  EXPECT_EQ(t.position(), found->by.position);  // the timeline is left at the culprit

  // It is the last one: the live run never stores into the slot after it.
  const auto oracle = pwtest::make_oracle(s, {"reorder_qty[6]"});
  for (std::uint64_t p = found->by.position + 1; p < oracle.at.size(); ++p)
    ASSERT_EQ(oracle.at[p].values[0], oracle.at[found->by.position + 1].values[0]) << p;

  // Before the store, the last write is the array's creation making the slot exist.
  const auto earlier = pw::replay::last_write(t, Expression::compile("reorder_qty[6]", t.program()), found->by.position);
  ASSERT_TRUE(earlier.has_value());
  EXPECT_EQ(t.program().functions[earlier->by.fn].name, "make_catalog");
  EXPECT_EQ(earlier->change.old_value.json().contains("unavailable"), true);
}

TEST(LastWriteQuery, SameValueStoresCountAndNothingBeforeTheFirstIsNone) {
  const std::string src = "global g\n" + pwtest::main_program("  push 1\n  set_global g\n  push 1\n  set_global g\n"
                                                               "  push 0\n  halt");
  pwtest::Subject s{"lw", pwtest::load(src), pwtest::default_config()};
  pwtest::ScratchDir dir("lastwrite");
  pwtest::record_subject(s, dir.path("lw.pwtrace"), 2, 2);
  Timeline t(dir.path("lw.pwtrace"));
  const auto e = Expression::compile("g", t.program());
  auto w = pw::replay::last_write(t, e, t.end());
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->by.position, 3u);  // the second store of the same 1
  EXPECT_EQ(w->change.old_value.text(), "1");
  EXPECT_EQ(w->change.new_value.text(), "1");
  w = pw::replay::last_write(t, e, 3);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->by.position, 1u);
  EXPECT_FALSE(pw::replay::last_write(t, e, 1).has_value());
}

std::int64_t fib(std::int64_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

TEST(CallsQuery, EveryCallOfRecursiveFibWithItsArgumentAndResult) {
  const std::string src =
      "func fib(n)\n  get_local n\n  push 2\n  lt\n  jump_if_false rec\n  get_local n\n  return\nrec:\n"
      "  get_local n\n  push 1\n  sub\n  call_fn fib\n  get_local n\n  push 2\n  sub\n  call_fn fib\n  add\n"
      "  return\nend\nfunc main()\n  push 12\n  call_fn fib\n  halt\nend\n";
  pwtest::Subject s{"fib", pwtest::load(src), pwtest::default_config()};
  pwtest::ScratchDir dir("calls");
  pwtest::record_subject(s, dir.path("fib.pwtrace"), 500, 200);
  Timeline t(dir.path("fib.pwtrace"));
  const auto list = pw::replay::calls(t, static_cast<std::uint32_t>(t.program().find_function("fib")), 0, t.end());
  ASSERT_EQ(list.size(), static_cast<std::size_t>(2 * fib(13) - 1));
  EXPECT_EQ(list[0].depth, 2u);
  EXPECT_EQ(list[0].arguments[0].text(), "12");
  std::uint64_t last = 0;
  for (const auto& c : list) {
    ASSERT_EQ(c.ending, CallReport::Ending::Returned);
    ASSERT_EQ(c.arguments.size(), 1u);
    const std::int64_t n = std::stoll(c.arguments[0].text());
    ASSERT_EQ(c.result->text(), std::to_string(fib(n)));
    ASSERT_GE(c.position, last);
    ASSERT_GT(c.end_position, c.position);
    last = c.position;
  }
  EXPECT_EQ(list[1].depth, 3u);
  // A window holds only the calls made in it.
  const auto window = pw::replay::calls(t, static_cast<std::uint32_t>(t.program().find_function("fib")), 100, 200);
  for (const auto& c : window) EXPECT_TRUE(c.position >= 100 && c.position < 200);
  EXPECT_FALSE(window.empty());
  // The entry function's activation counts too, as the perf report counts it: the run
  // starts in it (position 0) and it ends where the program halts.
  const auto main_calls = pw::replay::calls(t, static_cast<std::uint32_t>(t.program().find_function("main")), 0, t.end());
  ASSERT_EQ(main_calls.size(), 1u);
  EXPECT_EQ(main_calls[0].position, 0u);
  EXPECT_EQ(main_calls[0].depth, 1u);
  EXPECT_EQ(main_calls[0].ending, CallReport::Ending::Returned);
  EXPECT_EQ(main_calls[0].result->text(), std::to_string(fib(12)));
  EXPECT_EQ(main_calls[0].end_position, t.end() - 1);
  // A window after the start leaves it out, as any call made before the window.
  EXPECT_TRUE(pw::replay::calls(t, static_cast<std::uint32_t>(t.program().find_function("main")), 1, t.end()).empty());
}

TEST(CallsQuery, ExceptionsTailCallsAndAFailureEndCallsTheirWay) {
  const std::string src =
      "func boom(x)\n  get_local x\n  throw\nend\n"
      "func hop(x)\n  get_local x\n  tail_call_fn land\nend\n"
      "func land(x)\n  get_local x\n  push 1\n  add\n  return\nend\n"
      "func bad(x)\n  get_local x\n  car\n  return\nend\n"
      "func main()\n  try caught\n  push 41\n  call_fn boom\n  pop\n  end_try\n  jump after\ncaught:\n  pop\nafter:\n"
      "  push 1\n  call_fn hop\n  pop\n  push 3\n  call_fn bad\n  halt\nend\n";
  pwtest::Subject s{"ends", pwtest::load(src), pwtest::default_config()};
  pwtest::ScratchDir dir("calls");
  pwtest::record_subject(s, dir.path("e.pwtrace"), 5, 3);
  Timeline t(dir.path("e.pwtrace"));
  auto of = [&](const char* fn) {
    return pw::replay::calls(t, static_cast<std::uint32_t>(t.program().find_function(fn)), 0, t.end());
  };
  const auto boom = of("boom");
  ASSERT_EQ(boom.size(), 1u);
  EXPECT_EQ(boom[0].ending, CallReport::Ending::Threw);
  EXPECT_EQ(boom[0].result->text(), "41");
  const auto hop = of("hop");
  ASSERT_EQ(hop.size(), 1u);
  EXPECT_EQ(hop[0].ending, CallReport::Ending::TailCalled);
  EXPECT_EQ(hop[0].tail_callee, "land");
  EXPECT_EQ(hop[0].result->text(), "2");  // what its frame returned in the end
  const auto land = of("land");
  ASSERT_EQ(land.size(), 1u);
  EXPECT_EQ(land[0].ending, CallReport::Ending::Returned);
  EXPECT_EQ(land[0].arguments[0].text(), "1");
  const auto bad = of("bad");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].ending, CallReport::Ending::Unfinished);  // the run failed inside it
}

// A chain of 20,001 tail calls in one frame: each call's report is gone back to at most
// twice (to end it by the tail call, and to give it the chain's result). Going back over
// every earlier report of the frame at each tail call, as the query once did, makes 200
// million visits here and hours of work at a few hundred thousand calls.
TEST(CallsQuery, AChainOfTailCallsCostsAFewVisitsPerCall) {
  const std::string src =
      "func sum_to(i, n, acc)\n  get_local i\n  get_local n\n  gt\n  jump_if_true done\n  get_local i\n"
      "  add_imm 1\n  get_local n\n  get_local acc\n  get_local i\n  add\n  tail_call_fn sum_to\n"
      "done:\n  get_local acc\n  return\nend\n"
      "func main()\n  push 1\n  push 20000\n  push 0\n  call_fn sum_to\n  halt\nend\n";
  pwtest::Subject s{"chain", pwtest::load(src), pwtest::default_config()};
  pwtest::ScratchDir dir("calls");
  // The whole chain even in the slow modes: it allocates nothing, so GC stress costs nothing.
  pwtest::record_subject(s, dir.path("chain.pwtrace"), 50'000, 20'000, std::nullopt);
  Timeline t(dir.path("chain.pwtrace"));
  std::uint64_t visits = 0;
  const auto list =
      pw::replay::calls(t, static_cast<std::uint32_t>(t.program().find_function("sum_to")), 0, t.end(), &visits);
  ASSERT_EQ(list.size(), 20'001u);
  EXPECT_LE(visits, 2 * list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const CallReport& c = list[i];
    ASSERT_EQ(c.depth, 2u);
    ASSERT_EQ(c.arguments[0].text(), std::to_string(i + 1));
    ASSERT_EQ(c.ending, i + 1 < list.size() ? CallReport::Ending::TailCalled : CallReport::Ending::Returned);
    ASSERT_TRUE(c.result.has_value());
    ASSERT_EQ(c.result->text(), "200010000");  // the sum the chain returned in the end
  }
  EXPECT_EQ(list[0].tail_callee, "sum_to");
}

}  // namespace
