// File: init/support/output_log.h
//
// Per-service output capture, for `StandardOutput=journal`: faultinit reads
// a service's pipe, splits what arrives into lines, logs each as
// `[name] line` and keeps the recent ones for `faultctl log`.
//
//   LineSplitter  raw bytes -> complete lines (long lines truncated)
//   LineRing      the most recent lines, bounded by count and by bytes,
//                 each with a sequence number so a follower (`log -f`)
//                 can ask for what came after the last line it saw
//   OutputReader  owns a pipe's read end; reads at most a budget of bytes
//                 per call, so a flooding service cannot hold the loop
//
// Memory stays bounded whatever a service writes: a reader holds at most
// one partial line (max_line_length bytes), a ring at most max_bytes of
// line text, and nothing else accumulates (however long a flood, only the
// ring's budget is kept). A service that writes faster than faultinit reads is
// slowed by its own full pipe, never faultinit.
//
// Threading: all three are thread-compatible, used on the loop thread; none
// is async-signal-safe (they allocate). Callbacks run synchronously inside
// the call that feeds them and must not feed the same object again.

#ifndef FAULT_INIT_SUPPORT_OUTPUT_LOG_H_
#define FAULT_INIT_SUPPORT_OUTPUT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "runtime/fd.h"
#include "runtime/status.h"

namespace faultinit {

// LineRing: the most recent lines of one service. Line k (1-based, over
// the ring's whole life) has sequence number k; eviction drops the oldest.
class LineRing {
 public:
  static constexpr size_t kDefaultMaxLines = 1000;
  static constexpr size_t kDefaultMaxBytes = 256 * 1024;

  // Keeps at most `max_lines` lines and `max_bytes` bytes of line text
  // (each at least 1, and at most 2^32 - 1).
  explicit LineRing(size_t max_lines = kDefaultMaxLines,
                    size_t max_bytes = kDefaultMaxBytes);

  // Append adds `line` (without its newline) as the newest line, evicting
  // the oldest until both bounds hold. A line longer than max_bytes alone
  // is cut to max_bytes.
  void Append(absl::string_view line);

  // Lines returns the newest `n` lines kept (all kept when fewer), oldest
  // first.
  std::vector<std::string> Lines(size_t n) const;

  // LinesSince returns the kept lines whose sequence number is greater than
  // `seq`, oldest first: pass the total_lines() seen last time to get what
  // came after. Lines already evicted are missing: first_seq() tells.
  std::vector<std::string> LinesSince(uint64_t seq) const;

  // total_lines counts every line ever appended (the newest line's sequence
  // number); monotonic, unaffected by eviction.
  uint64_t total_lines() const { return kept_ ? kept_->total : 0; }
  // first_seq is the oldest kept line's sequence number (total_lines() + 1
  // when the ring is empty).
  uint64_t first_seq() const { return total_lines() + 1 - size(); }
  // size is how many lines are kept; bytes their total length.
  size_t size() const { return kept_ ? kept_->count : 0; }
  size_t bytes() const { return kept_ ? kept_->bytes : 0; }
  size_t max_lines() const {
    return kept_ ? kept_->max_lines : kDefaultMaxLines;
  }
  size_t max_bytes() const {
    return kept_ ? kept_->max_bytes : kDefaultMaxBytes;
  }

 private:
  // The lines kept: a circular buffer of `count` lines from `head` in
  // `slots`, which grows as a vector grows (by doubling, up to max_lines),
  // so a service that wrote a few lines keeps a few strings, not a
  // std::deque's 512-byte block and its map.
  struct Kept {
    std::vector<std::string> slots;
    size_t head = 0;
    size_t count = 0;
    size_t bytes = 0;
    uint64_t total = 0;
    // 32 bits each: see Bound in output_log.cc.
    uint32_t max_lines = kDefaultMaxLines;
    uint32_t max_bytes = kDefaultMaxBytes;
  };
  // The line `i` places after the oldest kept.
  const std::string& At(size_t i) const {
    return kept_->slots[(kept_->head + i) % kept_->slots.size()];
  }

  // Made by the first Append (or by the constructor, for bounds other than
  // the defaults), and holding everything, the bounds too: most services
  // of a system never write a line, and PID 1 keeps a ring per service (8
  // bytes each, in its entry).
  std::unique_ptr<Kept> kept_;
};

// LineSplitter: turns a byte stream into lines.
class LineSplitter {
 public:
  static constexpr size_t kDefaultMaxLineLength = 4096;

  // on_line(line, truncated): `line` is valid only during the call and has
  // no newline; `truncated` when the line was cut at the maximum length.
  using LineCallback = absl::FunctionRef<void(absl::string_view, bool)>;

  // `max_line_length` (at least 1, at most 2^31 - 1) bounds a line and
  // the bytes held.
  explicit LineSplitter(size_t max_line_length = kDefaultMaxLineLength);

  // Feed consumes `chunk`, calling `on_line` for each line it completes. A
  // partial line is held until its newline arrives. When a line exceeds the
  // maximum length its first max_line_length bytes are emitted at once,
  // marked truncated, and the rest of it, up to and including its newline,
  // is discarded (discarded_bytes() counts it, newline excluded). A line of
  // exactly the maximum length followed by its newline is complete, not
  // truncated.
  void Feed(absl::string_view chunk, LineCallback on_line);

  // Flush, at end of file, emits a held partial line (not truncated) and
  // resets the splitter, so a stream's last line needs no newline.
  void Flush(LineCallback on_line);

  // pending is how many bytes of a partial line are held; held_capacity
  // the bytes of buffer that holds them (none while no partial line is
  // held: the buffer goes with the line).
  size_t pending() const { return partial_ ? partial_->size() : 0; }
  size_t held_capacity() const { return partial_ ? partial_->capacity() : 0; }
  size_t max_line_length() const { return max_line_length_; }
  uint64_t lines() const { return lines_; }
  // Lines cut; stays at 2^32 - 1 once there (each is a line of at least
  // max_line_length bytes).
  uint64_t truncated_lines() const { return truncated_lines_; }
  uint64_t discarded_bytes() const { return discarded_bytes_; }

 private:
  void Emit(absl::string_view line, bool truncated, LineCallback on_line);
  void Release();

  // 32 bytes on LP64: PID 1 keeps a splitter per service (in its output
  // pipe, OutputPipe, which stays in musl's 64-byte size class).
  uint32_t max_line_length_ : 31;
  uint32_t discarding_ : 1;  // inside an overlong line, after its cut
  uint32_t truncated_lines_ = 0;
  // The partial line held, null while none is: its buffer is made with it.
  std::unique_ptr<std::string> partial_;
  uint64_t lines_ = 0;
  uint64_t discarded_bytes_ = 0;
};

// OutputReader: the read end of one service's output pipe, and the splitter
// for what it carries. Owns the fd (closed on destruction); the caller
// watches fd() with Scheduler::OnReadable and must cancel that watch before
// the reader is destroyed.
class OutputReader {
 public:
  // Create takes the read end, making it O_NONBLOCK and close-on-exec.
  // Errors: kInvalidArgument for an invalid fd; fcntl's errno.
  static fault::StatusOr<OutputReader> Create(
      fault::UniqueFd read_end,
      size_t max_line_length = LineSplitter::kDefaultMaxLineLength);

  OutputReader(OutputReader&&) = default;
  OutputReader& operator=(OutputReader&&) = default;

  int fd() const { return fd_.get(); }

  // ReadAvailable reads what the pipe holds, at most `budget_bytes` (at
  // least 1 is used) in this call, and calls `on_line` for each complete
  // line. Never blocks. Returns true when the stream has ended: end of file
  // (every writer closed; the held partial line has been flushed) or a read
  // error (kept in status()); the caller then cancels its watch. Returns
  // false when the pipe is empty or the budget is spent; level-triggered
  // readiness calls again while data remains.
  bool ReadAvailable(size_t budget_bytes, LineSplitter::LineCallback on_line);

  // eof is true once ReadAvailable has returned true.
  bool eof() const { return eof_ != 0; }
  // status is OK, or the read error that ended the stream.
  fault::Status status() const;
  uint64_t bytes_read() const { return bytes_read_; }
  const LineSplitter& splitter() const { return splitter_; }

 private:
  OutputReader(fault::UniqueFd fd, size_t max_line_length);

  // 48 bytes on LP64, no padding: PID 1 keeps a reader per service whose
  // output it captures (in its OutputPipe, which stays in musl's 64-byte
  // size class). The read error as its errno value, not a Status (16
  // bytes); made into one only when asked for.
  LineSplitter splitter_;
  uint64_t bytes_read_ = 0;
  fault::UniqueFd fd_;
  uint32_t error_ : 31;  // errno of the read that failed; 0: none
  uint32_t eof_ : 1;
};

}  // namespace faultinit

#endif  // FAULT_INIT_SUPPORT_OUTPUT_LOG_H_
