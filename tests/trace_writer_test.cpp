// The trace writer's hold on its file: one writer per path, and a discarded trace deletes
// only the file its writer made.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "frame_format.h"
#include "test_util.h"
#include "trace_test_util.h"
#include "trace_writer.h"

namespace {

namespace fs = std::filesystem;
using pw::trace::TraceWriteError;
using pw::trace::TraceWriter;

TEST(TraceWriter, SecondWriterOfOnePathIsRefused) {
  pwtest::ScratchDir dir("writer");
  const std::string path = dir.path("t.pwtrace");
  TraceWriter first(path);
  try {
    TraceWriter second(path);
    FAIL() << "a second writer of the same path was let in";
  } catch (const TraceWriteError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot record to " + path + ": another recorder is writing it");
  }
  // The refused writer left the first one's file as it was.
  first.finish();
  const std::string bytes = pwtest::read_text_file(path);
  EXPECT_EQ(bytes.substr(0, pw::trace::kFileMagic.size()), pw::trace::kFileMagic);
  const auto frames = pwtest::frame_spans(bytes);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, pw::trace::RecordKind::Index);
  EXPECT_EQ(bytes.size(), frames[0].end() + pw::trace::kTrailerBytes);
}

TEST(TraceWriter, PathIsFreeOnceItsWriterHasFinished) {
  pwtest::ScratchDir dir("writer");
  const std::string path = dir.path("t.pwtrace");
  {
    TraceWriter first(path);
    first.finish();
  }
  TraceWriter second(path);  // does not throw
  second.finish();
  EXPECT_TRUE(fs::exists(path));
}

TEST(TraceWriter, DiscardDeletesTheFileAndFreesThePath) {
  pwtest::ScratchDir dir("writer");
  const std::string path = dir.path("t.pwtrace");
  TraceWriter first(path);
  first.discard();
  EXPECT_FALSE(fs::exists(path));
  TraceWriter second(path);
  second.finish();
  EXPECT_TRUE(fs::exists(path));
}

TEST(TraceWriter, DiscardLeavesAFileThatTookItsPlace) {
  pwtest::ScratchDir dir("writer");
  const std::string path = dir.path("t.pwtrace");
  TraceWriter first(path);
  // Someone moves the trace away, and another recording starts on the name.
  fs::rename(path, dir.path("moved.pwtrace"));
  TraceWriter second(path);
  first.discard();
  EXPECT_TRUE(fs::exists(path)) << "the other recording's file was deleted";
  second.finish();
  EXPECT_TRUE(fs::exists(dir.path("moved.pwtrace")));
}

}  // namespace
