#include "init/support/output_log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace faultinit {

// ---- LineRing ----

namespace {
uint32_t Bound(size_t n) {
  return static_cast<uint32_t>(std::clamp<size_t>(n, 1, UINT32_MAX));
}
}  // namespace

LineRing::LineRing(size_t max_lines, size_t max_bytes) {
  if (Bound(max_lines) != kDefaultMaxLines ||
      Bound(max_bytes) != kDefaultMaxBytes) {
    kept_ = std::make_unique<Kept>();
    kept_->max_lines = Bound(max_lines);
    kept_->max_bytes = Bound(max_bytes);
  }
}

void LineRing::Append(absl::string_view line) {
  if (!kept_) kept_ = std::make_unique<Kept>();
  Kept& k = *kept_;
  if (line.size() > k.max_bytes) line = line.substr(0, k.max_bytes);
  while (k.count != 0 &&
         (k.count + 1 > k.max_lines || k.bytes + line.size() > k.max_bytes)) {
    std::string& oldest = k.slots[k.head];
    k.bytes -= oldest.size();
    std::string().swap(oldest);  // its buffer goes with it
    k.head = (k.head + 1) % k.slots.size();
    --k.count;
  }
  if (k.count == k.slots.size()) {
    // Full, and below max_lines (eviction left room otherwise): the oldest
    // first again, then one more slot at the end.
    std::rotate(k.slots.begin(),
                k.slots.begin() + static_cast<std::ptrdiff_t>(k.head),
                k.slots.end());
    k.head = 0;
    k.slots.emplace_back(line);
  } else {
    k.slots[(k.head + k.count) % k.slots.size()].assign(line.data(),
                                                        line.size());
  }
  ++k.count;
  k.bytes += line.size();
  ++k.total;
}

std::vector<std::string> LineRing::Lines(size_t n) const {
  const size_t count = std::min(n, size());
  std::vector<std::string> lines;
  lines.reserve(count);
  for (size_t i = size() - count; i < size(); ++i) lines.push_back(At(i));
  return lines;
}

std::vector<std::string> LineRing::LinesSince(uint64_t seq) const {
  if (seq >= total_lines()) return {};
  const uint64_t start = std::max(seq + 1, first_seq());
  const size_t skip = static_cast<size_t>(start - first_seq());
  std::vector<std::string> lines;
  lines.reserve(size() - skip);
  for (size_t i = skip; i < size(); ++i) lines.push_back(At(i));
  return lines;
}

// ---- LineSplitter ----

LineSplitter::LineSplitter(size_t max_line_length)
    : max_line_length_(std::min<uint32_t>(Bound(max_line_length), INT32_MAX)),
      discarding_(false) {}

void LineSplitter::Emit(absl::string_view line, bool truncated,
                        LineCallback on_line) {
  ++lines_;
  if (truncated && truncated_lines_ != UINT32_MAX) ++truncated_lines_;
  on_line(line, truncated);
}

void LineSplitter::Feed(absl::string_view chunk, LineCallback on_line) {
  while (!chunk.empty()) {
    const size_t newline = chunk.find('\n');
    const bool complete = newline != absl::string_view::npos;
    const absl::string_view piece = complete ? chunk.substr(0, newline) : chunk;
    if (discarding_) {
      discarded_bytes_ += piece.size();
      discarding_ = !complete;
    } else if (pending() == 0 && complete && piece.size() <= max_line_length_) {
      Emit(piece, false, on_line);  // the common case: no copy
    } else {
      if (!partial_) partial_ = std::make_unique<std::string>();
      std::string& partial = *partial_;
      const size_t room = max_line_length_ - partial.size();
      const size_t taken = std::min(piece.size(), room);
      const size_t needed = partial.size() + taken;
      if (partial.capacity() < needed) {
        // Grown as a string grows, but never past one line: a new string
        // reserves what it is asked (one that grows may take twice its
        // capacity).
        std::string grown;
        grown.reserve(std::min<size_t>(
            max_line_length_, std::max(needed, 2 * partial.capacity())));
        grown.append(partial);
        partial.swap(grown);
      }
      partial.append(piece.data(), taken);
      if (piece.size() <= room) {
        if (complete) {
          Emit(partial, false, on_line);
          Release();
        }
      } else {
        // Over the limit: emit what fits, drop the rest of this line.
        Emit(partial, true, on_line);
        Release();
        discarded_bytes_ += piece.size() - room;
        discarding_ = !complete;
      }
    }
    if (!complete) break;
    chunk.remove_prefix(newline + 1);
  }
}

void LineSplitter::Flush(LineCallback on_line) {
  if (pending() != 0) Emit(*partial_, false, on_line);
  Release();
  discarding_ = false;
}

// Once a held line is out, so is its buffer: PID 1 keeps a splitter per
// service for its whole life, and a line split across reads (a service's
// stdio writes its pipe in blocks) would otherwise leave up to a line's
// worth of capacity in it.
void LineSplitter::Release() { partial_.reset(); }

// ---- OutputReader ----

namespace {
// Bytes read per read(2); a call reads up to its budget in such steps. The
// buffer is on the stack, and a stack page once touched stays resident for
// PID 1's whole life: one page, no deeper than the loop's other reads.
constexpr size_t kReadChunk = 4096;
}  // namespace

OutputReader::OutputReader(fault::UniqueFd fd, size_t max_line_length)
    : splitter_(max_line_length), fd_(std::move(fd)), error_(0), eof_(0) {}

fault::StatusOr<OutputReader> OutputReader::Create(fault::UniqueFd read_end,
                                                   size_t max_line_length) {
  if (!read_end.valid()) {
    return fault::InvalidArgumentError("invalid output pipe descriptor");
  }
  const int fd = read_end.get();
  const int status_flags = fcntl(fd, F_GETFL);
  const int fd_flags = fcntl(fd, F_GETFD);
  // Only what is not set yet is set (a pipe made O_CLOEXEC needs one
  // call less: PID 1 makes one per service).
  if (status_flags < 0 || fd_flags < 0 ||
      ((status_flags & O_NONBLOCK) == 0 &&
       fcntl(fd, F_SETFL, status_flags | O_NONBLOCK) != 0) ||
      ((fd_flags & FD_CLOEXEC) == 0 &&
       fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) != 0)) {
    return fault::ErrnoToStatus(errno,
                                "unable to make output pipe non-blocking");
  }
  return OutputReader(std::move(read_end), max_line_length);
}

bool OutputReader::ReadAvailable(size_t budget_bytes,
                                 LineSplitter::LineCallback on_line) {
  if (eof_) return true;
  const size_t budget = std::max<size_t>(budget_bytes, 1);
  char buffer[kReadChunk];
  size_t done = 0;
  while (done < budget) {
    const ssize_t n =
        read(fd_.get(), buffer, std::min(sizeof buffer, budget - done));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      error_ = static_cast<uint32_t>(errno);
      break;
    }
    if (n == 0) break;
    bytes_read_ += static_cast<uint64_t>(n);
    done += static_cast<size_t>(n);
    splitter_.Feed(absl::string_view(buffer, static_cast<size_t>(n)), on_line);
  }
  if (done >= budget && error_ == 0) return false;  // budget spent
  splitter_.Flush(on_line);
  eof_ = 1;
  return true;
}

fault::Status OutputReader::status() const {
  if (error_ == 0) return fault::OkStatus();
  return fault::ErrnoToStatus(static_cast<int>(error_),
                              "unable to read service output");
}

}  // namespace faultinit
