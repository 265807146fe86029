// Tests of LineSplitter, LineRing and OutputReader, the last with real
// pipes and a forked child that floods one. Nothing sleeps: the parent
// reads until end of file, driven by the scheduler's readiness events.

#include "init/support/output_log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/fd.h"
#include "runtime/scheduler.h"

namespace faultinit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Line: what a splitter emitted.
struct Line {
  std::string text;
  bool truncated;
  bool operator==(const Line& other) const {
    return text == other.text && truncated == other.truncated;
  }
};

void PrintTo(const Line& line, std::ostream* os) {
  *os << '"' << line.text << '"' << (line.truncated ? " (truncated)" : "");
}

Line Full(std::string text) { return Line{std::move(text), false}; }
Line Cut(std::string text) { return Line{std::move(text), true}; }

// Collector: a callback that records every line (FunctionRef calls its
// target as const, hence `mutable`).
struct Collector {
  mutable std::vector<Line> lines;
  void operator()(absl::string_view text, bool truncated) const {
    lines.push_back(Line{std::string(text), truncated});
  }
};

std::vector<Line> Split(LineSplitter& splitter,
                        const std::vector<std::string>& chunks,
                        bool flush = true) {
  Collector collector;
  for (const std::string& chunk : chunks) splitter.Feed(chunk, collector);
  if (flush) splitter.Flush(collector);
  return collector.lines;
}

// Lines split across chunk boundaries come out whole, empty lines included;
// the last line, without a newline, comes out at Flush.
TEST(LineSplitter, SplitsAcrossChunks) {
  LineSplitter splitter;
  Collector collector;
  splitter.Feed("ab", collector);
  splitter.Feed("c\nde", collector);
  EXPECT_THAT(collector.lines, ElementsAre(Full("abc")));
  EXPECT_EQ(splitter.pending(), 2u);
  splitter.Feed("f\n\ng", collector);
  EXPECT_THAT(collector.lines, ElementsAre(Full("abc"), Full("def"), Full("")));
  splitter.Flush(collector);
  EXPECT_THAT(collector.lines,
              ElementsAre(Full("abc"), Full("def"), Full(""), Full("g")));
  EXPECT_EQ(splitter.pending(), 0u);
  EXPECT_EQ(splitter.lines(), 4u);
}

// A held partial line's buffer goes once the line is out: a service whose
// lines are split across reads keeps no line's worth of capacity while it
// runs; while a line is held, the buffer never exceeds the maximum length.
TEST(LineSplitter, BufferGoesWithTheHeldLine) {
  LineSplitter splitter(100);
  Collector collector;
  const size_t empty = splitter.held_capacity();  // a string's own
  splitter.Feed(std::string(60, 'a'), collector);
  EXPECT_GE(splitter.held_capacity(), 60u);
  splitter.Feed(std::string(30, 'b'), collector);
  EXPECT_LE(splitter.held_capacity(), 100u);
  splitter.Feed("c\nd", collector);
  EXPECT_THAT(collector.lines, ElementsAre(Full(std::string(60, 'a') +
                                                std::string(30, 'b') + "c")));
  EXPECT_EQ(splitter.pending(), 1u);
  splitter.Feed("\n", collector);
  EXPECT_EQ(splitter.pending(), 0u);
  EXPECT_EQ(splitter.held_capacity(), empty);
  // Truncated: the same.
  splitter.Feed(std::string(150, 'x'), collector);
  EXPECT_EQ(splitter.held_capacity(), empty);
}

// Feeding one byte at a time gives the same lines as one chunk.
TEST(LineSplitter, ByteAtATimeMatchesWhole) {
  const std::string text = "first\n\nthird line\r\nfourth\nlast";
  LineSplitter whole;
  std::vector<Line> expected = Split(whole, {text});
  std::vector<std::string> bytes;
  for (char c : text) bytes.push_back(std::string(1, c));
  LineSplitter bytewise;
  EXPECT_EQ(Split(bytewise, bytes), expected);
  EXPECT_THAT(expected,
              ElementsAre(Full("first"), Full(""), Full("third line\r"),
                          Full("fourth"), Full("last")));
}

// A line longer than the maximum is emitted cut at the maximum, marked
// truncated, as soon as it overflows; the rest of it is discarded and the
// next line is intact.
TEST(LineSplitter, TruncatesOverlongLine) {
  LineSplitter splitter(8);
  Collector collector;
  splitter.Feed("0123456", collector);
  EXPECT_THAT(collector.lines, IsEmpty());
  splitter.Feed("789", collector);
  EXPECT_THAT(collector.lines, ElementsAre(Cut("01234567")));
  splitter.Feed("abcdefghijklmnopqrstuvwxyz", collector);
  EXPECT_EQ(splitter.pending(), 0u);  // nothing of the rest is held
  splitter.Feed("ABC\nok\n", collector);
  EXPECT_THAT(collector.lines, ElementsAre(Cut("01234567"), Full("ok")));
  EXPECT_EQ(splitter.truncated_lines(), 1u);
  EXPECT_EQ(splitter.discarded_bytes(), 2u + 26u + 3u);

  LineSplitter one_chunk(8);
  EXPECT_THAT(Split(one_chunk, {"0123456789\nnext\nagain-too-long\n"}),
              ElementsAre(Cut("01234567"), Full("next"), Cut("again-to")));
}

// A line of exactly the maximum length is complete, not truncated, however
// its bytes and newline arrive; one more byte truncates it.
TEST(LineSplitter, ExactlyMaximumIsComplete) {
  LineSplitter whole(8);
  EXPECT_THAT(Split(whole, {"01234567\n"}), ElementsAre(Full("01234567")));
  LineSplitter pieces(8);
  EXPECT_THAT(Split(pieces, {"0123", "4567", "\n"}),
              ElementsAre(Full("01234567")));
  LineSplitter at_eof(8);
  EXPECT_THAT(Split(at_eof, {"01234567"}), ElementsAre(Full("01234567")));
  LineSplitter over(8);
  EXPECT_THAT(Split(over, {"01234567", "8\n"}), ElementsAre(Cut("01234567")));
}

// Flush emits nothing after a truncated line's cut (its rest is discarded)
// or when nothing is held, and leaves the splitter ready for a new stream.
TEST(LineSplitter, FlushAfterTruncationEmitsNothing) {
  LineSplitter splitter(4);
  Collector collector;
  splitter.Feed("abcdefgh", collector);
  splitter.Flush(collector);
  splitter.Flush(collector);
  EXPECT_THAT(collector.lines, ElementsAre(Cut("abcd")));
  splitter.Feed("xy\n", collector);
  EXPECT_THAT(collector.lines, ElementsAre(Cut("abcd"), Full("xy")));
}

// The ring keeps only the newest max_lines lines; total_lines counts all.
TEST(LineRing, EvictsByCount) {
  LineRing ring(3, 1000);
  for (const char* line : {"a", "b", "c", "d", "e"}) ring.Append(line);
  EXPECT_THAT(ring.Lines(10), ElementsAre("c", "d", "e"));
  EXPECT_THAT(ring.Lines(2), ElementsAre("d", "e"));
  EXPECT_THAT(ring.Lines(0), IsEmpty());
  EXPECT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.total_lines(), 5u);
  EXPECT_EQ(ring.first_seq(), 3u);
}

// The ring keeps at most max_bytes of text, evicting the oldest lines; a
// line longer than the whole budget is cut to it.
TEST(LineRing, EvictsByBytes) {
  LineRing ring(100, 10);
  ring.Append("aaaa");
  ring.Append("bbbb");
  EXPECT_EQ(ring.bytes(), 8u);
  ring.Append("cccc");
  EXPECT_THAT(ring.Lines(100), ElementsAre("bbbb", "cccc"));
  EXPECT_EQ(ring.bytes(), 8u);
  ring.Append("0123456789abcdef");
  EXPECT_THAT(ring.Lines(100), ElementsAre("0123456789"));
  EXPECT_EQ(ring.bytes(), 10u);
  ring.Append("");
  EXPECT_THAT(ring.Lines(100), ElementsAre("0123456789", ""));
  EXPECT_EQ(ring.total_lines(), 5u);
}

// The ring against a plain model (a deque evicting the oldest), through
// lines of every length, so that eviction by bytes and by count wraps its
// circular buffer at every place while it grows and once it is full.
TEST(LineRing, MatchesAModelThroughWrapsAndGrowth) {
  for (size_t max_lines : {1u, 2u, 3u, 7u, 16u}) {
    for (size_t max_bytes : {1u, 5u, 20u, 1000u}) {
      LineRing ring(max_lines, max_bytes);
      std::deque<std::string> model;
      size_t model_bytes = 0;
      for (int i = 0; i < 200; ++i) {
        std::string line(static_cast<size_t>((i * 7) % 11),
                         static_cast<char>('a' + i % 26));
        if (line.size() > max_bytes) line.resize(max_bytes);
        while (!model.empty() && (model.size() + 1 > max_lines ||
                                  model_bytes + line.size() > max_bytes)) {
          model_bytes -= model.front().size();
          model.pop_front();
        }
        model.push_back(line);
        model_bytes += line.size();
        ring.Append(line);
        ASSERT_EQ(ring.size(), model.size()) << max_lines << " " << max_bytes;
        ASSERT_EQ(ring.bytes(), model_bytes);
        ASSERT_EQ(ring.total_lines(), static_cast<uint64_t>(i + 1));
        ASSERT_EQ(ring.Lines(1000),
                  std::vector<std::string>(model.begin(), model.end()));
        ASSERT_EQ(
            ring.Lines(2),
            std::vector<std::string>(
                model.end() - std::min<size_t>(2, model.size()), model.end()));
        ASSERT_EQ(ring.LinesSince(static_cast<uint64_t>(i)),
                  std::vector<std::string>(model.end() - 1, model.end()));
      }
    }
  }
}

// An empty ring has no lines and first_seq one past total_lines.
TEST(LineRing, EmptyRing) {
  LineRing ring;
  EXPECT_THAT(ring.Lines(5), IsEmpty());
  EXPECT_THAT(ring.LinesSince(0), IsEmpty());
  EXPECT_EQ(ring.total_lines(), 0u);
  EXPECT_EQ(ring.first_seq(), 1u);
  EXPECT_EQ(ring.max_lines(), LineRing::kDefaultMaxLines);
  EXPECT_EQ(ring.max_bytes(), LineRing::kDefaultMaxBytes);
}

// A follower that remembers total_lines gets exactly the lines that came
// after; one that fell behind gets what is still kept (first_seq says how
// many it missed).
TEST(LineRing, LinesSinceFollows) {
  LineRing ring(3, 1000);
  ring.Append("1");
  ring.Append("2");
  EXPECT_THAT(ring.LinesSince(0), ElementsAre("1", "2"));
  uint64_t seen = ring.total_lines();
  EXPECT_THAT(ring.LinesSince(seen), IsEmpty());
  ring.Append("3");
  ring.Append("4");
  ring.Append("5");
  EXPECT_THAT(ring.LinesSince(seen), ElementsAre("3", "4", "5"));
  seen = ring.total_lines();
  ring.Append("6");
  ring.Append("7");
  EXPECT_THAT(ring.LinesSince(seen), ElementsAre("6", "7"));
  EXPECT_THAT(ring.LinesSince(1), ElementsAre("5", "6", "7"));
  EXPECT_EQ(ring.first_seq(), 5u);
  EXPECT_THAT(ring.LinesSince(100), IsEmpty());
}

// Create makes the read end non-blocking and close-on-exec; an invalid fd
// is refused.
TEST(OutputReader, CreateSetsFlags) {
  EXPECT_EQ(OutputReader::Create(fault::UniqueFd()).status().code(),
            fault::StatusCode::kInvalidArgument);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);  // deliberately without O_CLOEXEC
  fault::UniqueFd write_end(fds[1]);
  fault::StatusOr<OutputReader> reader =
      OutputReader::Create(fault::UniqueFd(fds[0]));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_NE(fcntl(reader->fd(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(reader->fd(), F_GETFD) & FD_CLOEXEC, 0);
}

// An empty pipe with a writer still open returns at once with no lines;
// written lines arrive; at end of file the partial last line is flushed
// and true is returned, then again on every later call.
TEST(OutputReader, ReadsLinesUntilEof) {
  fault::StatusOr<fault::Pipe> pipe = fault::MakePipe();
  ASSERT_TRUE(pipe.ok());
  fault::StatusOr<OutputReader> reader =
      OutputReader::Create(std::move(pipe->read));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Collector collector;
  EXPECT_FALSE(reader->ReadAvailable(1024, collector));
  EXPECT_THAT(collector.lines, IsEmpty());

  fault::WriteString(pipe->write.get(), "one\ntwo\nthr");
  EXPECT_FALSE(reader->ReadAvailable(1024, collector));
  EXPECT_THAT(collector.lines, ElementsAre(Full("one"), Full("two")));
  pipe->write.Reset();
  EXPECT_TRUE(reader->ReadAvailable(1024, collector));
  EXPECT_THAT(collector.lines,
              ElementsAre(Full("one"), Full("two"), Full("thr")));
  EXPECT_TRUE(reader->eof());
  EXPECT_TRUE(reader->status().ok());
  EXPECT_TRUE(reader->ReadAvailable(1024, collector));
  EXPECT_EQ(collector.lines.size(), 3u);
  EXPECT_EQ(reader->bytes_read(), 11u);
}

// One call reads no more than its budget; the rest waits for the next.
// The 10,000 bytes are written before reading, through a stream socket: a
// new pipe holds only one page (4 KiB) once the user's pipes exceed
// /proc/sys/fs/pipe-user-pages-soft (other tests running at once, each
// with thousands of services' pipes), and the write would wait forever.
TEST(OutputReader, BudgetLimitsEachCall) {
  int ends[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0);
  fault::UniqueFd read_end(ends[0]);
  fault::UniqueFd write_end(ends[1]);
  fault::StatusOr<OutputReader> reader =
      OutputReader::Create(std::move(read_end));
  ASSERT_TRUE(reader.ok());
  const std::string data(10000, 'x');
  ASSERT_EQ(fault::WriteAll(write_end.get(), data.data(), data.size()), 0);
  Collector collector;
  EXPECT_FALSE(reader->ReadAvailable(1000, collector));
  EXPECT_EQ(reader->bytes_read(), 1000u);
  EXPECT_FALSE(reader->ReadAvailable(0, collector));  // 0 reads 1 byte
  EXPECT_EQ(reader->bytes_read(), 1001u);
  EXPECT_FALSE(reader->ReadAvailable(100000, collector));
  EXPECT_EQ(reader->bytes_read(), 10000u);
  // One overlong line, cut at the default maximum.
  write_end.Reset();
  EXPECT_TRUE(reader->ReadAvailable(100000, collector));
  ASSERT_EQ(collector.lines.size(), 1u);
  EXPECT_EQ(collector.lines[0].text.size(),
            LineSplitter::kDefaultMaxLineLength);
  EXPECT_TRUE(collector.lines[0].truncated);
}

// FormatLine writes line `i` of the flood: "line NNNNNNNN " and filler to
// kFloodLine bytes, newline included. No allocation: safe in the child.
constexpr size_t kFloodLine = 100;
void FormatLine(uint32_t i, char* out) {
  memcpy(out, "line ", 5);
  for (int digit = 7; digit >= 0; --digit) {
    out[5 + digit] = static_cast<char>('0' + i % 10);
    i /= 10;
  }
  out[13] = ' ';
  memset(out + 14, 'x', kFloodLine - 15);
  out[kFloodLine - 1] = '\n';
}

// A forked child floods 20 MB of lines into a pipe; the reader, driven by
// the scheduler with a 4 KiB budget per readiness, never reads more than
// the budget per call, keeps the ring within its byte budget and the held
// partial line within the line limit, and sees every line, in order.
TEST(OutputReader, FloodStaysBoundedAndComplete) {
  constexpr size_t kTotalBytes = 20 * 1024 * 1024;
  constexpr uint32_t kLines = kTotalBytes / kFloodLine;
  constexpr size_t kBudget = 4096;
  constexpr size_t kLinesPerWrite = 655;

  fault::StatusOr<fault::Pipe> pipe = fault::MakePipe();
  ASSERT_TRUE(pipe.ok());
  const pid_t child = fork();
  ASSERT_GE(child, 0) << strerror(errno);
  if (child == 0) {
    pipe->read.Reset();
    static char block[kLinesPerWrite * kFloodLine];
    for (uint32_t first = 0; first < kLines; first += kLinesPerWrite) {
      const uint32_t count = std::min<uint32_t>(kLinesPerWrite, kLines - first);
      for (uint32_t i = 0; i < count; ++i) {
        FormatLine(first + i, block + i * kFloodLine);
      }
      if (fault::WriteAll(pipe->write.get(), block, count * kFloodLine) != 0) {
        _exit(1);
      }
    }
    _exit(0);
  }
  pipe->write.Reset();

  fault::StatusOr<OutputReader> reader =
      OutputReader::Create(std::move(pipe->read));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  LineRing ring(1000, 64 * 1024);
  uint64_t lines = 0;
  uint64_t out_of_order = 0;
  size_t max_call_bytes = 0;
  size_t max_ring_bytes = 0;
  size_t max_pending = 0;
  uint64_t calls = 0;
  bool done = false;
  char expected[kFloodLine];
  auto on_line = [&](absl::string_view line, bool truncated) {
    FormatLine(static_cast<uint32_t>(lines), expected);
    if (truncated || line != absl::string_view(expected, kFloodLine - 1)) {
      ++out_of_order;
    }
    ++lines;
    ring.Append(line);
  };

  fault::StatusOr<std::unique_ptr<fault::Scheduler>> scheduler =
      fault::Scheduler::Create();
  ASSERT_TRUE(scheduler.ok()) << scheduler.status().ToString();
  fault::Scheduler::WatchId watch = 0;
  fault::StatusOr<fault::Scheduler::WatchId> added =
      (*scheduler)->OnReadable(reader->fd(), [&] {
        const uint64_t before = reader->bytes_read();
        ++calls;
        if (reader->ReadAvailable(kBudget, on_line)) {
          (*scheduler)->Cancel(watch);
          done = true;
        }
        max_call_bytes =
            std::max<size_t>(max_call_bytes, reader->bytes_read() - before);
        max_ring_bytes = std::max(max_ring_bytes, ring.bytes());
        max_pending = std::max(max_pending, reader->splitter().pending());
      });
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  watch = *added;
  const fault::Duration limit = fault::MonotonicNow() + fault::Seconds(240);
  while (!done) {
    ASSERT_LT(fault::MonotonicNow(), limit) << "read " << reader->bytes_read();
    fault::Status status = (*scheduler)->RunOnce(limit);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(reader->bytes_read(), uint64_t{kLines} * kFloodLine);
  EXPECT_EQ(lines, kLines);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_LE(max_call_bytes, kBudget);
  EXPECT_GE(calls, uint64_t{kLines} * kFloodLine / kBudget);
  EXPECT_LE(max_ring_bytes, ring.max_bytes());
  EXPECT_LE(max_pending, LineSplitter::kDefaultMaxLineLength);
  EXPECT_EQ(ring.total_lines(), kLines);
  EXPECT_EQ(ring.size(), 64 * 1024 / (kFloodLine - 1));
  FormatLine(kLines - 1, expected);
  EXPECT_THAT(ring.Lines(1),
              ElementsAre(std::string(expected, kFloodLine - 1)));
}

}  // namespace
}  // namespace faultinit
